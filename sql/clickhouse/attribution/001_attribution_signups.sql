-- The package's own database starts empty, so its numbered files may be rewritten until a
-- release ships them (the ledger refuses a changed file on a database that applied it).
--
-- One row per acquired tenant, kept for good: the package's own copy of every row either
-- writer (FrameWorks' Go ingest or this package's relay) appends to FrameWorks'
-- tenant_acquisition_events. The relay writes both rows; the usage upkeep copies the rows
-- FrameWorks' Go ingest wrote (src/clickhouse/usage-upkeep.ts); the rebuild refills it from
-- Quartermaster's tenant_attribution. Nothing of ours is attached to FrameWorks' table.
--
-- Why a table of our own: FrameWorks' table is append-only (a Kafka replay or both writers
-- add a second row for the same tenant) and deletes rows after 730 days, after which a
-- tenant would fall out of its cohort into `unattributed`. Here the rows carry no TTL and
-- collapse per tenant (ReplacingMergeTree on `version`); reports read it with FINAL through
-- the `attribution_acquisitions` view, so a tenant counts once whatever has merged.
--
-- `version` keeps a tenant's earliest event (a later timestamp is a smaller version); of
-- copies with the same timestamp, the one this package wrote, which carries the derived
-- fields, wins.
--
-- The derived fields are read from FrameWorks' overflow column `event_data`, where the
-- relay puts them beside FrameWorks' own keys (see src/ingest/acquisition-row.ts): client
-- kind, first touch, referral outcome, event id, the channel group recorded at capture and
-- the click id type. Rows written by FrameWorks' Go ingest have none of them: they stay
-- empty, and the reports say `unknown` and derive the channel group in SQL. MATERIALIZED
-- columns compute them on every insert, so every writer moves the same plain columns and
-- they cannot disagree.
CREATE TABLE IF NOT EXISTS attribution_signups (
    tenant_id UUID,
    timestamp DateTime('UTC'),
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
    writer LowCardinality(String) MATERIALIZED
        if(JSONExtractString(event_data, 'source') IN ('outbox', 'service_event'), 'attribution', 'frameworks'),
    event_id Nullable(UUID) MATERIALIZED toUUIDOrNull(JSONExtractString(event_data, 'event_id')),
    client_kind LowCardinality(String) MATERIALIZED substring(JSONExtractString(event_data, 'attribution', 'client_kind'), 1, 32),
    first_touch_at Nullable(DateTime64(3, 'UTC')) MATERIALIZED
        parseDateTime64BestEffortOrNull(JSONExtractString(event_data, 'attribution', 'first_touch_at'), 3, 'UTC'),
    referral_status LowCardinality(String) MATERIALIZED substring(JSONExtractString(event_data, 'referral_status'), 1, 16),
    recorded_channel_group LowCardinality(String) MATERIALIZED
        substring(JSONExtractString(event_data, 'attribution', 'channel_group'), 1, 32),
    click_id_type LowCardinality(String) MATERIALIZED
        substring(JSONExtractString(event_data, 'attribution', 'metadata', 'click_id_type'), 1, 32),
    version UInt64 MATERIALIZED
        (toUInt64(4294967295) - toUnixTimestamp(timestamp)) * 2 + (writer = 'attribution')
) ENGINE = ReplacingMergeTree(version)
ORDER BY tenant_id;
