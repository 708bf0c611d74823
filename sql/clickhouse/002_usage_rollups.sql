-- The daily rollups the reports read. In FrameWorks they already exist (filled by Periscope);
-- IF NOT EXISTS makes this a no-op there. Here they serve the embedded engine, tests and the
-- demo. Names and column types follow FrameWorks; SummingMergeTree so that re-delivered
-- partial days add up the way Periscope's own rollups do, and reports always aggregate
-- with sum()/uniqCombinedMerge() rather than trusting one row per key.
CREATE TABLE IF NOT EXISTS tenant_viewer_daily (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    viewer_hours Float64 DEFAULT 0,
    egress_gb Float64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String),
    total_sessions UInt64 DEFAULT 0
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, cluster_id);

CREATE TABLE IF NOT EXISTS processing_daily (
    day Date,
    tenant_id UUID,
    cluster_id LowCardinality(String) DEFAULT '',
    process_type LowCardinality(String),
    output_codec LowCardinality(String),
    track_type LowCardinality(String),
    media_seconds Float64 DEFAULT 0,
    segment_count UInt64 DEFAULT 0
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, cluster_id, process_type, output_codec, track_type);

CREATE TABLE IF NOT EXISTS api_usage_daily (
    day Date,
    tenant_id UUID,
    auth_type LowCardinality(String),
    operation_type LowCardinality(String),
    operation_name LowCardinality(String),
    requests UInt64 DEFAULT 0,
    errors UInt64 DEFAULT 0,
    duration_ms UInt64 DEFAULT 0
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, auth_type, operation_type, operation_name);
