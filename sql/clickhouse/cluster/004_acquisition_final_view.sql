-- Cluster variant of ../004_acquisition_final_view.sql: the same view on every node. FINAL
-- on the Distributed table runs on each shard, and all rows of a tenant live on one shard
-- (sharded by cityHash64(tenant_id)), so each tenant still collapses to one row.
CREATE OR REPLACE VIEW tenant_acquisition_events_final ON CLUSTER '{cluster}' AS
SELECT
    tenant_id, timestamp, user_id, signup_channel, signup_method,
    utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    http_referer, landing_page, referral_code, is_agent, event_data,
    event_id, channel_group, client_kind, first_touch_at, referral_status
FROM tenant_acquisition_events FINAL;
