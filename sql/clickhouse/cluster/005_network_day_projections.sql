-- Cluster variant of ../005_network_day_projections.sql: the same projections on the
-- replicated local tables of every node (a projection belongs to the table that stores the
-- rows; the Distributed tables pass each shard's query down, and the shard uses them).
ALTER TABLE tenant_viewer_daily_local ON CLUSTER '{cluster}' MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE tenant_viewer_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, sum(viewer_hours), sum(egress_gb), sum(total_sessions), uniqCombinedMerge(unique_viewers_state)
    GROUP BY day
);
ALTER TABLE tenant_viewer_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION network_day;

ALTER TABLE processing_daily_local ON CLUSTER '{cluster}' MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE processing_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, process_type, sum(media_seconds)
    GROUP BY day, process_type
);
ALTER TABLE processing_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION network_day;

ALTER TABLE api_usage_daily_local ON CLUSTER '{cluster}' MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE api_usage_daily_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, sum(requests), sum(errors)
    GROUP BY day
);
ALTER TABLE api_usage_daily_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION network_day;
