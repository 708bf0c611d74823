/**
 * `npm run seed -- --tenants N --days D [--seed S] [--end YYYY-MM-DD]
 * [--tracking-start-fraction F] [--replace] [--checksums]`: fills ClickHouse with the
 * deterministic demo data set (see src/seed/demo-data.ts), after applying the ClickHouse
 * migrations.
 *
 * Connects to `CLICKHOUSE_URL`, else to the embedded chDB in `DATA_DIR/chdb` (default
 * `./.data/chdb`). The example gateway holds that embedded engine while it runs (one
 * process per data directory), so seed the embedded engine with the gateway stopped.
 * Prints counts and timings only, never a connection string.
 */
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { openClickHouse } from '../clickhouse/client.ts'
import { migrateClickHouse } from '../clickhouse/migrations.ts'
import {
  DEFAULT_DEMO_DAYS, DEFAULT_DEMO_SEED, SEEDED_TABLES, DEFAULT_DEMO_TENANTS, DEFAULT_TRACKING_START_FRACTION,
  demoDataChecksums, normalizeDemoDataOptions, seedDemoData, type DemoDataOptions
} from '../seed/index.ts'

/** Per-statement timeout on a server. */
const SERVER_TIMEOUT_MS = 30 * 60_000

export const SEED_USAGE = `Usage: npm run seed -- --tenants N --days D [options]

Fills FrameWorks' tenant_acquisition_events and the stores behind tenant_viewer_daily,
tenant_analytics_daily, processing_daily and api_usage_daily with deterministic demo data in FrameWorks' shape
(same arguments → identical rows), then refreshes attribution_usage_daily.

  --tenants N                    tenants, 1 … 1000000 (default ${DEFAULT_DEMO_TENANTS})
  --days D                       days of history ending at --end, 1 … 3660 (default ${DEFAULT_DEMO_DAYS})
  --seed S                       generator seed (default ${DEFAULT_DEMO_SEED})
  --end YYYY-MM-DD               last day with data, UTC (default today)
  --tracking-start-fraction F    share of the window before acquisition tracking began:
                                 those tenants have usage but no acquisition event
                                 (default ${DEFAULT_TRACKING_START_FRACTION})
  --replace                      empty the seeded tables first (otherwise non-empty tables stop the run)
  --checksums                    print a per-table checksum afterwards
  --help                         this text

Target: CLICKHOUSE_URL (a ClickHouse server), else the embedded chDB in DATA_DIR/chdb
(default ./.data/chdb), FrameWorks' tables in the database CLICKHOUSE_DATABASE (default
"default" on a server, "periscope" on chDB), the package's in CLICKHOUSE_ATTRIBUTION_DATABASE
(default "attribution"). Never seed
a database that holds FrameWorks' real data. The example gateway holds its embedded engine
while it runs: stop it before seeding that directory (it seeds a small data set itself on
first start).`

/** Parses the command line into generator options (throws a TypeError on a malformed one). */
export function parseSeedArgs (argv: string[]): { options: DemoDataOptions, checksums: boolean, help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenants: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      end: { type: 'string' },
      'tracking-start-fraction': { type: 'string' },
      replace: { type: 'boolean', default: false },
      checksums: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v)) throw new TypeError(`--${name} must be a non-negative integer`)
    return Number(v)
  }
  const fraction = values['tracking-start-fraction']
  if (fraction !== undefined && !/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(fraction)) throw new TypeError('--tracking-start-fraction must be a number from 0 to 1')
  const options: DemoDataOptions = { replace: values.replace }
  const tenants = int('tenants', values.tenants)
  const days = int('days', values.days)
  const seed = int('seed', values.seed)
  if (tenants !== undefined) options.tenants = tenants
  if (days !== undefined) options.days = days
  if (seed !== undefined) options.seed = seed
  if (values.end !== undefined) options.end = values.end
  if (fraction !== undefined) options.trackingStartFraction = Number(fraction)
  return { options, checksums: values.checksums, help: values.help }
}

async function main (): Promise<void> {
  let parsed: ReturnType<typeof parseSeedArgs>
  try {
    parsed = parseSeedArgs(process.argv.slice(2))
    normalizeDemoDataOptions(parsed.options)
  } catch (err) {
    console.error((err as Error).message)
    console.error(SEED_USAGE)
    process.exitCode = 2
    return
  }
  if (parsed.help) {
    console.log(SEED_USAGE)
    return
  }
  const url = process.env.CLICKHOUSE_URL || undefined
  const dataDir = join(resolve(process.env.DATA_DIR || './.data'), 'chdb')
  const database = process.env.CLICKHOUSE_DATABASE || undefined
  const attributionDatabase = process.env.CLICKHOUSE_ATTRIBUTION_DATABASE || undefined
  // One INSERT … SELECT per table: at 100k tenants × 730 days a server may need minutes for one.
  const clickhouse = await openClickHouse({
    ...(url !== undefined ? { url, requestTimeoutMs: SERVER_TIMEOUT_MS } : { dataDir }),
    ...(database !== undefined ? { database } : {}),
    ...(attributionDatabase !== undefined ? { attributionDatabase } : {})
  })
  try {
    const migrated = await migrateClickHouse(clickhouse)
    if (migrated.error !== undefined) throw migrated.error
    console.log(`seeding ${clickhouse.engine === 'chdb' ? `embedded chDB in ${dataDir}` : 'the ClickHouse server'} …`)
    const summary = await seedDemoData(clickhouse, parsed.options)
    const o = summary.options
    console.log(`${o.tenants} tenants × ${o.days} days (${o.start} … ${o.end}, seed ${o.seed}); acquisition events from ${o.trackingStart}`)
    for (const [table, rows] of Object.entries(summary.rows)) console.log(`  ${table.padEnd(28)} ${rows.toLocaleString('en-US').padStart(12)} rows`)
    console.log(`done in ${(summary.elapsedMs / 1000).toFixed(1)} s (usage snapshot ${(summary.refreshMs / 1000).toFixed(1)} s)`)
    if (parsed.checksums) {
      const checksums = await demoDataChecksums(clickhouse.frameworksClient)
      for (const table of SEEDED_TABLES) console.log(`  checksum ${table.padEnd(28)} ${checksums[table].rows} rows ${checksums[table].checksum}`)
    }
  } finally {
    await clickhouse.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error('seed failed:', err instanceof Error ? err.message : err)
    process.exitCode = 1
  })
}
