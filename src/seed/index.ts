/**
 * Demo data: the deterministic generator and the gateway's first-start seeding.
 *
 * `seedDemoIfEmpty` exists so that `npm start` followed by a curl shows real numbers: on a
 * fresh embedded engine (no acquisition events, no rollup rows) it seeds a small data set
 * once; any row in any of the five tables means "not fresh" and nothing is written. On a
 * ClickHouse server it does nothing unless asked (`mode: 'always'`), so a production
 * gateway never invents data. No Fastify here: the gateway calls it while building.
 */
import type { ClickHouseHandle } from '../clickhouse/client.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import { countSeededRows, seedDemoData, type DemoDataOptions, type DemoDataSummary } from './demo-data.ts'

export * from './demo-data.ts'

/** `auto`: only on the embedded engine; `always`: on a server too; `never`: off. */
export type SeedDemoMode = 'auto' | 'always' | 'never'

export const DEFAULT_SEED_DEMO_MODE: SeedDemoMode = 'auto'

/** Options of `seedDemoIfEmpty`: when to seed, and the demo data set's size. */
export interface SeedDemoIfEmptyOptions extends Omit<DemoDataOptions, 'replace'> {
  /** When to seed (default `auto`: an empty embedded chDB only). */
  mode?: SeedDemoMode
}

/** What `seedDemoIfEmpty` did, and why. */
export interface SeedDemoIfEmptyResult {
  seeded: boolean
  /** Why: `seeded`, `disabled` (mode never), `server` (mode auto on a server), `not_empty`. */
  reason: 'seeded' | 'disabled' | 'server' | 'not_empty'
  summary?: DemoDataSummary
}

/**
 * Reads the `SEED_DEMO` setting: unset or empty → `auto`; `0`, `false`, `no`, `off`,
 * `never` → `never`; `1`, `true`, `yes`, `on`, `always` → `always`.
 */
export function parseSeedDemoMode (value: string | undefined): SeedDemoMode {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '' || v === 'auto') return 'auto'
  if (['0', 'false', 'no', 'off', 'never'].includes(v)) return 'never'
  if (['1', 'true', 'yes', 'on', 'always'].includes(v)) return 'always'
  throw new ERR_INVALID_OPTION('SEED_DEMO', 'must be auto, 0 (never) or 1 (always)')
}

/**
 * Seeds the demo data set (default 300 tenants × 120 days ending today UTC) when the five
 * tables are empty. The ClickHouse migrations must have run.
 */
export async function seedDemoIfEmpty (
  clickhouse: ClickHouseHandle,
  options: SeedDemoIfEmptyOptions = {}
): Promise<SeedDemoIfEmptyResult> {
  const { mode = DEFAULT_SEED_DEMO_MODE, ...dataOptions } = options
  if (mode === 'never') return { seeded: false, reason: 'disabled' }
  if (mode === 'auto' && clickhouse.engine !== 'chdb') return { seeded: false, reason: 'server' }
  const rows = await countSeededRows(clickhouse.frameworksClient)
  if (Object.values(rows).some((n) => n > 0)) return { seeded: false, reason: 'not_empty' }
  const summary = await seedDemoData(clickhouse, dataOptions)
  return { seeded: true, reason: 'seeded', summary }
}
