/**
 * `npm run rebuild [-- --drop-legacy]`: rebuilds the package's ClickHouse database
 * (`CLICKHOUSE_ATTRIBUTION_DATABASE`, default `attribution`) from what FrameWorks keeps:
 * `tenant_acquisition_events` and the usage views in `CLICKHOUSE_DATABASE`, and
 * Quartermaster's `tenant_attribution` in Postgres (`DATABASE_URL`, else PGlite in
 * `DATA_DIR`). Erased tenants stay erased. `--drop-legacy` then drops the package's old
 * objects from FrameWorks' database, by exact name (docs/production.md).
 *
 * Run it after a FrameWorks host migration, or whenever the package's database was lost.
 * Stop the gateways' upkeep first on a single-process engine (chDB allows one process per
 * data directory). Prints counts only.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openClickHouse, openPostgres, rebuildAttribution, type Database } from '@frameworks/attribution'
import { clickHouseOptionsOf, loadConfig } from '../config.ts'

const { values } = parseArgs({ options: { 'drop-legacy': { type: 'boolean', default: false } } })
const config = loadConfig()
const postgres = await openPostgres<Database>({
  ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') }),
  schema: config.pgSchema,
  poolSize: 2
})
try {
  const clickhouse = await openClickHouse(clickHouseOptionsOf(config))
  try {
    const r = await rebuildAttribution({ clickhouse, db: postgres.db, dropLegacy: values['drop-legacy'] })
    console.log(`rebuild: ${clickhouse.attributionDatabase} from ${clickhouse.database} and Postgres in ${(r.durationMs / 1000).toFixed(1)} s`)
    console.log(`  tenants: ${r.fromFrameworks} from tenant_acquisition_events, ${r.fromLegacy} from the old copy, ${r.fromQuartermaster} from tenant_attribution; ${r.erased} erased left out`)
    console.log(`  usage: ${r.usage.partitions} months, ${r.usage.rowsWritten} rows`)
    if (r.legacyDropped.length > 0) console.log(`  dropped from ${clickhouse.database}: ${r.legacyDropped.join(', ')}`)
  } finally {
    await clickhouse.close()
  }
} catch (err) {
  console.error('rebuild failed:', err instanceof Error ? err.message : err)
  process.exitCode = 1
} finally {
  await postgres.close()
}
