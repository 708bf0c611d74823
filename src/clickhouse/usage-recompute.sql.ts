/**
 * The usage recompute the upkeep runs for the days it rebuilds: usage per (day, tenant) from
 * FrameWorks' four public views, never a store, never summed refresh versions.
 *
 * Where each metric comes from (docs/reports.md): viewer hours, sessions and unique viewers
 * from `tenant_viewer_daily`; egress from `tenant_analytics_daily.egress_bytes / 2^30` (GiB,
 * FrameWorks' operator figure: playback and restream); processing seconds from
 * `processing_daily` by `process_type` (`Livepeer`, `AV` native, anything else other); API
 * requests and errors from `api_usage_daily`. A (day, tenant) with every metric at zero is
 * left out: FrameWorks writes all-zero rows for tombstoned buckets, and they must not count
 * a tenant as active.
 */
import { createHash } from 'node:crypto'

/**
 * The recompute: usage per (day, tenant) from FrameWorks' public views, `fw` qualified,
 * restricted by `where` (on `day`), rows with every metric at zero left out.
 */
export function usageRecomputeSql (fw: string, where: string): string {
  const noViewers = "arrayReduce('uniqCombinedState', CAST([], 'Array(String)'))"
  return `SELECT
    day,
    tenant_id,
    sum(vh) AS viewer_hours,
    sum(eg) AS egress_gb,
    sum(ts) AS total_sessions,
    uniqCombinedMergeState(uv) AS unique_viewers_state,
    sum(lp) AS livepeer_seconds,
    sum(nat) AS native_seconds,
    sum(oth) AS other_processing_seconds,
    sum(req) AS api_requests,
    sum(err) AS api_errors,
    {refreshed_at:DateTime64(3, 'UTC')} AS refreshed_at
FROM (
    SELECT day, tenant_id, viewer_hours AS vh, toFloat64(0) AS eg, total_sessions AS ts, unique_viewers_state AS uv,
        toFloat64(0) AS lp, toFloat64(0) AS nat, toFloat64(0) AS oth, toUInt64(0) AS req, toUInt64(0) AS err
    FROM ${fw}.tenant_viewer_daily WHERE ${where}
    UNION ALL
    SELECT day, tenant_id, 0, 0, 0, ${noViewers},
        if(process_type = 'Livepeer', media_seconds, 0),
        if(process_type = 'AV', media_seconds, 0),
        if(process_type NOT IN ('Livepeer', 'AV'), media_seconds, 0),
        0, 0
    FROM ${fw}.processing_daily WHERE ${where}
    UNION ALL
    SELECT day, tenant_id, 0, 0, 0, ${noViewers}, 0, 0, 0, requests, errors
    FROM ${fw}.api_usage_daily WHERE ${where}
    UNION ALL
    SELECT day, tenant_id, 0, egress_bytes / 1073741824, 0, ${noViewers}, 0, 0, 0, 0, 0
    FROM ${fw}.tenant_analytics_daily WHERE ${where}
)
GROUP BY day, tenant_id
HAVING viewer_hours > 0 OR egress_gb > 0 OR total_sessions > 0 OR finalizeAggregation(unique_viewers_state) > 0
    OR livepeer_seconds > 0 OR native_seconds > 0 OR other_processing_seconds > 0 OR api_requests > 0 OR api_errors > 0
SETTINGS optimize_aggregation_in_order = 1`
}

/** A fingerprint of the recompute: when a release changes it, the next run rebuilds everything. */
export const USAGE_SELECT_VERSION = createHash('sha256').update(usageRecomputeSql('fw', 'w')).digest('hex').slice(0, 16)
