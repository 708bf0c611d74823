/**
 * Network usage per period: the figure every other report must add up to.
 *
 * One table answers it: `attribution_usage_daily`, one row per day and tenant with usage,
 * rebuilt hourly from FrameWorks' rollup views (sql/clickhouse/003). The sums and the
 * network-wide unique viewers (the merge of the `uniqCombined` states, never a sum of
 * per-tenant counts) are grouped by a function of `day` with the aggregate functions of the
 * table's `network_day` projection, so ClickHouse reads a few hundred pre-merged day rows.
 * Active tenants are the distinct tenants of the period: by day the row count (one row per
 * tenant and day, answered by the projection too), by week or month the distinct tenant
 * keys of its days. Both read the same table in one query, so they come from one refresh. A
 * generated list of periods is the left side, so every period from `from` to `to` appears,
 * zero-filled.
 */
import {
  USAGE_METRICS, USAGE_TABLE, assertRange, isFloatMetric, periodOf, rounded, tenantKey,
  type BuiltQuery, type Granularity, type RangeInput, type UsageMetric
} from './common.query.ts'

export interface NetworkUsageInput extends RangeInput {
  granularity: Granularity
}

export const NETWORK_USAGE_COLUMNS = [
  'period_start', 'viewer_hours', 'egress_gb', 'total_sessions', 'unique_viewers',
  'livepeer_seconds', 'native_seconds', 'other_processing_seconds', 'api_requests',
  'api_errors', 'active_tenants'
] as const

/** Builds the network-usage query (one row per period, ordered). */
export function buildNetworkUsageQuery (input: NetworkUsageInput): BuiltQuery {
  assertRange(input)
  const p = periodOf(input.granularity, 'day')
  const range = 'day >= {from:Date} AND day < {to:Date}'
  const query = `
WITH
  periods AS (
    SELECT DISTINCT ${periodOf(input.granularity, 'addDays({from:Date}, number)')} AS period_start
    FROM numbers(toUInt64(dateDiff('day', {from:Date}, {to:Date})))
  ),
  u AS (
    SELECT ${p} AS period_start,
      sum(viewer_hours) AS vh, sum(egress_gb) AS eg, sum(total_sessions) AS ts, uniqCombinedMerge(unique_viewers_state) AS uv,
      sum(livepeer_seconds) AS lp, sum(native_seconds) AS nat, sum(other_processing_seconds) AS oth,
      sum(api_requests) AS req, sum(api_errors) AS err, count() AS day_rows
    FROM ${USAGE_TABLE} WHERE ${range} GROUP BY period_start
  )${input.granularity === 'day'
    ? ''
    : `,
  t AS (
    SELECT ${p} AS period_start, uniqExact(${tenantKey()}) AS active FROM ${USAGE_TABLE} WHERE ${range} GROUP BY period_start
  )`}
SELECT
  periods.period_start AS period_start,
  ${rounded('u.vh')} AS viewer_hours,
  ${rounded('u.eg')} AS egress_gb,
  u.ts AS total_sessions,
  u.uv AS unique_viewers,
  ${rounded('u.lp')} AS livepeer_seconds,
  ${rounded('u.nat')} AS native_seconds,
  ${rounded('u.oth')} AS other_processing_seconds,
  u.req AS api_requests,
  u.err AS api_errors,
  ${input.granularity === 'day' ? 'u.day_rows' : 't.active'} AS active_tenants
FROM periods
LEFT JOIN u ON u.period_start = periods.period_start${input.granularity === 'day' ? '' : `
LEFT JOIN t ON t.period_start = periods.period_start`}
ORDER BY period_start`
  return { query, params: { from: input.from, to: input.to }, columns: [...NETWORK_USAGE_COLUMNS] }
}

export const NETWORK_TOTALS_COLUMNS = [
  'viewer_hours', 'egress_gb', 'total_sessions', 'unique_viewers', 'livepeer_seconds', 'native_seconds',
  'other_processing_seconds', 'api_requests', 'api_errors', 'active_tenants'
] as const


/**
 * Network totals over whole ranges: one row per range, in the order given (`range_index`
 * 1, 2, …), with the sums of
 * network usage over the range, its network-wide unique viewers and its active tenants,
 * **distinct over the range** (a tenant active in three periods counts once, on the same
 * `tenantKey` as every report), rounded like the rows. The report's `totals` and the public
 * network stats both come from here, so they agree to the last digit.
 *
 * Several ranges are read in one pass over the usage table: each aggregate is `-If`'d on
 * its range and gathered into an array, then unrolled one row per range.
 */
export function buildNetworkTotalsQuery (ranges: ReadonlyArray<{ from: string, to: string }>): BuiltQuery {
  if (ranges.length === 0) throw new TypeError('at least one range')
  const params: Record<string, unknown> = {}
  const conditions = ranges.map((range, i) => {
    assertRange(range)
    params[`from_${i}`] = range.from
    params[`to_${i}`] = range.to
    return `day >= {from_${i}:Date} AND day < {to_${i}:Date}`
  })
  params.lo = ranges.map((r) => r.from).reduce((a, b) => (a < b ? a : b))
  params.hi = ranges.map((r) => r.to).reduce((a, b) => (a > b ? a : b))
  const each = (aggregate: (condition: string) => string): string => `[${conditions.map(aggregate).join(', ')}]`
  const query = `
WITH s AS (
  SELECT
    ${USAGE_METRICS.map((m) => `${each((c) => `sumIf(${m}, ${c})`)} AS per_range_${m}`).join(',\n    ')},
    ${each((c) => `uniqCombinedMergeIf(unique_viewers_state, ${c})`)} AS per_range_unique_viewers,
    ${each((c) => `uniqExactIf(${tenantKey()}, ${c})`)} AS per_range_active_tenants
  FROM ${USAGE_TABLE} WHERE day >= {lo:Date} AND day < {hi:Date}
)
SELECT
  i AS range_index,
  ${NETWORK_TOTALS_COLUMNS.map((m) => {
    const value = `per_range_${m}[i]`
    return `${(USAGE_METRICS as readonly string[]).includes(m) && isFloatMetric(m as UsageMetric) ? rounded(value) : value} AS ${m}`
  }).join(',\n  ')}
FROM s ARRAY JOIN arrayEnumerate(per_range_viewer_hours) AS i
ORDER BY i`
  return { query, params, columns: ['range_index', ...NETWORK_TOTALS_COLUMNS] }
}
