-- The package's own database starts empty, so its numbered files may be rewritten until a
-- release ships them.
--
-- Usage per day and tenant across FrameWorks' daily rollups, one row for each (day, tenant)
-- with any usage metric above zero, kept current by the package's hourly upkeep
-- (src/clickhouse/usage-upkeep.ts), which recomputes only the days FrameWorks rewrote.
--
-- Why: every report needs usage per (day, tenant), and reading it through FrameWorks' views
-- means collapsing every refresh version of every key of four stores on each request.
--
-- Rules the upkeep holds:
-- * Rollups are read only through the public views (the latest refresh of each key); a
--   store is never summed. The stores are read for one thing only: which days carry a
--   refresh version newer than the last run (the `refresh_version_ms` column).
-- * A (day, tenant) is kept when any metric is above zero: FrameWorks rewrites tombstoned
--   buckets as all-zero rows, and they must not count a tenant as active.
-- * `process_type` 'Livepeer' is Livepeer, 'AV' is native (MistProcAV), anything else
--   (FFmpeg, …) is other processing. Egress is `tenant_analytics_daily.egress_bytes / 2^30`
--   (GiB, FrameWorks' operator figure); viewer hours, sessions and unique viewers come from
--   `tenant_viewer_daily`.
-- * A month is swapped in whole (`REPLACE PARTITION … FROM attribution_usage_daily_staging`,
--   or `DROP PARTITION` when it has no row left): a query reads each month as one run left
--   it, never half a month.
--
-- `refreshed_at` says which upkeep run wrote a row. Projections answer the two aggregate
-- shapes the reports ask most: per day network-wide (network usage) and per month and tenant
-- (cohorts and referral codes by whole months); REPLACE PARTITION keeps them.

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

-- Where the upkeep builds a month before swapping it in: the same structure, partition key
-- and projections, as REPLACE PARTITION requires. Empty between runs.
CREATE TABLE IF NOT EXISTS attribution_usage_daily_staging AS attribution_usage_daily;

-- One row per upkeep run and per month a full build finished (so a full build cut short
-- resumes where it stopped). The last successful run's start is the next run's watermark.
CREATE TABLE IF NOT EXISTS attribution_usage_upkeep_log (
    run_id UUID,
    run_started_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    mode LowCardinality(String),
    select_version String,
    watermark Nullable(DateTime64(3, 'UTC')),
    partition UInt32 DEFAULT 0,
    days UInt32 DEFAULT 0,
    partitions UInt32 DEFAULT 0,
    rows_written UInt64 DEFAULT 0,
    duration_ms UInt64 DEFAULT 0,
    outcome LowCardinality(String),
    error String DEFAULT '',
    logged_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree()
ORDER BY (run_started_at, run_id)
TTL toDateTime(logged_at) + INTERVAL 400 DAY;
