/**
 * A database as FrameWorks' Periscope has it, built by test code from FrameWorks' schema
 * (pkg/database/sql/clickhouse/periscope.sql, as summarised in shared/reference/periscope.md),
 * not from the package's migrations: the tests prepare what an operator already runs, then
 * point the package at it.
 *
 * What differs from production is only what chDB cannot do: the database is Atomic, not
 * Replicated, so the engines are the non-replicated twins of FrameWorks'
 * `Replicated*MergeTree`s. FrameWorks' refreshable views that fill the stores from its
 * 5-minute ledgers are left out: tests write the stores the way those views do (whole
 * buckets, each refresh with a newer `refresh_version_ms`).
 */
import type { ClickHouseClient } from '@clickhouse/client'

const STATEMENTS = [
  `CREATE TABLE tenant_acquisition_events (
    timestamp DateTime, tenant_id UUID, user_id Nullable(UUID),
    signup_channel LowCardinality(String), signup_method LowCardinality(String),
    utm_source Nullable(String), utm_medium Nullable(String), utm_campaign Nullable(String), utm_content Nullable(String), utm_term Nullable(String),
    http_referer Nullable(String), landing_page Nullable(String), referral_code Nullable(String),
    is_agent UInt8, event_data String,
    source_region LowCardinality(String) DEFAULT '', stream_origin_region LowCardinality(String) DEFAULT '',
    stream_origin_cluster_id LowCardinality(String) DEFAULT '', schema_version UInt8 DEFAULT 0
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY (signup_channel, timestamp, tenant_id)
  TTL timestamp + INTERVAL 730 DAY`,

  `CREATE TABLE tenant_viewer_daily_store (
    day Date, tenant_id UUID, cluster_id LowCardinality(String) DEFAULT '',
    viewer_hours Float64 DEFAULT 0, egress_gb Float64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String), total_sessions UInt64 DEFAULT 0,
    refresh_version_ms DateTime64(3)
  ) ENGINE = ReplacingMergeTree(refresh_version_ms) PARTITION BY toYYYYMM(day) ORDER BY (tenant_id, day, cluster_id)
  TTL day + INTERVAL 1825 DAY`,
  `CREATE VIEW tenant_viewer_daily AS
  SELECT day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state,
    toUInt64(finalizeAggregation(unique_viewers_state)) AS unique_viewers, total_sessions, latest_refresh_version_ms
  FROM (
    SELECT day, tenant_id, cluster_id, argMax(viewer_hours, refresh_version_ms) AS viewer_hours, argMax(egress_gb, refresh_version_ms) AS egress_gb,
      argMax(unique_viewers_state, refresh_version_ms) AS unique_viewers_state, argMax(total_sessions, refresh_version_ms) AS total_sessions,
      max(refresh_version_ms) AS latest_refresh_version_ms
    FROM tenant_viewer_daily_store GROUP BY day, tenant_id, cluster_id
  )`,

  `CREATE TABLE processing_daily_store (
    day Date, tenant_id UUID, cluster_id LowCardinality(String) DEFAULT '',
    process_type LowCardinality(String), output_codec LowCardinality(String), track_type LowCardinality(String),
    media_seconds Float64 DEFAULT 0, segment_count UInt64 DEFAULT 0, refresh_version_ms DateTime64(3)
  ) ENGINE = ReplacingMergeTree(refresh_version_ms) PARTITION BY toYYYYMM(day)
  ORDER BY (tenant_id, day, cluster_id, process_type, output_codec, track_type) TTL day + INTERVAL 1825 DAY`,
  `CREATE VIEW processing_daily AS
  SELECT day, tenant_id, cluster_id, process_type, output_codec, track_type,
    argMax(media_seconds, refresh_version_ms) AS media_seconds, argMax(segment_count, refresh_version_ms) AS segment_count,
    max(refresh_version_ms) AS latest_refresh_version_ms
  FROM processing_daily_store GROUP BY day, tenant_id, cluster_id, process_type, output_codec, track_type`,

  `CREATE TABLE api_usage_daily_store (
    day Date, tenant_id UUID, auth_type LowCardinality(String), operation_type LowCardinality(String),
    operation_name LowCardinality(String) DEFAULT '', requests UInt64 DEFAULT 0, errors UInt64 DEFAULT 0,
    duration_ms UInt64 DEFAULT 0, complexity UInt64 DEFAULT 0,
    unique_users_state AggregateFunction(uniqCombined, UInt64), unique_tokens_state AggregateFunction(uniqCombined, UInt64),
    refresh_version_ms DateTime64(3)
  ) ENGINE = ReplacingMergeTree(refresh_version_ms) PARTITION BY toYYYYMM(day)
  ORDER BY (tenant_id, day, auth_type, operation_type, operation_name) TTL day + INTERVAL 1825 DAY`,
  `CREATE VIEW api_usage_daily AS
  SELECT day, tenant_id, auth_type, operation_type, operation_name,
    argMax(requests, refresh_version_ms) AS requests, argMax(errors, refresh_version_ms) AS errors,
    argMax(duration_ms, refresh_version_ms) AS duration_ms, argMax(complexity, refresh_version_ms) AS complexity,
    argMax(unique_users_state, refresh_version_ms) AS unique_users_state, argMax(unique_tokens_state, refresh_version_ms) AS unique_tokens_state,
    max(refresh_version_ms) AS latest_refresh_version_ms
  FROM api_usage_daily_store GROUP BY day, tenant_id, auth_type, operation_type, operation_name`,

  // The sibling whose egress_bytes is FrameWorks' operator egress figure (playback and restream).
  `CREATE TABLE tenant_analytics_daily_store (
    day Date, tenant_id UUID, total_streams UInt64 DEFAULT 0, total_views UInt64 DEFAULT 0,
    unique_viewers_state AggregateFunction(uniqCombined, String), egress_bytes UInt64 DEFAULT 0, refresh_version_ms DateTime64(3)
  ) ENGINE = ReplacingMergeTree(refresh_version_ms) PARTITION BY toYYYYMM(day) ORDER BY (tenant_id, day)
  TTL day + INTERVAL 730 DAY`,
  `CREATE VIEW tenant_analytics_daily AS
  SELECT day, tenant_id, total_streams, total_views, unique_viewers_state,
    toUInt64(finalizeAggregation(unique_viewers_state)) AS unique_viewers, egress_bytes, latest_refresh_version_ms
  FROM (
    SELECT day, tenant_id, argMax(total_streams, refresh_version_ms) AS total_streams, argMax(total_views, refresh_version_ms) AS total_views,
      argMax(unique_viewers_state, refresh_version_ms) AS unique_viewers_state, argMax(egress_bytes, refresh_version_ms) AS egress_bytes,
      max(refresh_version_ms) AS latest_refresh_version_ms
    FROM tenant_analytics_daily_store GROUP BY day, tenant_id
  )`
]

/** FrameWorks' objects the tests create (what FrameWorks' host-migration catalog knows of them). */
export const FRAMEWORKS_OBJECTS = ['api_usage_daily', 'api_usage_daily_store', 'processing_daily', 'processing_daily_store',
  'tenant_acquisition_events', 'tenant_analytics_daily', 'tenant_analytics_daily_store', 'tenant_viewer_daily',
  'tenant_viewer_daily_store'] as const

/** FrameWorks' tables and views the package shares, created in the client's current database (pass `frameworksClient`). */
export async function createFrameworksPeriscope (client: ClickHouseClient): Promise<void> {
  for (const query of STATEMENTS) await client.command({ query })
}

/** `SHOW CREATE` of every FrameWorks object, to prove the package changed none of them. */
export async function frameworksDefinitions (client: ClickHouseClient): Promise<Record<string, string>> {
  const names = FRAMEWORKS_OBJECTS
  const out: Record<string, string> = {}
  for (const name of names) {
    const res = await client.query({ query: `SHOW CREATE TABLE ${name}`, format: 'JSONEachRow' })
    const [row] = await res.json<{ statement: string }>()
    out[name] = row?.statement ?? ''
  }
  return out
}
