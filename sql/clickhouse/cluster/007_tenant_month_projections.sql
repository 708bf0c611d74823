-- Cluster variant of ../007_tenant_month_projections.sql: the same projections on the
-- replicated local tables of every node, as in cluster/005.
ALTER TABLE tenant_viewer_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id, sum(viewer_hours), sum(egress_gb), sum(total_sessions)
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE tenant_viewer_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION tenant_month;

ALTER TABLE processing_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id,
        sumIf(media_seconds, process_type = 'Livepeer'),
        sumIf(media_seconds, process_type = 'AV'),
        sumIf(media_seconds, process_type NOT IN ('Livepeer', 'AV'))
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE processing_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION tenant_month;

ALTER TABLE api_usage_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS tenant_month (
    SELECT toStartOfMonth(day), tenant_id, sum(requests), sum(errors)
    GROUP BY toStartOfMonth(day), tenant_id
);
ALTER TABLE api_usage_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION tenant_month;
