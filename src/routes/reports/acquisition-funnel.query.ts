/**
 * Acquisition funnel: tenants who signed up in the range, per group, through four stages.
 *
 * - `signups`: acquisition events (deduplicated, one per tenant) with a timestamp in range.
 * - `activated`: usage (any metric above zero) within `activation_days` of the signup day.
 * - `streaming`: viewer hours > 0 within that same window.
 * - `retained`: any usage row in the calendar month after the signup month.
 * Windows that have not closed yet count what has happened so far.
 *
 * Usage is read from `attribution_usage_daily` (sql/clickhouse/003: one row per day a
 * tenant had usage above zero, with its viewer hours), not from FrameWorks' rollup views.
 * Only days that some window can reach are read (`from` up to the later of
 * `to + activation_days` and the end of the month after `to`'s month); the per-tenant
 * signup side (small) is the right side of the join, on the 64-bit `tenantKey`. Every
 * stage is a `max` per tenant. Groups beyond `limit` (ranked by signups) fold into one
 * `(other)` row, summed after the per-group counts, so the totals of every stage stay whole.
 */
import {
  OTHER_VALUE, USAGE_TABLE, acquisitionSubquery, addDays, assertDimension, assertRange, dimColumn,
  stringCell, tenantKey, type BuiltQuery, type Dimension, type DimensionFilters, type RangeInput
} from './common.query.ts'

export const DEFAULT_ACTIVATION_DAYS = 30
export const DEFAULT_FUNNEL_LIMIT = 50

export interface AcquisitionFunnelInput extends RangeInput {
  groupBy: readonly Dimension[]
  filters?: DimensionFilters
  /** Days after signup that count towards `activated` and `streaming` (default 30). */
  activationDays?: number
  /** Groups kept before the rest folds into `(other)` (default 50). */
  limit?: number
}

export const FUNNEL_METRIC_COLUMNS = [
  'signups', 'activated', 'streaming', 'retained', 'activation_rate', 'streaming_rate', 'retention_rate'
] as const

/** First day after the last day any window of a signup before `to` can reach. */
export function funnelUsageEnd (to: string, activationDays: number): string {
  const byWindow = addDays(to, activationDays)
  const last = new Date(`${addDays(to, -1)}T00:00:00Z`)
  const monthAfterNext = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 2, 1)).toISOString().slice(0, 10)
  return byWindow > monthAfterNext ? byWindow : monthAfterNext
}

/** Builds the funnel query: one row per group (plus `(other)`), ordered by signups. */
export function buildAcquisitionFunnelQuery (input: AcquisitionFunnelInput): BuiltQuery {
  assertRange(input)
  const groupBy = [...new Set(input.groupBy)]
  groupBy.forEach(assertDimension)
  const activationDays = input.activationDays ?? DEFAULT_ACTIVATION_DAYS
  const limit = input.limit ?? DEFAULT_FUNNEL_LIMIT
  if (!Number.isInteger(activationDays) || activationDays < 1) throw new TypeError('activationDays must be a positive integer')
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer')
  const params: Record<string, unknown> = {
    from: input.from,
    to: input.to,
    usage_to: funnelUsageEnd(input.to, activationDays),
    activation_days: activationDays,
    group_limit: limit
  }
  const signups = acquisitionSubquery(groupBy, input.filters ?? {}, params, [
    'timestamp >= toDateTime({from:Date}, \'UTC\')',
    'timestamp < toDateTime({to:Date}, \'UTC\')'
  ], [`${tenantKey()} AS k`])
  const range = 'day >= {from:Date} AND day < {usage_to:Date}'
  const dims = groupBy.map(dimColumn)
  const folded = groupBy.map((d) => `if(rank <= {group_limit:UInt32}, ${dimColumn(d)}, '${OTHER_VALUE}') AS o_${d}`)
  const rate = (num: string): string => `if(signups = 0, 0, round(${num} / signups, 4))`
  const query = `
WITH
  s AS (${signups}),
  per_tenant AS (
    SELECT u.k AS k,
      max(u.day >= sd.signup_day AND u.day < addDays(sd.signup_day, {activation_days:UInt32})) AS activated,
      max(u.day >= sd.signup_day AND u.day < addDays(sd.signup_day, {activation_days:UInt32}) AND u.streamed > 0) AS streaming,
      max(u.day >= addMonths(toStartOfMonth(sd.signup_day), 1) AND u.day < addMonths(toStartOfMonth(sd.signup_day), 2)) AS retained
    FROM (SELECT ${tenantKey()} AS k, day, viewer_hours > 0 AS streamed FROM ${USAGE_TABLE} WHERE ${range}) AS u
    INNER JOIN (SELECT k, signup_day FROM s) AS sd ON u.k = sd.k
    GROUP BY u.k
  ),
  groups AS (
    SELECT ${dims.length > 0 ? `${dims.join(', ')}, ` : ''}count() AS g_signups,
      sum(per_tenant.activated) AS g_activated, sum(per_tenant.streaming) AS g_streaming, sum(per_tenant.retained) AS g_retained
    FROM s LEFT JOIN per_tenant ON per_tenant.k = s.k
${dims.length > 0 ? `    GROUP BY ${dims.join(', ')}
` : ''}  ),
  ranked AS (
    SELECT *, row_number() OVER (ORDER BY g_signups DESC${dims.length > 0 ? `, ${dims.join(', ')}` : ''}) AS rank FROM groups
  )
SELECT
  ${groupBy.map((d) => `${stringCell(`o_${d}`, input.format)} AS ${d}`).concat([
    'signups', 'activated', 'streaming', 'retained',
    `${rate('activated')} AS activation_rate`,
    `${rate('streaming')} AS streaming_rate`,
    `${rate('retained')} AS retention_rate`
  ]).join(',\n  ')}
FROM (
  SELECT ${folded.length > 0 ? `${folded.join(', ')}, ` : ''}max(rank > {group_limit:UInt32}) AS is_other,
    sum(g_signups) AS signups, sum(g_activated) AS activated, sum(g_streaming) AS streaming, sum(g_retained) AS retained
  FROM ranked${groupBy.length > 0 ? `
  GROUP BY ${groupBy.map((d) => `o_${d}`).join(', ')}` : ''}
)
ORDER BY is_other, signups DESC${groupBy.length > 0 ? `, ${groupBy.map((d) => `o_${d}`).join(', ')}` : ''}`
  return { query, params, columns: [...groupBy, ...FUNNEL_METRIC_COLUMNS] }
}
