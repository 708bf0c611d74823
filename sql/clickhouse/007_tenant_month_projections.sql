-- Aggregate projections for the per-tenant reports (cohort usage by month, referral codes):
-- each rollup keeps, beside its rows, its sums per month and tenant. A report whose range
-- is whole months reads those (about 100k rows a month at 100k tenants, whatever the rows
-- per tenant and day) instead of every row; nothing names them, and a part without its
-- projection yet is read from its rows, with the same answer. The processing sums are
-- split by process type as the reports split them (PROCESS_TYPE_CONDITIONS). The
-- rollups already rebuild projections on merge (005).
ALTER TABLE tenant_viewer_daily ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id, sum(viewer_hours), sum(egress_gb), sum(total_sessions)
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE tenant_viewer_daily MATERIALIZE PROJECTION tenant_month;

ALTER TABLE processing_daily ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id,
        sumIf(media_seconds, process_type = 'Livepeer'),
        sumIf(media_seconds, process_type = 'AV'),
        sumIf(media_seconds, process_type NOT IN ('Livepeer', 'AV'))
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE processing_daily MATERIALIZE PROJECTION tenant_month;

ALTER TABLE api_usage_daily ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id, sum(requests), sum(errors)
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE api_usage_daily MATERIALIZE PROJECTION tenant_month;
