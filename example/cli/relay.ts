/**
 * `npm run relay`: the outbox → ClickHouse relay as a standalone worker, for deployments
 * that run it beside the gateways (any number of copies: claims never overlap, deliveries
 * never double-count). Reads the same environment as the gateway (`DATABASE_URL` or PGlite
 * in `DATA_DIR`, `PG_SCHEMA`, `CLICKHOUSE_URL` or chDB in `DATA_DIR`), plus
 * `RELAY_BATCH_SIZE`, `RELAY_CONCURRENCY`, `RELAY_POLL_INTERVAL_MS`, `RELAY_MAX_ATTEMPTS`,
 * `RELAY_CLAIM_MODE` (`lock`, the default on a Postgres server, or `lease`, the only choice on
 * PGlite) and `LOG_LEVEL`.
 *
 * Embedded engines lock their directories: with PGlite or chDB, run the relay only while the
 * example gateway (which runs its own relay) is stopped. Run `npm run migrate` first.
 * SIGTERM/SIGINT drain the current batch, then close both engines and exit 0.
 * Logs JSON lines without connection strings.
 */
import { join } from 'node:path'
import {
  createRelay, createUsageUpkeep, DEFAULT_RELAY_CONCURRENCY, ERR_INVALID_OPTION, openClickHouse, openPostgres, type Database, type RelayLogger
} from '@frameworks/attribution'
import { clickHouseOptionsOf, loadConfig } from '../config.ts'

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const
type Level = keyof typeof LEVELS

/** A JSON-lines logger on stdout, filtered by `LOG_LEVEL` (default info). */
function jsonLogger (level: string | undefined): RelayLogger {
  const min = LEVELS[(level ?? 'info') as Level] ?? LEVELS.info
  const line = (name: Level) => (obj: object, msg: string): void => {
    if (LEVELS[name] < min) return
    process.stdout.write(JSON.stringify({ level: name, time: new Date().toISOString(), msg, ...obj }) + '\n')
  }
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

function intFromEnv (name: string): number | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new ERR_INVALID_OPTION(name, 'must be a positive integer')
  return n
}

const config = loadConfig()
const logger = jsonLogger(process.env.LOG_LEVEL)
const batchSize = intFromEnv('RELAY_BATCH_SIZE')
const concurrency = intFromEnv('RELAY_CONCURRENCY')
const pollIntervalMs = intFromEnv('RELAY_POLL_INTERVAL_MS')
const maxAttempts = intFromEnv('RELAY_MAX_ATTEMPTS')
// A dedicated worker on a Postgres server: lock mode (half the row writes, measured ~1.6× faster).
const claimMode = process.env.RELAY_CLAIM_MODE || (config.databaseUrl !== undefined ? 'lock' : 'lease')
if (claimMode !== 'lease' && claimMode !== 'lock') throw new ERR_INVALID_OPTION('RELAY_CLAIM_MODE', 'must be "lease" or "lock"')
if (claimMode === 'lock' && config.databaseUrl === undefined) throw new ERR_INVALID_OPTION('RELAY_CLAIM_MODE', '"lock" needs a Postgres server (DATABASE_URL); PGlite has one connection')
const postgres = await openPostgres<Database>({
  ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') }),
  schema: config.pgSchema,
  // One connection per batch in flight (lock mode holds it during the insert), plus status reads.
  poolSize: (concurrency ?? DEFAULT_RELAY_CONCURRENCY) + 2
})
const clickhouse = await openClickHouse(clickHouseOptionsOf(config))
const relay = createRelay({
  db: postgres.db,
  clickhouse: clickhouse,
  logger,
  claimMode,
  ...(batchSize !== undefined ? { batchSize } : {}),
  ...(concurrency !== undefined ? { concurrency } : {}),
  ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
  ...(maxAttempts !== undefined ? { maxAttempts } : {})
})

// The hourly usage upkeep runs beside the relay (an advisory lock on a Postgres server: one
// process at a time of every gateway and relay).
const upkeep = createUsageUpkeep({
  clickhouse,
  ...(postgres.engine === 'postgres' ? { db: postgres.db } : {}),
  onRun: ({ result, error, skipped }) => {
    if (error !== undefined) logger.error({ error: error.message }, 'usage upkeep failed')
    else if (skipped !== true) logger.info({ ...result }, 'usage upkeep done')
  }
})

let stopping = false
async function stop (signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'relay draining')
  try {
    await relay.drain()
    await upkeep.stop()
    await clickhouse.close()
    await postgres.close()
    logger.info({ delivered: relay.metrics().delivered_total }, 'relay stopped')
    process.exit(0)
  } catch (err) {
    logger.error({ error: (err as Error).message }, 'relay shutdown failed')
    process.exit(1)
  }
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => { void stop(signal) })

relay.start()
upkeep.start()
logger.info({ engine: { postgres: postgres.engine, clickhouse: clickhouse.engine } }, 'relay started')
