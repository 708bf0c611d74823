-- Aggregate projections for the network-usage report: each rollup keeps, beside its rows,
-- its totals per day (per day and process type for processing). The report's per-period
-- aggregates match them, so ClickHouse reads a few hundred pre-merged rows instead of
-- millions: the unique-viewer states of a whole day are merged once, when a part is written
-- or merged, not on every report. Nothing in the report SQL names them; a part that does not
-- have its projection yet (written before this migration, until MATERIALIZE reaches it) is
-- read from its rows, with the same answer.
--
-- SummingMergeTree sums rows on merge, so a projection must be rebuilt from the merged part
-- (deduplicate_merge_projection_mode = 'rebuild'): sums and state merges come out the same.
-- MATERIALIZE PROJECTION runs as a background mutation over the existing parts.
ALTER TABLE tenant_viewer_daily MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE tenant_viewer_daily ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, sum(viewer_hours), sum(egress_gb), sum(total_sessions), uniqCombinedMerge(unique_viewers_state)
    GROUP BY day
);
ALTER TABLE tenant_viewer_daily MATERIALIZE PROJECTION network_day;

ALTER TABLE processing_daily MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE processing_daily ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, process_type, sum(media_seconds)
    GROUP BY day, process_type
);
ALTER TABLE processing_daily MATERIALIZE PROJECTION network_day;

ALTER TABLE api_usage_daily MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE api_usage_daily ADD PROJECTION IF NOT EXISTS network_day (
    SELECT day, sum(requests), sum(errors)
    GROUP BY day
);
ALTER TABLE api_usage_daily MATERIALIZE PROJECTION network_day;
