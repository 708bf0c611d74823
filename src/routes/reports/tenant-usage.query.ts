/**
 * The raw export: one row per tenant and usage period, with the tenant's attribution
 * dimensions and every usage metric. This is the report that reaches millions of rows.
 *
 * JSON pages through it with a keyset cursor on (period_start, tenant_id), the order of the
 * usage table's own sort key; CSV takes the whole range as consecutive ClickHouse streams, one per
 * window of periods (`buildTenantUsageCsvQueries`): one query over two years of daily
 * tenant rows held every group and its unique-viewer state at once (3.3 GB RSS for 3.65 M
 * rows on chDB). Tenants without
 * an acquisition event are included (`attributed` false, dimensions `unattributed`) unless
 * a filter is given.
 */
import {
  DIMENSIONS, UNATTRIBUTED, USAGE_METRICS, acquisitionSubquery, assertRange, dimColumn,
  hasFilters, nextPeriod, periodOf, periodStart, stringCell, valueOutput, usageRowsSubquery,
  type BuiltQuery, type DimensionFilters, type Granularity, type RangeInput
} from './common.query.ts'

export const DEFAULT_TENANT_USAGE_LIMIT = 1000
export const MAX_TENANT_USAGE_LIMIT = 10_000

export interface TenantUsageCursor {
  period_start: string
  tenant_id: string
}

export interface TenantUsageInput extends RangeInput {
  granularity: Granularity
  filters?: DimensionFilters
  /** JSON page size; ignored for CSV (whole range). */
  limit?: number
  /** Keyset position: rows strictly after it. */
  after?: TenantUsageCursor
  /**
   * Days actually scanned, inside `from`..`to`: JSON pages and CSV exports read the range
   * window by window so no query aggregates more of it than it needs. Default: all of it.
   */
  window?: { from: string, to: string }
}

export const TENANT_USAGE_COLUMNS = [
  'period_start', 'tenant_id', 'attributed', 'signup_date', ...DIMENSIONS,
  'viewer_hours', 'egress_gb', 'total_sessions', 'unique_viewers', 'livepeer_seconds',
  'native_seconds', 'other_processing_seconds', 'api_requests', 'api_errors'
] as const

/**
 * Periods per CSV window: a window's join and sort hold (tenants × periods) rows, and by
 * week or month its aggregation as many groups with their unique-viewer states. Each query
 * also has a fixed cost (analysing the acquisition view's channel rules), so wider windows
 * are faster at small scale, but on chDB at 100k tenants 7-day windows took the engine past
 * 6 GB: one period per window.
 */
export const CSV_WINDOW_PERIODS: Readonly<Record<Granularity, number>> = Object.freeze({ day: 1, week: 1, month: 1 })

/**
 * `periods` whole periods from `start` (a period start), clipped to the range; `end` is where
 * the next window starts. JSON pages and CSV exports both walk the range this way.
 */
export function periodWindow (range: RangeInput, start: string, periods: number, granularity: Granularity): { window: { from: string, to: string }, end: string } {
  let end = start
  for (let i = 0; i < periods; i++) end = nextPeriod(end, granularity)
  return { window: { from: start < range.from ? range.from : start, to: end > range.to ? range.to : end }, end }
}

/**
 * The CSV export as consecutive windows of whole periods (in order, so their rows
 * concatenate into the same order as one query). Each window's aggregation, join and sort
 * hold at most `CSV_WINDOW_PERIODS` periods of tenants, so the engine's memory does not
 * grow with the range either.
 */
export function buildTenantUsageCsvQueries (input: Omit<TenantUsageInput, 'format' | 'limit' | 'after' | 'window'>): BuiltQuery[] {
  assertRange(input)
  const queries: BuiltQuery[] = []
  let start = periodStart(input.from, input.granularity)
  while (start < input.to) {
    const { window, end } = periodWindow(input, start, CSV_WINDOW_PERIODS[input.granularity], input.granularity)
    queries.push(buildTenantUsageQuery({ ...input, format: 'csv', window }))
    start = end
  }
  return queries
}

/**
 * Builds the tenant-usage query. For JSON it fetches `limit + 1` rows so the caller can tell
 * whether another page follows.
 */
export function buildTenantUsageQuery (input: TenantUsageInput): BuiltQuery {
  assertRange(input)
  const params: Record<string, unknown> = { from: input.from, to: input.to }
  const filters = input.filters ?? {}
  const acq = acquisitionSubquery(DIMENSIONS, filters, params)
  const join = hasFilters(filters) ? 'INNER JOIN' : 'LEFT JOIN'
  const csv = input.format === 'csv'
  const rowWhere: string[] = []
  if (!csv && input.after !== undefined) {
    params.after_period = input.after.period_start
    params.after_tenant = input.after.tenant_id
    rowWhere.push(`(${periodOf(input.granularity, 'day')}, tenant_id) > ({after_period:Date}, {after_tenant:UUID})`)
  }
  const windowed = input.window !== undefined
  if (input.window !== undefined) {
    if (input.window.from < input.from || input.window.to > input.to || input.window.from >= input.window.to) throw new TypeError('window must lie inside the range')
    params.scan_from = input.window.from
    params.scan_to = input.window.to
  }
  let limit = ''
  if (!csv) {
    const n = input.limit ?? DEFAULT_TENANT_USAGE_LIMIT
    if (!Number.isInteger(n) || n < 0) throw new TypeError('limit must be a non-negative integer')
    params.row_limit = n + 1
    limit = '\nLIMIT {row_limit:UInt32}'
  }
  const byName = new Map<string, string>(USAGE_METRICS.map((m) => [m, valueOutput(m, `u.${m}`)]))
  byName.set('unique_viewers', 'u.unique_viewers AS unique_viewers')
  const query = `
SELECT
  u.period_start AS period_start,
  u.tenant_id AS tenant_id,
  toBool(a.attributed) AS attributed,
  if(a.attributed = 1, toString(a.signup_day), '') AS signup_date,
  ${DIMENSIONS.map((d) => `${stringCell(`if(a.attributed = 1, a.${dimColumn(d)}, '${UNATTRIBUTED}')`, input.format)} AS ${d}`).join(',\n  ')},
  ${TENANT_USAGE_COLUMNS.slice(4 + DIMENSIONS.length).map((c) => byName.get(c)).join(',\n  ')}
FROM (
  SELECT period_start, tenant_id, ${USAGE_METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')}, sum(unique_viewers) AS unique_viewers
  FROM (${usageRowsSubquery({
    granularity: input.granularity,
    uniqueViewers: true,
    where: rowWhere,
    ...(windowed ? { fromParam: 'scan_from', toParam: 'scan_to' } : {})
  })})
  GROUP BY period_start, tenant_id
) AS u
${join} (SELECT * FROM acq) AS a ON a.tenant_id = u.tenant_id
ORDER BY period_start, tenant_id${limit}`
  return { query: `WITH acq AS (${acq})${query}`, params, columns: [...TENANT_USAGE_COLUMNS] }
}
