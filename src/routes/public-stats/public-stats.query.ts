/**
 * The public network stats: network totals for the last 30 days and for all time, with the
 * time of the first acquisition event and the first day of usage, in one query (so a cache
 * period costs the engine exactly one).
 *
 * The figures are {@link buildNetworkTotalsQuery}'s, the same builder as the network-usage
 * report's `totals`, so the stats equal that report's totals for the same range to the last
 * digit. Nothing here is per tenant, cohort, campaign or referral code: only network sums and
 * a count of distinct active tenants leave this query.
 */
import { DATA_FROM_SQL, USAGE_TABLE, addDays, type BuiltQuery } from '../reports/common.query.ts'
import { buildNetworkTotalsQuery } from '../reports/network-usage.query.ts'

/** Days of the recent window (the reports' default range, today included). */
export const RECENT_DAYS = 30
/**
 * Lower bound of "all time": the first day a ClickHouse `Date` can hold, so every stored day
 * counts. The answer names the first day that actually has data.
 */
export const ALL_TIME_FROM = '1970-01-01'

/** The two ranges of the stats for a given UTC day: `to` is the day after `today`. */
export function publicStatsRanges (today: string): { recent: { from: string, to: string }, allTime: { from: string, to: string } } {
  const to = addDays(today, 1)
  return { recent: { from: addDays(to, -RECENT_DAYS), to }, allTime: { from: ALL_TIME_FROM, to } }
}

/**
 * One row per range (recent first, then all time) with the network totals, `data_from`
 * (nullable) and `first_usage_day` (nullable, `YYYY-MM-DD`).
 */
export function buildPublicStatsQuery (today: string): BuiltQuery {
  const { recent, allTime } = publicStatsRanges(today)
  const totals = buildNetworkTotalsQuery([recent, allTime])
  const query = `
SELECT *,
  ${DATA_FROM_SQL} AS data_from,
  (SELECT if(count() = 0, NULL, toString(min(day))) FROM ${USAGE_TABLE}) AS first_usage_day
FROM (${totals.query})
ORDER BY range_index`
  return { query, params: totals.params, columns: [...totals.columns, 'data_from', 'first_usage_day'] }
}
