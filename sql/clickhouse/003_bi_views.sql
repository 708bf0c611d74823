-- Views for BI tools (Grafana, Metabase): acquisition cohorts and daily network usage, with
-- plain columns (no AggregateFunction states, no knowledge of the dedup view needed).
--
-- * bi_tenant_cohorts       one row per acquired tenant with its cohort keys
-- * bi_acquisition_daily    new tenants per day and acquisition dimensions
-- * bi_usage_daily          usage per day and tenant (unique_viewers: that tenant's day)
-- * bi_network_usage_daily  usage per day, network-wide (unique viewers merged, not added)
-- * bi_cohort_usage_daily   usage per day and acquisition cohort; tenants without an
--                           acquisition event are in the 'unattributed' cohort, so the
--                           cohorts of a day add up to the network total (additive metrics)
--
-- Every view reads through tenant_acquisition_events_final (one row per tenant) and
-- aggregates the rollups with sum()/uniqCombinedMerge(), so replays and partial merges never
-- double-count. Filter on `day` / `signup_day` first: the views push those filters down.

CREATE VIEW IF NOT EXISTS bi_tenant_cohorts AS
SELECT
    tenant_id,
    timestamp AS signed_up_at,
    toDate(timestamp) AS signup_day,
    toMonday(timestamp) AS signup_week,
    toStartOfMonth(timestamp) AS signup_month,
    signup_channel,
    signup_method,
    channel_group,
    client_kind,
    is_agent,
    utm_source,
    utm_medium,
    utm_campaign,
    referral_code,
    referral_status,
    first_touch_at
FROM tenant_acquisition_events_final;

CREATE VIEW IF NOT EXISTS bi_acquisition_daily AS
SELECT
    toDate(timestamp) AS day,
    channel_group,
    signup_channel,
    signup_method,
    client_kind,
    is_agent,
    ifNull(utm_source, '') AS utm_source,
    ifNull(utm_medium, '') AS utm_medium,
    ifNull(utm_campaign, '') AS utm_campaign,
    ifNull(referral_code, '') AS referral_code,
    count() AS tenants
FROM tenant_acquisition_events_final
GROUP BY day, channel_group, signup_channel, signup_method, client_kind, is_agent, utm_source, utm_medium, utm_campaign, referral_code;

-- Internal: the three rollups as one stream of (day, tenant_id, metrics…, viewer state).
CREATE VIEW IF NOT EXISTS bi_usage_parts AS
SELECT day, tenant_id, viewer_hours, egress_gb, total_sessions AS sessions, unique_viewers_state,
       toFloat64(0) AS livepeer_seconds, toFloat64(0) AS native_seconds, toUInt64(0) AS api_requests, toUInt64(0) AS api_errors
FROM tenant_viewer_daily
UNION ALL
SELECT day, tenant_id, toFloat64(0), toFloat64(0), toUInt64(0), arrayReduce('uniqCombinedState', CAST([], 'Array(String)')),
       if(process_type = 'Livepeer', media_seconds, 0), if(process_type = 'AV', media_seconds, 0), toUInt64(0), toUInt64(0)
FROM processing_daily
UNION ALL
SELECT day, tenant_id, toFloat64(0), toFloat64(0), toUInt64(0), arrayReduce('uniqCombinedState', CAST([], 'Array(String)')),
       toFloat64(0), toFloat64(0), requests, errors
FROM api_usage_daily;

CREATE VIEW IF NOT EXISTS bi_usage_daily AS
SELECT
    day,
    tenant_id,
    sum(viewer_hours) AS viewer_hours,
    sum(egress_gb) AS egress_gb,
    sum(sessions) AS sessions,
    uniqCombinedMerge(unique_viewers_state) AS unique_viewers,
    sum(livepeer_seconds) AS livepeer_seconds,
    sum(native_seconds) AS native_seconds,
    sum(api_requests) AS api_requests,
    sum(api_errors) AS api_errors
FROM bi_usage_parts
GROUP BY day, tenant_id;

CREATE VIEW IF NOT EXISTS bi_network_usage_daily AS
SELECT
    day,
    sum(viewer_hours) AS viewer_hours,
    sum(egress_gb) AS egress_gb,
    sum(sessions) AS sessions,
    uniqCombinedMerge(unique_viewers_state) AS unique_viewers,
    sum(livepeer_seconds) AS livepeer_seconds,
    sum(native_seconds) AS native_seconds,
    sum(api_requests) AS api_requests,
    sum(api_errors) AS api_errors,
    uniqExactIf(p.tenant_id, p.viewer_hours > 0 OR p.sessions > 0 OR p.livepeer_seconds > 0 OR p.native_seconds > 0 OR p.api_requests > 0) AS active_tenants
FROM bi_usage_parts AS p
GROUP BY day;

CREATE VIEW IF NOT EXISTS bi_cohort_usage_daily AS
SELECT
    u.day AS day,
    if(c.attributed = 1, c.channel_group, 'unattributed') AS channel_group,
    if(c.attributed = 1, c.signup_channel, 'unattributed') AS signup_channel,
    if(c.attributed = 1, c.signup_method, 'unattributed') AS signup_method,
    if(c.attributed = 1, c.is_agent, 0) AS is_agent,
    sum(u.viewer_hours) AS viewer_hours,
    sum(u.egress_gb) AS egress_gb,
    sum(u.sessions) AS sessions,
    uniqCombinedMerge(u.unique_viewers_state) AS unique_viewers,
    sum(u.livepeer_seconds) AS livepeer_seconds,
    sum(u.native_seconds) AS native_seconds,
    sum(u.api_requests) AS api_requests,
    sum(u.api_errors) AS api_errors,
    uniqExact(u.tenant_id) AS tenants
FROM bi_usage_parts AS u
LEFT JOIN (
    SELECT tenant_id, channel_group, signup_channel, signup_method, is_agent, toUInt8(1) AS attributed
    FROM tenant_acquisition_events_final
) AS c ON u.tenant_id = c.tenant_id
GROUP BY day, channel_group, signup_channel, signup_method, is_agent;
