/**
 * The deterministic demo-data generator: fills FrameWorks' `tenant_acquisition_events` and
 * the stores behind its three daily rollup views and `tenant_analytics_daily` (egress with
 * restream delivery on some tenant-days) with realistic shapes (and FrameWorks'
 * quirks: refresh versions, zero rows, replays, rows without derived fields), so the reports show real numbers on a fresh engine
 * and the benchmark has tens of millions of rows to chew on.
 *
 * Why it exists: FrameWorks' rollups are filled by Periscope from live traffic; a demo, a
 * test or a benchmark has none. Same options → the very same rows (checked by
 * `demoDataChecksums`), on chDB and on a server alike. All rows are computed inside
 * ClickHouse (see `demo-data.sql.ts`); this module validates options, orders the
 * statements and cleans up.
 *
 * Shapes: signups grow over the window; channels web (email_password, 55 %), api (api_key,
 * 20 %), wallet (ethereum, base, arbitrum: 15 %), x402 (x402_usdc, 10 %); agents (MCP
 * clients, coding agents, x402 clients, automation) with `is_agent`; channel groups including `ai_assistant` and
 * `referral_program` (referral codes, some refused); paid campaigns with UTM tags; tenants
 * who never activate, who activate late, who churn; live tenants (viewers, Livepeer and/or
 * native `AV` processing with codecs, a few `FFmpeg` jobs), VOD tenants (processing without
 * viewers), API-only tenants; API errors with a few flaky tenants. Tenants who signed up
 * before tracking started (`trackingStartFraction` of the window) have usage but no
 * acquisition event: the reports' `unattributed` bucket.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { ERR_CONFLICT, ERR_INVALID_OPTION } from '../errors.ts'
import { CHECKSUMS, CREATE_TENANTS, DROP_TENANTS, INSERT_ACQUISITION_EVENTS, DERIVED_TABLES, SEEDED_TABLES } from './demo-data.sql.ts'
import { INSERT_ANALYTICS_DAILY, INSERT_API_USAGE_DAILY, INSERT_PROCESSING_DAILY, INSERT_VIEWER_DAILY, INSERT_ZERO_ROWS } from './demo-usage.sql.ts'
import type { ClickHouseHandle } from '../clickhouse/client.ts'
import { runUsageUpkeep } from '../clickhouse/usage-upkeep.ts'

export { SEEDED_TABLES }
export type SeededTable = typeof SEEDED_TABLES[number]

export const DEFAULT_DEMO_TENANTS = 300
export const DEFAULT_DEMO_DAYS = 120
export const DEFAULT_DEMO_SEED = 1
export const DEFAULT_TRACKING_START_FRACTION = 0.25
export const MAX_DEMO_TENANTS = 1_000_000
export const MAX_DEMO_DAYS = 3660

export interface DemoDataOptions {
  /** Number of tenants, 1 … 1,000,000 (default 300). */
  tenants?: number
  /** Days of history ending at `end`, 1 … 3660 (default 120). */
  days?: number
  /** Generator seed, a non-negative safe integer (default 1): same options → identical rows. */
  seed?: number
  /** Last day with data, `YYYY-MM-DD` UTC (default: today UTC). */
  end?: string
  /**
   * Share of the window, from its start, before acquisition tracking began, 0 … 1 (default
   * 0.25): tenants who signed up then have usage but no acquisition event.
   */
  trackingStartFraction?: number
  /**
   * Empty the seeded tables first (default false). Without it a table that already holds
   * rows stops the run with `FW_ATTR_CONFLICT`: demo data never goes into a database that
   * holds data (it may be FrameWorks' own).
   */
  replace?: boolean
}

/** Validated options with the derived window. */
export interface NormalizedDemoDataOptions {
  tenants: number
  days: number
  seed: number
  /** First day of the window, `YYYY-MM-DD`. */
  start: string
  /** Last day of the window (inclusive), `YYYY-MM-DD`. */
  end: string
  trackingStartFraction: number
  /** First day with acquisition events, `YYYY-MM-DD`. */
  trackingStart: string
  replace: boolean
}

export interface DemoDataSummary {
  options: Readonly<NormalizedDemoDataOptions>
  /** Rows per table after the run. */
  rows: Record<SeededTable, number>
  elapsedMs: number
  /** Of `elapsedMs`, the usage snapshot's refresh (the work ClickHouse repeats every hour). */
  refreshMs: number
}

const DAY_MS = 86_400_000
const DATE = /^\d{4}-\d{2}-\d{2}$/

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

function integerIn (option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new ERR_INVALID_OPTION(option, `must be an integer from ${min} to ${max}`)
  return v
}

/** Validates options and derives the window; `now` decides the default end day. */
export function normalizeDemoDataOptions (options: DemoDataOptions = {}, now: Date = new Date()): Readonly<NormalizedDemoDataOptions> {
  const tenants = integerIn('tenants', options.tenants, DEFAULT_DEMO_TENANTS, 1, MAX_DEMO_TENANTS)
  const days = integerIn('days', options.days, DEFAULT_DEMO_DAYS, 1, MAX_DEMO_DAYS)
  const seed = integerIn('seed', options.seed, DEFAULT_DEMO_SEED, 0, Number.MAX_SAFE_INTEGER)
  const fraction = options.trackingStartFraction ?? DEFAULT_TRACKING_START_FRACTION
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new ERR_INVALID_OPTION('trackingStartFraction', 'must be a number from 0 to 1')
  }
  const end = options.end ?? isoDay(now.getTime())
  const endMs = DATE.test(end) ? Date.parse(`${end}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(endMs) || isoDay(endMs) !== end) throw new ERR_INVALID_OPTION('end', 'must be a calendar day YYYY-MM-DD')
  const startMs = endMs - (days - 1) * DAY_MS
  if (startMs < Date.UTC(1970, 0, 2) || endMs > Date.UTC(2148, 11, 31)) throw new ERR_INVALID_OPTION('end', 'puts the window outside what a ClickHouse Date holds')
  const trackingOffset = Math.floor(days * fraction)
  return Object.freeze({
    tenants,
    days,
    seed,
    start: isoDay(startMs),
    end,
    trackingStartFraction: fraction,
    trackingStart: isoDay(startMs + trackingOffset * DAY_MS),
    replace: options.replace === true
  })
}

/** Rows per seeded table (the tables must exist). */
export async function countSeededRows (client: ClickHouseClient): Promise<Record<SeededTable, number>> {
  const res = await client.query({
    query: `SELECT ${SEEDED_TABLES.map((t) => `(SELECT count() FROM ${t}) AS ${t}`).join(', ')}`,
    format: 'JSONEachRow'
  })
  const [row] = await res.json<Record<SeededTable, string | number>>()
  const rows = {} as Record<SeededTable, number>
  for (const table of SEEDED_TABLES) rows[table] = Number(row?.[table] ?? 0)
  return rows
}

/**
 * Generates the demo data set into FrameWorks' database (the tables must exist: run the
 * ClickHouse migrations first), then brings the package's database up to date (a full
 * upkeep pass). Throws `FW_ATTR_CONFLICT` when a table already holds rows
 * and `replace` is not set, `FW_ATTR_INVALID_OPTION` for a bad option.
 */
export async function seedDemoData (ch: ClickHouseHandle, options: DemoDataOptions = {}): Promise<DemoDataSummary> {
  const started = performance.now()
  const client = ch.frameworksClient
  const opts = normalizeDemoDataOptions(options)
  const existing = await countSeededRows(client)
  if (opts.replace) {
    for (const table of SEEDED_TABLES) await client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` })
    for (const table of DERIVED_TABLES) await ch.client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` })
  } else {
    const busy = SEEDED_TABLES.filter((t) => existing[t] > 0)
    if (busy.length > 0) throw new ERR_CONFLICT(`demo data refused: ${busy.join(', ')} already hold rows (use replace to empty them first)`)
  }
  const params = {
    seed: opts.seed,
    tenants: opts.tenants,
    days: opts.days,
    start: opts.start,
    tracking_offset: Math.floor(opts.days * opts.trackingStartFraction)
  }
  await client.command({ query: DROP_TENANTS })
  try {
    await client.command({ query: CREATE_TENANTS, query_params: params })
    await client.command({ query: INSERT_ACQUISITION_EVENTS, query_params: params })
    // Two refreshes, as two appends: an early one for some keys, then the final one for all.
    // tenant_analytics_daily's rows of a version are drawn from the viewer rows of that version.
    for (const ver of [0, 1]) {
      for (const query of [INSERT_VIEWER_DAILY, INSERT_ANALYTICS_DAILY, INSERT_PROCESSING_DAILY, INSERT_API_USAGE_DAILY]) {
        await client.command({ query, query_params: { ...params, ver } })
      }
    }
    for (const query of INSERT_ZERO_ROWS) await client.command({ query, query_params: params })
  } finally {
    await client.command({ query: DROP_TENANTS })
  }
  // The reports read the package's database: bring it up to date now rather than at the next hour.
  const refreshStarted = performance.now()
  await runUsageUpkeep(ch, { full: true })
  const refreshMs = performance.now() - refreshStarted
  return { options: opts, rows: await countSeededRows(client), elapsedMs: performance.now() - started, refreshMs }
}

/** Row count and an order-independent checksum per seeded table (as decimal strings). */
export async function demoDataChecksums (client: ClickHouseClient): Promise<Record<SeededTable, { rows: string, checksum: string }>> {
  const res = await client.query({
    query: `SELECT table, toString(rows) AS rows, toString(checksum) AS checksum FROM (${CHECKSUMS})`,
    format: 'JSONEachRow'
  })
  const out = {} as Record<SeededTable, { rows: string, checksum: string }>
  for (const r of await res.json<{ table: SeededTable, rows: string, checksum: string }>()) out[r.table] = { rows: r.rows, checksum: r.checksum }
  return out
}
