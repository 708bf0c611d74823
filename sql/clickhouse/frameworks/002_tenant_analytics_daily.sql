-- FrameWorks' tenant_analytics_daily, in FrameWorks' shape (Livepeer-FrameWorks/monorepo,
-- pkg/database/sql/clickhouse/periscope.sql at 916aac44; the store's TTL is 730 days since
-- migrations/periscope/v0.3.0/contract/008_delivery_dashboard_rollups, 1825 before), created
-- only where absent. Where FrameWorks has them, both statements are no-ops.
--
-- Why the package needs it: FrameWorks' own figure for a tenant's egress (its operator
-- activity report, ListTenantActivity) is `egress_bytes / 2^30` from this view, and in
-- current releases egress_bytes counts restream delivery as well as playback.
-- tenant_viewer_daily.egress_gb counts playback only, so the reports read egress here.
--
-- * tenant_analytics_daily_store: one row per (day, tenant) and refresh; FrameWorks'
--   refreshable view tenant_analytics_daily_mv appends whole (day, tenant) buckets with a
--   newer refresh_version_ms, and ReplacingMergeTree keeps the latest at some later merge.
-- * tenant_analytics_daily: the view that collapses the store to the latest refresh of each
--   key. Read this, never the store.
--
-- The refreshable view and the ledgers it reads are FrameWorks' business and are not created
-- here. In a Replicated database the migration runner turns the MergeTree engine into its
-- Replicated twin (no arguments: the database's default replica path).
CREATE TABLE IF NOT EXISTS tenant_analytics_daily_store (
    day Date,
    tenant_id UUID,
    total_streams UInt64 DEFAULT 0,
    total_views UInt64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String),
    egress_bytes UInt64 DEFAULT 0,
    refresh_version_ms DateTime64(3)
) ENGINE = ReplacingMergeTree(refresh_version_ms)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day)
TTL day + INTERVAL 730 DAY;

CREATE VIEW IF NOT EXISTS tenant_analytics_daily AS
SELECT
    day, tenant_id,
    total_streams,
    total_views,
    unique_viewers_state,
    toUInt64(finalizeAggregation(unique_viewers_state)) AS unique_viewers,
    egress_bytes,
    latest_refresh_version_ms
FROM (
    SELECT
        day, tenant_id,
        argMax(total_streams, refresh_version_ms) AS total_streams,
        argMax(total_views, refresh_version_ms) AS total_views,
        argMax(unique_viewers_state, refresh_version_ms) AS unique_viewers_state,
        argMax(egress_bytes, refresh_version_ms) AS egress_bytes,
        max(refresh_version_ms) AS latest_refresh_version_ms
    FROM tenant_analytics_daily_store
    GROUP BY day, tenant_id
);
