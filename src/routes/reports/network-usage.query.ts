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
  USAGE_TABLE, assertRange, periodOf, rounded, tenantKey, type BuiltQuery, type Granularity, type RangeInput
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
