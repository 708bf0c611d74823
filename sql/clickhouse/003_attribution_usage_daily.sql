-- Usage per day and tenant across FrameWorks' three rollups and tenant_analytics_daily, one
-- row for each (day, tenant) with any usage metric above zero, rebuilt by ClickHouse from the
-- public views every hour.
--
-- Why: every report needs usage per (day, tenant), and reading it through the views means
-- collapsing every refresh version of every (day, tenant, cluster, …) key of three stores
-- on each request. FrameWorks' stores are rewritten by refreshable views, not inserts, so
-- no insert trigger can follow them; a refreshable view of our own can.
--
-- Rules it holds:
-- * Rollups are read only through the public views (the latest refresh of each key); a
--   store is never summed and refresh versions are never added up.
-- * A (day, tenant) is kept when any metric is above zero: FrameWorks writes all-zero rows
--   (tombstoned buckets), and they must not count a tenant as active.
-- * `process_type` 'Livepeer' is Livepeer, 'AV' is native (MistProcAV), anything else
--   (FFmpeg, …) is other processing.
-- * Egress is FrameWorks' operator figure, tenant_analytics_daily.egress_bytes / 2^30 (GiB;
--   playback and restream delivery), not tenant_viewer_daily.egress_gb (playback only).
-- * The refresh is not APPEND: ClickHouse builds the new contents beside the old and swaps
--   them atomically, so one query reads one refresh, never half of two.
--
-- Staleness: the refresh runs at 20 minutes past every hour, after FrameWorks' own hourly
-- refreshes of the stores, so a figure reaches the reports at most one hour (plus the
-- refresh's own run time) after it reaches FrameWorks' views. `refreshed_at` says which
-- refresh a row belongs to. In a Replicated database one replica runs each refresh
-- (coordinated through Keeper) and the runner makes the table Replicated.
--
-- Each view collapses its store in the store's own key order (`optimize_aggregation_in_order`),
-- streaming instead of holding every key: measured on chDB, a fifth less time and memory.
--
-- Projections answer the two aggregate shapes the reports ask most: per day network-wide
-- (network usage) and per month and tenant (cohorts and referral codes by whole months).
CREATE TABLE IF NOT EXISTS attribution_usage_daily (
    day Date,
    tenant_id UUID,
    viewer_hours Float64,
    egress_gb Float64,
    total_sessions UInt64,
    unique_viewers_state AggregateFunction(uniqCombined, String),
    livepeer_seconds Float64,
    native_seconds Float64,
    other_processing_seconds Float64,
    api_requests UInt64,
    api_errors UInt64,
    refreshed_at DateTime64(3, 'UTC'),
    PROJECTION network_day (
        SELECT day, sum(viewer_hours), sum(egress_gb), sum(total_sessions), uniqCombinedMerge(unique_viewers_state),
            sum(livepeer_seconds), sum(native_seconds), sum(other_processing_seconds), sum(api_requests), sum(api_errors),
            count(), max(refreshed_at)
        GROUP BY day
    ),
    PROJECTION tenant_month (
        SELECT toStartOfMonth(day), tenant_id, sum(viewer_hours), sum(egress_gb), sum(total_sessions),
            sum(livepeer_seconds), sum(native_seconds), sum(other_processing_seconds), sum(api_requests), sum(api_errors)
        GROUP BY toStartOfMonth(day), tenant_id
    )
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS attribution_usage_daily_mv
REFRESH EVERY 1 HOUR OFFSET 20 MINUTE
TO attribution_usage_daily AS
SELECT
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
    now64(3, 'UTC') AS refreshed_at
FROM (
    SELECT day, tenant_id, viewer_hours AS vh, toFloat64(0) AS eg, total_sessions AS ts, unique_viewers_state AS uv,
        toFloat64(0) AS lp, toFloat64(0) AS nat, toFloat64(0) AS oth, toUInt64(0) AS req, toUInt64(0) AS err
    FROM tenant_viewer_daily
    UNION ALL
    SELECT day, tenant_id, 0, 0, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')),
        if(process_type = 'Livepeer', media_seconds, 0),
        if(process_type = 'AV', media_seconds, 0),
        if(process_type NOT IN ('Livepeer', 'AV'), media_seconds, 0),
        0, 0
    FROM processing_daily
    UNION ALL
    SELECT day, tenant_id, 0, 0, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')),
        0, 0, 0, requests, errors
    FROM api_usage_daily
    UNION ALL
    SELECT day, tenant_id, 0, egress_bytes / 1073741824, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')),
        0, 0, 0, 0, 0
    FROM tenant_analytics_daily
)
GROUP BY day, tenant_id
HAVING viewer_hours > 0 OR egress_gb > 0 OR total_sessions > 0 OR finalizeAggregation(unique_viewers_state) > 0
    OR livepeer_seconds > 0 OR native_seconds > 0 OR other_processing_seconds > 0 OR api_requests > 0 OR api_errors > 0
SETTINGS optimize_aggregation_in_order = 1;
