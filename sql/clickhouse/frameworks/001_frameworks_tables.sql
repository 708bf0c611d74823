-- FrameWorks' own Periscope objects that the reports read, in FrameWorks' shape (its
-- pkg/database/sql/clickhouse/periscope.sql): created only where absent, so that the
-- embedded engine, a fresh server, the tests and the demo hold exactly what a FrameWorks
-- deployment holds. Where FrameWorks has them, every statement here is a no-op: this
-- package never adds a column, a projection, a setting or a trigger to them.
--
-- * tenant_acquisition_events: append-only (no dedup; replays happen), 730-day TTL.
-- * <rollup>_store: each hourly refresh appends whole buckets with a newer
--   refresh_version_ms; ReplacingMergeTree keeps the latest at some later merge.
-- * tenant_viewer_daily, processing_daily, api_usage_daily: views that collapse the store
--   to the latest refresh of each key. Read these, never a store: a store holds every
--   refresh not yet merged away.
--
-- FrameWorks fills the stores with refreshable materialized views over its 5-minute
-- ledgers; those ledgers are not the package's business and are not created here. In a
-- Replicated database the migration runner turns each MergeTree engine into its Replicated
-- twin (no arguments: the database's default replica path).
CREATE TABLE IF NOT EXISTS tenant_acquisition_events (
    timestamp DateTime,
    tenant_id UUID,
    user_id Nullable(UUID),
    signup_channel LowCardinality(String),
    signup_method LowCardinality(String),
    utm_source Nullable(String),
    utm_medium Nullable(String),
    utm_campaign Nullable(String),
    utm_content Nullable(String),
    utm_term Nullable(String),
    http_referer Nullable(String),
    landing_page Nullable(String),
    referral_code Nullable(String),
    is_agent UInt8,
    event_data String,
    source_region LowCardinality(String) DEFAULT '',
    stream_origin_region LowCardinality(String) DEFAULT '',
    stream_origin_cluster_id LowCardinality(String) DEFAULT '',
    schema_version UInt8 DEFAULT 0
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (signup_channel, timestamp, tenant_id)
TTL timestamp + INTERVAL 730 DAY;

CREATE TABLE IF NOT EXISTS tenant_viewer_daily_store (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    viewer_hours Float64 DEFAULT 0,
    egress_gb Float64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String),
    total_sessions UInt64 DEFAULT 0,
    refresh_version_ms DateTime64(3)
) ENGINE = ReplacingMergeTree(refresh_version_ms)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, cluster_id)
TTL day + INTERVAL 1825 DAY;

CREATE VIEW IF NOT EXISTS tenant_viewer_daily AS
SELECT
    day, tenant_id, cluster_id,
    viewer_hours,
    egress_gb,
    unique_viewers_state,
    toUInt64(finalizeAggregation(unique_viewers_state)) AS unique_viewers,
    total_sessions,
    latest_refresh_version_ms
FROM (
    SELECT
        day, tenant_id, cluster_id,
        argMax(viewer_hours, refresh_version_ms) AS viewer_hours,
        argMax(egress_gb, refresh_version_ms) AS egress_gb,
        argMax(unique_viewers_state, refresh_version_ms) AS unique_viewers_state,
        argMax(total_sessions, refresh_version_ms) AS total_sessions,
        max(refresh_version_ms) AS latest_refresh_version_ms
    FROM tenant_viewer_daily_store
    GROUP BY day, tenant_id, cluster_id
);

CREATE TABLE IF NOT EXISTS processing_daily_store (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    process_type LowCardinality(String),
    output_codec LowCardinality(String),
    track_type LowCardinality(String),
    media_seconds Float64 DEFAULT 0,
    segment_count UInt64 DEFAULT 0,
    refresh_version_ms DateTime64(3)
) ENGINE = ReplacingMergeTree(refresh_version_ms)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, cluster_id, process_type, output_codec, track_type)
TTL day + INTERVAL 1825 DAY;

CREATE VIEW IF NOT EXISTS processing_daily AS
SELECT
    day, tenant_id, cluster_id, process_type, output_codec, track_type,
    argMax(media_seconds, refresh_version_ms) AS media_seconds,
    argMax(segment_count, refresh_version_ms) AS segment_count,
    max(refresh_version_ms) AS latest_refresh_version_ms
FROM processing_daily_store
GROUP BY day, tenant_id, cluster_id, process_type, output_codec, track_type;

CREATE TABLE IF NOT EXISTS api_usage_daily_store (
    day Date,
    tenant_id UUID,
    auth_type LowCardinality(String),
    operation_type LowCardinality(String),
    operation_name LowCardinality(String) DEFAULT '',
    requests UInt64 DEFAULT 0,
    errors UInt64 DEFAULT 0,
    duration_ms UInt64 DEFAULT 0,
    complexity UInt64 DEFAULT 0,
    unique_users_state AggregateFunction(uniqCombined, UInt64),
    unique_tokens_state AggregateFunction(uniqCombined, UInt64),
    refresh_version_ms DateTime64(3)
) ENGINE = ReplacingMergeTree(refresh_version_ms)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, auth_type, operation_type, operation_name)
TTL day + INTERVAL 1825 DAY;

CREATE VIEW IF NOT EXISTS api_usage_daily AS
SELECT
    day, tenant_id, auth_type, operation_type, operation_name,
    argMax(requests, refresh_version_ms) AS requests,
    argMax(errors, refresh_version_ms) AS errors,
    argMax(duration_ms, refresh_version_ms) AS duration_ms,
    argMax(complexity, refresh_version_ms) AS complexity,
    argMax(unique_users_state, refresh_version_ms) AS unique_users_state,
    argMax(unique_tokens_state, refresh_version_ms) AS unique_tokens_state,
    max(refresh_version_ms) AS latest_refresh_version_ms
FROM api_usage_daily_store
GROUP BY day, tenant_id, auth_type, operation_type, operation_name;
