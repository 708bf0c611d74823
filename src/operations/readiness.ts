/**
 * Readiness of the package's two databases, without Fastify: whether Postgres and ClickHouse
 * answer within a bound and hold every migration of this version of the package.
 *
 * Why one read per database: the migration ledger query is the ping, so a probe costs one
 * small query on each side. A check that takes longer than `timeoutMs` counts as down (the
 * query itself is left to finish). Results are kept for `cacheMs` and a check in flight is
 * shared, so a storm of probes costs each database at most one query per period.
 */
import type { ClickHouseHandle } from '../clickhouse/client.ts'
import { pendingClickHouseMigrations } from '../clickhouse/migrations.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import { pendingMigrations } from '../postgres/migrations.ts'
import type { HostKysely } from '../store/database.ts'

/** How long a database may take to answer before it counts as down; default 2 s. */
export const DEFAULT_READY_TIMEOUT_MS = 2_000
/** How long a readiness result is kept; default 1 s. */
export const DEFAULT_READY_CACHE_MS = 1_000

/** The state of one database. */
export interface DatabaseCheck {
  status: 'up' | 'down' | 'not_migrated'
  /** Why it is not `up`: `unreachable`, `timeout`, or the pending migrations. */
  detail?: string
}

/** Readiness of both databases. */
export interface ReadinessResult {
  ready: boolean
  checks: { postgres: DatabaseCheck, clickhouse: DatabaseCheck }
}

/** What readiness checks: the package's Postgres (and its schema) and ClickHouse. */
export interface ReadinessOptions {
  /** Kysely over the Postgres holding the package's tables (`openPostgres().db`). */
  db: HostKysely
  /** The schema the package's migrations run in; default `attribution`. */
  schema?: string
  /** The ClickHouse handle (`openClickHouse()`). */
  clickhouse: ClickHouseHandle
  /** Bound on each database's answer, ms. Default {@link DEFAULT_READY_TIMEOUT_MS}. */
  timeoutMs?: number
  /** How long a result is kept, ms. Default {@link DEFAULT_READY_CACHE_MS}. */
  cacheMs?: number
}

class CheckTimeout extends Error {}

function within<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new CheckTimeout()), ms) })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

async function checkDatabase (pending: () => Promise<string[]>, timeoutMs: number): Promise<DatabaseCheck> {
  try {
    const names = await within(pending(), timeoutMs)
    return names.length === 0 ? { status: 'up' } : { status: 'not_migrated', detail: `pending migrations: ${names.join(', ')}` }
  } catch (err) {
    return { status: 'down', detail: err instanceof CheckTimeout ? `no answer within ${timeoutMs} ms` : 'unreachable' }
  }
}

/** Builds a cached readiness check; options are validated once. */
export function createReadinessCheck (options: ReadinessOptions): () => Promise<ReadinessResult> {
  const { db, clickhouse } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  if (clickhouse === null || typeof clickhouse !== 'object' || typeof clickhouse.client?.query !== 'function') throw new ERR_INVALID_OPTION('clickhouse', 'a ClickHouse handle (openClickHouse) is required')
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ERR_INVALID_OPTION('timeoutMs', 'must be a positive integer')
  const cacheMs = options.cacheMs ?? DEFAULT_READY_CACHE_MS
  if (!Number.isInteger(cacheMs) || cacheMs < 0) throw new ERR_INVALID_OPTION('cacheMs', 'must be a non-negative integer')
  const migrateOptions = options.schema !== undefined ? { schema: options.schema } : {}

  let kept: { at: number, result: Promise<ReadinessResult> } | undefined
  return function readiness () {
    const now = Date.now()
    if (kept === undefined || (kept.at !== Number.POSITIVE_INFINITY && now - kept.at >= cacheMs)) {
      const result = Promise.all([
        checkDatabase(() => pendingMigrations(db, migrateOptions), timeoutMs),
        checkDatabase(() => pendingClickHouseMigrations(clickhouse), timeoutMs)
      ]).then(([postgres, ch]) => ({ ready: postgres.status === 'up' && ch.status === 'up', checks: { postgres, clickhouse: ch } }))
      const entry = { at: Number.POSITIVE_INFINITY, result }
      // Kept from when it answered; probes meanwhile share the check in flight.
      void result.then(() => { entry.at = Date.now() })
      kept = entry
    }
    return kept.result
  }
}
