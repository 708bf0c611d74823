-- Cluster variant of ../002_usage_rollups.sql. In FrameWorks these rollups exist already
-- (IF NOT EXISTS makes this a no-op there); here for a fresh cluster, a demo or tests.
-- Local replicated tables per shard, Distributed tables under the names the reports read.
CREATE TABLE IF NOT EXISTS tenant_viewer_daily_local ON CLUSTER '{cluster}' (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    viewer_hours Float64 DEFAULT 0,
    egress_gb Float64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String),
    total_sessions UInt64 DEFAULT 0
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, cluster_id);

CREATE TABLE IF NOT EXISTS tenant_viewer_daily ON CLUSTER '{cluster}'
AS tenant_viewer_daily_local
ENGINE = Distributed('{cluster}', currentDatabase(), 'tenant_viewer_daily_local', cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS processing_daily_local ON CLUSTER '{cluster}' (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    process_type LowCardinality(String),
    output_codec LowCardinality(String),
    track_type LowCardinality(String),
    media_seconds Float64 DEFAULT 0,
    segment_count UInt64 DEFAULT 0
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, cluster_id, process_type, output_codec, track_type);

CREATE TABLE IF NOT EXISTS processing_daily ON CLUSTER '{cluster}'
AS processing_daily_local
ENGINE = Distributed('{cluster}', currentDatabase(), 'processing_daily_local', cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS api_usage_daily_local ON CLUSTER '{cluster}' (
    day Date,
    tenant_id UUID,
    auth_type LowCardinality(String),
    operation_type LowCardinality(String),
    operation_name LowCardinality(String),
    requests UInt64 DEFAULT 0,
    errors UInt64 DEFAULT 0,
    duration_ms UInt64 DEFAULT 0
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, auth_type, operation_type, operation_name);

CREATE TABLE IF NOT EXISTS api_usage_daily ON CLUSTER '{cluster}'
AS api_usage_daily_local
ENGINE = Distributed('{cluster}', currentDatabase(), 'api_usage_daily_local', cityHash64(tenant_id));
