/**
 * The SQL of the demo-data generator's usage: FrameWorks' four rollup stores (viewers,
 * tenant analytics with restream egress, processing, API) for the tenant-days with usage,
 * in refresh versions, and the all-zero rows of churned tenants. The tenants and their
 * acquisition events, the hash helpers and the determinism rules are in demo-data.sql.ts.
 */
import { INSERT_SETTINGS, MAX_VIEWER_IDS, STAGING_TABLE, TWO_64, ud } from './demo-data.sql.ts'

/**
 * The tenant-days with usage: from activation (never before signup) to churn, each day
 * drawn with the tenant's daily probability. All three rollups share this set, so a
 * streaming day has viewers, processing and API calls together. Only the named tenant
 * columns ride through the ARRAY JOIN.
 */
const activeDays = (columns: string, kinds: string): string => `
  SELECT n, d, tenant_id, toDate({start:String}) + d AS day,
    if(toDayOfWeek(day) >= 6, 0.75, 1.0) * (0.55 + 0.9 * ${ud('volume')}) AS day_factor, ${columns}
  FROM ${STAGING_TABLE}
  ARRAY JOIN range(first_active, active_end) AS d
  WHERE kind IN (${kinds}) AND ${ud('active')} < p_day`

/**
 * Store rows come in refresh versions, as FrameWorks' hourly refreshes append them: each
 * store insert runs twice, `{ver:UInt8}` 0 then 1. Version 0 is an early partial refresh
 * (half the figures, refreshed 13 hours into the day) of about one key in five; version 1,
 * the final one (refreshed the next day), has every key, and the views keep it. Separate
 * inserts, because ClickHouse collapses versions of a key within one insert.
 */
const inVersion = (tag: string): string => `({ver:UInt8} = 1 OR cityHash64({seed:UInt64}, n, d, '${tag}') % 5 = 0)`
const refreshedAt = 'addSeconds(toDateTime64(day, 3, \'UTC\'), if(ver = 1, 90000, 46800))'
const share = 'if(ver = 1, 1.0, 0.5)'

/** Live tenants only: viewer hours, egress, sessions and a uniqCombined state of viewer ids. */
export const INSERT_VIEWER_DAILY = `
INSERT INTO tenant_viewer_daily_store (day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state, total_sessions, refresh_version_ms)
SELECT day, tenant_id, cluster_id, vh, round(vh * gb_per_hour, 3),
  arrayReduce('uniqCombinedState',
    arrayMap(j -> concat(toString(n), ':', toString(cityHash64({seed:UInt64}, n, d, j) % viewer_pool)), range(toUInt32(least(s, ${MAX_VIEWER_IDS}))))),
  s, ${refreshedAt}
FROM (
  SELECT n, d, day, tenant_id, cluster_id, gb_per_hour, viewer_pool, {ver:UInt8} AS ver,
    round(${share} * viewer_hours, 3) AS vh, toUInt64(greatest(1, round(${share} * sessions))) AS s
  FROM (
    SELECT n, d, day, tenant_id, cluster_id, gb_per_hour, viewer_pool,
      round(greatest(0.05, 4 * scale * day_factor), 3) AS viewer_hours,
      toUInt64(greatest(1, round(viewer_hours * (1.2 + ${ud('sessions')})))) AS sessions
    FROM (${activeDays('cluster_id, gb_per_hour, viewer_pool, scale', "'live'")})
  )
  WHERE ${inVersion('viewer_version')}
)
${INSERT_SETTINGS}`

/** Uniform [0, 1) per tenant id (and day) and tag: for rows drawn from a store, which has no tenant number. */
const ut = (tag: string): string => `(cityHash64({seed:UInt64}, tenant_id, '${tag}') / ${TWO_64})`
const utd = (tag: string): string => `(cityHash64({seed:UInt64}, tenant_id, day, '${tag}') / ${TWO_64})`

/**
 * FrameWorks' tenant_analytics_daily, the reports' egress: for every viewer row of this refresh
 * version (run right after {@link INSERT_VIEWER_DAILY} with the same `ver`, before a later
 * version of a key exists), the same day, viewers, sessions and refresh version, and egress
 * bytes = the playback egress (`egress_gb` × 2^30) plus restream delivery. About three live
 * tenants in ten restream, on about half of their days, so these tenant-days have more egress
 * here than in tenant_viewer_daily (as FrameWorks counts restream since v0.3.0).
 */
export const INSERT_ANALYTICS_DAILY = `
INSERT INTO tenant_analytics_daily_store (day, tenant_id, total_streams, total_views, unique_viewers_state, egress_bytes, refresh_version_ms)
SELECT day, tenant_id, 1 + cityHash64({seed:UInt64}, tenant_id, 'streams') % 3, total_sessions, unique_viewers_state,
  toUInt64(round((egress_gb + if(${ut('restream')} < 0.3 AND ${utd('restream_day')} < 0.5 AND viewer_hours > 0,
    round(if({ver:UInt8} = 1, 1.0, 0.5) * (0.5 + 4 * ${utd('restream_gib')}), 3), 0)) * 1073741824)),
  refresh_version_ms
FROM tenant_viewer_daily_store
WHERE refresh_version_ms = addSeconds(toDateTime64(day, 3, 'UTC'), if({ver:UInt8} = 1, 90000, 46800))
${INSERT_SETTINGS}`

/** Live and VOD tenants: one row per processing profile (Livepeer, native AV, FFmpeg). */
export const INSERT_PROCESSING_DAILY = `
INSERT INTO processing_daily_store (day, tenant_id, cluster_id, process_type, output_codec, track_type, media_seconds, segment_count, refresh_version_ms)
SELECT day, tenant_id, cluster_id, p.1, p.2, p.3, ms, toUInt64(ceil(ms / 2)), ${refreshedAt}
FROM (
  SELECT day, tenant_id, cluster_id, p, {ver:UInt8} AS ver, round(${share} * media_seconds, 1) AS ms
  FROM (
    SELECT n, d, day, tenant_id, cluster_id, p, round(greatest(1.0, media_hours * 3600 * p.4), 1) AS media_seconds
    FROM (
      SELECT n, d, day, tenant_id, cluster_id, processing,
        if(kind = 'live', least(24.0, 0.3 + 1.5 * sqrt(scale) * day_factor), 0.2 + 2 * scale * day_factor) AS media_hours
      FROM (${activeDays('cluster_id, processing, kind, scale', "'live', 'vod'")})
    )
    ARRAY JOIN processing AS p
  )
  WHERE ${inVersion('processing_version')}
)
${INSERT_SETTINGS}`

/** The API rollup's two uniqCombined state columns (users, tokens), drawn per tenant. */
const apiStates = `arrayReduce('uniqCombinedState', [toUInt64(n)]), arrayReduce('uniqCombinedState', [toUInt64(n), toUInt64(n) + 1])`

/** Every active tenant-day calls the API; each further operation on about every other day. */
export const INSERT_API_USAGE_DAILY = `
INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, duration_ms, complexity,
  unique_users_state, unique_tokens_state, refresh_version_ms)
SELECT day, tenant_id, op.1, op.2, op.3, r, e, toUInt64(round(r * latency_ms)), r, ${apiStates}, ${refreshedAt}
FROM (
  SELECT n, day, tenant_id, op, latency_ms, {ver:UInt8} AS ver,
    toUInt64(greatest(1, round(${share} * requests))) AS r, toUInt64(floor(${share} * errors)) AS e
  FROM (
    SELECT n, d, day, tenant_id, op, latency_ms, requests,
      toUInt64(floor(requests * least(1.0, error_rate * (0.3 + 1.4 * cityHash64({seed:UInt64}, n, d, i, 'errors') / ${TWO_64})))) AS errors
    FROM (
      SELECT n, d, i, day, tenant_id, op, error_rate, latency_ms,
        toUInt64(greatest(1, round(api_scale * 120 * op.4 * day_factor))) AS requests
      FROM (${activeDays('operations, api_scale, error_rate, latency_ms', "'live', 'vod', 'api'")})
      ARRAY JOIN operations AS op, arrayEnumerate(operations) AS i
      WHERE i = 1 OR cityHash64({seed:UInt64}, n, d, i, 'called') % 2 = 0
    )
  )
  WHERE ${inVersion('api_version')}
)
${INSERT_SETTINGS}`

/** Tenants that churned within the window, on the day after their last activity (a tombstoned bucket). */
const churned = (kinds: string): string =>
  `FROM ${STAGING_TABLE} WHERE kind IN (${kinds}) AND first_active < active_end AND active_end < {days:UInt32}`
const tombstoneDay = 'toDate({start:String}) + active_end'
const tombstoneRefresh = `addSeconds(toDateTime64(${tombstoneDay}, 3, 'UTC'), 90000)`

/** All-zero rows, as FrameWorks' hourly refresh writes for a bucket whose usage went away. */
export const INSERT_ZERO_ROWS = [`
INSERT INTO tenant_viewer_daily_store (day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state, total_sessions, refresh_version_ms)
SELECT ${tombstoneDay}, tenant_id, cluster_id, 0, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')), 0, ${tombstoneRefresh}
${churned("'live'")}
${INSERT_SETTINGS}`, `
INSERT INTO tenant_analytics_daily_store (day, tenant_id, total_streams, total_views, unique_viewers_state, egress_bytes, refresh_version_ms)
SELECT ${tombstoneDay}, tenant_id, 0, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')), 0, ${tombstoneRefresh}
${churned("'live'")}
${INSERT_SETTINGS}`, `
INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, duration_ms, complexity,
  unique_users_state, unique_tokens_state, refresh_version_ms)
SELECT ${tombstoneDay}, tenant_id, auth_type, 'query', 'streams', 0, 0, 0, 0,
  arrayReduce('uniqCombinedState', CAST([], 'Array(UInt64)')), arrayReduce('uniqCombinedState', CAST([], 'Array(UInt64)')), ${tombstoneRefresh}
${churned("'live', 'vod', 'api'")}
${INSERT_SETTINGS}`]
