-- Cluster variant of ../001_tenant_acquisition_events.sql, for deployments that outgrow one
-- server. Apply with `CLICKHOUSE_DDL=cluster npm run migrate` against any one node: every
-- statement runs ON CLUSTER '{cluster}' (the server's `cluster` macro), and the servers need
-- the `{shard}` and `{replica}` macros and ClickHouse Keeper.
--
-- Layout: tenant_acquisition_events_local holds the rows on each shard (replicated; Keeper
-- deduplicates repeated insert tokens), tenant_acquisition_events is the Distributed table the
-- relay writes and the reports read, sharded by tenant so all rows of a tenant — and thus the
-- per-tenant collapse — live on one shard. Same names for the relay and the reports as on a
-- single server; nothing else changes.
CREATE TABLE IF NOT EXISTS tenant_acquisition_events_local ON CLUSTER '{cluster}' (
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
    event_id UUID,
    channel_group LowCardinality(String) DEFAULT 'direct',
    client_kind LowCardinality(String) DEFAULT 'browser',
    first_touch_at Nullable(DateTime64(3, 'UTC')),
    referral_status LowCardinality(String) DEFAULT '',
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', ingested_at)
ORDER BY tenant_id;

CREATE TABLE IF NOT EXISTS tenant_acquisition_events ON CLUSTER '{cluster}'
AS tenant_acquisition_events_local
ENGINE = Distributed('{cluster}', currentDatabase(), 'tenant_acquisition_events_local', cityHash64(tenant_id));

-- Read-side deduplication over the Distributed table (a tenant's rows share one shard).
CREATE VIEW IF NOT EXISTS tenant_acquisition_events_final ON CLUSTER '{cluster}' AS
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
