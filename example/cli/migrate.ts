/**
 * `npm run migrate`: applies the package's migrations from the environment configuration
 * (`DATABASE_URL` or PGlite in `DATA_DIR`, `PG_SCHEMA`; `CLICKHOUSE_URL` or chDB in
 * `DATA_DIR`, `CLICKHOUSE_DATABASE`; see src/config.ts).
 *
 * Each engine has its own step function so the example gateway and tests can call one
 * alone; `main` runs them in order and exits non-zero when one fails. Prints file names and
 * outcomes only, never a connection string.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { migrateClickHouse, migrateToLatest, openClickHouse, openPostgres, type MigrateResult } from '@frameworks/attribution'
import { clickHouseOptionsOf, loadConfig, type GatewayConfig } from '../config.ts'

/** Runs the Postgres migrations for a configuration; opens and closes its own connection. */
export async function migratePostgres (config: Readonly<GatewayConfig>): Promise<MigrateResult> {
  const postgres = await openPostgres({
    ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') }),
    schema: config.pgSchema,
    poolSize: 1
  })
  try {
    return await migrateToLatest(postgres.db, { schema: config.pgSchema })
  } finally {
    await postgres.close()
  }
}

/**
 * Runs the ClickHouse migrations in `CLICKHOUSE_DATABASE` (CLICKHOUSE_URL, else chDB in
 * DATA_DIR); opens and closes its own client.
 */
export async function migrateClickHouseStep (config: Readonly<GatewayConfig>): Promise<MigrateResult> {
  const clickhouse = await openClickHouse(clickHouseOptionsOf(config))
  try {
    return await migrateClickHouse(clickhouse)
  } finally {
    await clickhouse.close()
  }
}

function report (engine: string, result: { results: ReadonlyArray<{ name: string, status: string }>, error?: Error }): boolean {
  for (const r of result.results) console.log(`${engine}: ${r.name} ${r.status}`)
  if (result.error !== undefined) console.error(`${engine}: ${result.error.message}`)
  return result.error === undefined
}

async function main (): Promise<void> {
  const config = loadConfig()
  const outcomes: boolean[] = []
  outcomes.push(report('postgres', await migratePostgres(config)))
  outcomes.push(report('clickhouse', await migrateClickHouseStep(config)))
  if (outcomes.includes(false)) process.exitCode = 1
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error('migrate failed:', err instanceof Error ? err.message : err)
    process.exitCode = 1
  })
}
