-- One acquisition event per tenant: FrameWorks Periscope columns and types, with our derived
-- columns beside them.
--
-- Exactly-once: the relay inserts with a deterministic deduplication token (retries of the
-- same batch are dropped by the engine), and the table is a ReplacingMergeTree keyed by
-- tenant_id, so a replayed event for the same tenant collapses at merge time. Reports read
-- through tenant_acquisition_events_final (below), which deduplicates on read, because
-- merges happen whenever they happen.
CREATE TABLE IF NOT EXISTS tenant_acquisition_events (
    timestamp DateTime('UTC'),
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
    -- derived (this package)
    event_id UUID,
    channel_group LowCardinality(String) DEFAULT 'direct',
    client_kind LowCardinality(String) DEFAULT 'browser',
    first_touch_at Nullable(DateTime64(3, 'UTC')),
    referral_status LowCardinality(String) DEFAULT '',
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY tenant_id
SETTINGS non_replicated_deduplication_window = 10000;

-- Read-side deduplication: one row per tenant, the latest event ingested for it, which is
-- the row the ReplacingMergeTree keeps when it merges, so answers do not change after a merge.
CREATE VIEW IF NOT EXISTS tenant_acquisition_events_final AS
SELECT
    tenant_id,
    argMax(timestamp, ingested_at) AS timestamp,
    argMax(user_id, ingested_at) AS user_id,
    argMax(signup_channel, ingested_at) AS signup_channel,
    argMax(signup_method, ingested_at) AS signup_method,
    argMax(utm_source, ingested_at) AS utm_source,
    argMax(utm_medium, ingested_at) AS utm_medium,
    argMax(utm_campaign, ingested_at) AS utm_campaign,
    argMax(utm_content, ingested_at) AS utm_content,
    argMax(utm_term, ingested_at) AS utm_term,
    argMax(http_referer, ingested_at) AS http_referer,
    argMax(landing_page, ingested_at) AS landing_page,
    argMax(referral_code, ingested_at) AS referral_code,
    argMax(is_agent, ingested_at) AS is_agent,
    argMax(event_data, ingested_at) AS event_data,
    argMax(event_id, ingested_at) AS event_id,
    argMax(channel_group, ingested_at) AS channel_group,
    argMax(client_kind, ingested_at) AS client_kind,
    argMax(first_touch_at, ingested_at) AS first_touch_at,
    argMax(referral_status, ingested_at) AS referral_status
FROM tenant_acquisition_events
GROUP BY tenant_id;
