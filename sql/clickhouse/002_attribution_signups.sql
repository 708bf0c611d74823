-- One row per acquired tenant, kept for good: the package's own copy of every row either
-- writer (FrameWorks' Go ingest or this package's relay) appends to FrameWorks'
-- tenant_acquisition_events.
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
-- columns compute them on every insert, so the trigger below and the backfill move the
-- same plain columns and cannot disagree.
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

CREATE MATERIALIZED VIEW IF NOT EXISTS attribution_signups_mv TO attribution_signups AS
SELECT
    tenant_id, timestamp, user_id, signup_channel, signup_method,
    utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    http_referer, landing_page, referral_code, is_agent, event_data
FROM tenant_acquisition_events;

-- The rows already there (FrameWorks' history). A row also caught by the trigger while this
-- runs is a second copy of the same tenant and collapses like any replay.
INSERT INTO attribution_signups
    (tenant_id, timestamp, user_id, signup_channel, signup_method,
     utm_source, utm_medium, utm_campaign, utm_content, utm_term,
     http_referer, landing_page, referral_code, is_agent, event_data)
SELECT
    tenant_id, timestamp, user_id, signup_channel, signup_method,
    utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    http_referer, landing_page, referral_code, is_agent, event_data
FROM tenant_acquisition_events
SETTINGS insert_deduplicate = 0;
