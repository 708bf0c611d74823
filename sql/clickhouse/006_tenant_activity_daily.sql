-- Which tenants had usage on which day, across the three rollups: one row per (day, tenant)
-- once merged, plus whether the tenant streamed (viewer hours > 0) that day. Active-tenant
-- counts (network usage) and the funnel's activation and retention read it instead of
-- stacking every row of the three rollups: at 100k tenants over a year that is 10 M rows
-- instead of 45 M, and a day's active tenants are a count of its rows.
--
-- Materialized views keep it filled from every insert into the rollups (each block grouped
-- by day and tenant first); the INSERTs at the end fill it from the rows already there. It
-- holds a set, not sums: a (day, tenant) written twice (by two rollups, by a re-delivered
-- day, by the backfill racing a live insert) merges into one row, so nothing can be counted
-- twice, and a report that must not wait for merges reads it with FINAL or counts distinct
-- tenants. Give it the rollups' TTL where they have one.
CREATE TABLE IF NOT EXISTS tenant_activity_daily (
    day Date,
    tenant_id UUID,
    streamed SimpleAggregateFunction(max, UInt8)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_viewers TO tenant_activity_daily AS
SELECT day, tenant_id, max(viewer_hours > 0) AS streamed
FROM tenant_viewer_daily GROUP BY day, tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_processing TO tenant_activity_daily AS
SELECT day, tenant_id, toUInt8(0) AS streamed
FROM processing_daily GROUP BY day, tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_api TO tenant_activity_daily AS
SELECT day, tenant_id, toUInt8(0) AS streamed
FROM api_usage_daily GROUP BY day, tenant_id;

-- The backfill: the rollups are sorted by (day, tenant_id), so each is grouped in order,
-- streaming, in constant memory whatever its size.
INSERT INTO tenant_activity_daily
SELECT day, tenant_id, max(viewer_hours > 0) FROM tenant_viewer_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;

INSERT INTO tenant_activity_daily
SELECT day, tenant_id, toUInt8(0) FROM processing_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;

INSERT INTO tenant_activity_daily
SELECT day, tenant_id, toUInt8(0) FROM api_usage_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;
