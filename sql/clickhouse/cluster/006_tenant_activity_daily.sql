-- Cluster variant of ../006_tenant_activity_daily.sql: the activity table is replicated per
-- shard and read through a Distributed table sharded like the rollups (cityHash64 of the
-- tenant), so all of a tenant's (day, tenant) rows live on one shard and per-shard counts
-- add up. The materialized views sit on the local rollups of every node: an insert into a
-- shard's rollup writes that shard's activity rows, on the replica that took the insert,
-- and replication carries them to the others.
CREATE TABLE IF NOT EXISTS tenant_activity_daily_local ON CLUSTER '{cluster}' (
    day Date,
    tenant_id UUID,
    streamed SimpleAggregateFunction(max, UInt8)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id);

CREATE TABLE IF NOT EXISTS tenant_activity_daily ON CLUSTER '{cluster}'
AS tenant_activity_daily_local
ENGINE = Distributed('{cluster}', currentDatabase(), 'tenant_activity_daily_local', cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_viewers_local ON CLUSTER '{cluster}' TO tenant_activity_daily_local AS
SELECT day, tenant_id, max(viewer_hours > 0) AS streamed
FROM tenant_viewer_daily_local GROUP BY day, tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_processing_local ON CLUSTER '{cluster}' TO tenant_activity_daily_local AS
SELECT day, tenant_id, toUInt8(0) AS streamed
FROM processing_daily_local GROUP BY day, tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_activity_from_api_local ON CLUSTER '{cluster}' TO tenant_activity_daily_local AS
SELECT day, tenant_id, toUInt8(0) AS streamed
FROM api_usage_daily_local GROUP BY day, tenant_id;

-- The backfill runs once, from the node that migrates, through the Distributed tables; every
-- row lands on its tenant's shard. On a large cluster it can instead be run per shard on the
-- local tables, partition by partition: a row written twice merges into one.
INSERT INTO tenant_activity_daily
SELECT day, tenant_id, max(viewer_hours > 0) FROM tenant_viewer_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;

INSERT INTO tenant_activity_daily
SELECT day, tenant_id, toUInt8(0) FROM processing_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;

INSERT INTO tenant_activity_daily
SELECT day, tenant_id, toUInt8(0) FROM api_usage_daily GROUP BY day, tenant_id
SETTINGS optimize_aggregation_in_order = 1;
