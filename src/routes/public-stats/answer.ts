/**
 * The answer of `GET /stats/network`, built field by field from the query's rows, so nothing
 * but network totals can leave: no tenant, cohort, campaign or referral figure.
 */
import { publicStatsRanges } from './public-stats.query.ts'

/** The rows {@link buildPublicStatsQuery} answers, as read. */
export interface PublicStatsRow {
  range_index: number
  viewer_hours: number
  egress_gb: number
  livepeer_seconds: number
  native_seconds: number
  active_tenants: number
  data_from: string | null
  first_usage_day: string | null
}

/** Hours from seconds, rounded like every figure (6 decimals). */
export const hoursOf = (seconds: number): number => Math.round(seconds / 3600 * 1e6) / 1e6

/** The figures of one range that the public may see: network totals only. */
function publicFigures (row: PublicStatsRow | undefined) {
  return {
    viewer_hours: Number(row?.viewer_hours ?? 0),
    egress_gb: Number(row?.egress_gb ?? 0),
    livepeer_hours: hoursOf(Number(row?.livepeer_seconds ?? 0)),
    native_hours: hoursOf(Number(row?.native_seconds ?? 0)),
    active_tenants: Number(row?.active_tenants ?? 0)
  }
}

/** The answer of `GET /stats/network`, built from the query's rows (field by field: nothing else leaks). */
export function publicStatsBody (rows: readonly PublicStatsRow[], today: string, generatedAt: Date) {
  const { recent, allTime } = publicStatsRanges(today)
  const byIndex = new Map(rows.map((r) => [Number(r.range_index), r]))
  const first = rows[0]
  const dataFrom = first?.data_from ?? null
  const firstUsage = first?.first_usage_day ?? null
  const starts = [dataFrom?.slice(0, 10), firstUsage].filter((d): d is string => typeof d === 'string')
  return {
    generated_at: generatedAt.toISOString(),
    data_from: dataFrom,
    last_30_days: { ...recent, ...publicFigures(byIndex.get(1)) },
    all_time: { from: starts.length === 0 ? null : starts.reduce((a, b) => (a < b ? a : b)), to: allTime.to, ...publicFigures(byIndex.get(2)) }
  }
}
