/**
 * The SQL of the demo-data generator.
 *
 * Why SQL and not JavaScript: the generator must reach 100k tenants × 730 days (tens of
 * millions of rollup rows) in a reasonable time, so every row is computed inside ClickHouse
 * by `INSERT … SELECT` from `numbers()` and `ARRAY JOIN range(…)`, never by a JS loop.
 * Determinism: every random choice is a hash of (seed, tenant number[, day][, tag]) scaled
 * to [0, 1) — no `rand()`, no `generateUUIDv4()`, no `now()`. UUIDs are MD5 digests of a
 * label reinterpreted as UUID. Every value arrives as a bound parameter; the only text
 * spliced in here is this module's own constants (hash tags, literal lists).
 *
 * FrameWorks' quirks are reproduced, since the reports must be right on them: the rollup
 * stores hold some keys in two refresh versions (an early partial refresh, then the final
 * one, about 1.2 versions per key; the views keep the latest), tenant_analytics_daily's egress
 * adds restream delivery to playback on some tenant-days, churned tenants get an
 * all-zero row (a tombstoned bucket) the day after their last activity, processing includes
 * `FFmpeg` jobs, and acquisition events come from two writers: most in the shape this
 * package's relay writes (derived fields in `event_data`), about 30 % as FrameWorks' Go
 * ingest writes them (no derived field at all), and about 8 % of tenants have a replayed
 * second copy, from either writer.
 *
 * Caveats: every store row has a distinct (key, refresh version), so a ReplacingMergeTree
 * merge never changes what the views show, and a checksum over the views is stable
 * whatever merges have run. (Nullable columns hash through the tuple's text, since a hash
 * of NULL is NULL.)
 *
 * Parameters: `seed` UInt64, `tenants` UInt32, `days` UInt32, `start` (first day, String
 * `YYYY-MM-DD`), `tracking_offset` UInt32 (days from `start` to the first tracked signup).
 */

/**
 * Inline settings of every generator insert (a session setting would stick on chDB):
 * `insert_deduplicate = 0` because a server with Replicated tables may drop an INSERT …
 * SELECT block as a repeat of an earlier run's (a `--replace` run writes the same blocks
 * again after TRUNCATE; the emptiness check guards against double inserts instead);
 * `max_insert_threads` because sorting and writing the parts, not computing the rows, is
 * most of the cost (about 40 % less time on 2 cores).
 */
export const INSERT_SETTINGS = 'SETTINGS insert_deduplicate = 0, max_insert_threads = 4'

/** The staging table of generated tenants (dropped when the run ends). */
export const STAGING_TABLE = '_fw_seed_tenants'

/** Viewer ids drawn per tenant-day for its uniqCombined state (bounds the generator's work). */
export const MAX_VIEWER_IDS = 256

/** 2^64 as a Float64: a UInt64 hash divided by it is uniform in [0, 1). */
export const TWO_64 = '18446744073709551616.0'

/** Uniform [0, 1) per tenant and tag. */
const u = (tag: string): string => `(cityHash64({seed:UInt64}, n, '${tag}') / ${TWO_64})`
/** Uniform [0, 1) per tenant, day and tag. */
export const ud = (tag: string): string => `(cityHash64({seed:UInt64}, n, d, '${tag}') / ${TWO_64})`
/** An element of a literal array picked by a uniform. */
const pick = (list: readonly string[], uniform: string): string =>
  `arrayElement([${list.map((s) => `'${s}'`).join(', ')}], 1 + toUInt32(floor(${uniform} * ${list.length})))`

const CAMPAIGNS = ['livepeer-launch', 'creator-grants', 'low-latency-webinar', 'ai-video-week', 'eth-denver', 'black-friday']
const REFERRAL_CODES = ['ACME-STUDIOS', 'LIVEPEER-ORBIT', 'STREAMR-PARTNER', 'DEVREL50', 'CREATOR10', 'EDU-CAMPUS', 'NODEOPS', 'GAMING-GUILD']
const SEARCH_REFERERS = ['https://www.google.com/', 'https://duckduckgo.com/', 'https://www.bing.com/']
const SOCIAL_REFERERS = ['https://x.com/', 'https://www.reddit.com/r/livestreaming/', 'https://www.linkedin.com/feed/', 'https://news.ycombinator.com/item']
const REFERRAL_REFERERS = ['https://github.com/livepeer/go-livepeer', 'https://livepeer.org/ecosystem', 'https://dev.to/frameworks/low-latency-streaming', 'https://www.youtube.com/watch']
const AI_REFERERS = ['https://chatgpt.com/', 'https://www.perplexity.ai/', 'https://claude.ai/', 'https://gemini.google.com/']
const LANDING_PATHS = ['/', '/pricing', '/docs/quickstart', '/livepeer', '/blog/low-latency-streaming', '/signup']
const SEARCH_TERMS = ['live streaming api', 'livepeer transcoding', 'rtmp server', 'webrtc low latency']

/**
 * One row per tenant: identity, signup attribution, and the usage profile the rollups are
 * drawn from. ClickHouse lets later expressions of a SELECT use earlier aliases.
 */
export const CREATE_TENANTS = `
CREATE TABLE ${STAGING_TABLE}
ENGINE = MergeTree ORDER BY n SETTINGS index_granularity = 1024
AS SELECT
  toUInt32(number) AS n,
  reinterpretAsUUID(MD5(concat('fw-demo/tenant/', toString({seed:UInt64}), '/', toString(n)))) AS tenant_id,
  -- more signups later in the window (a growing network)
  least({days:UInt32} - 1, toUInt32(floor({days:UInt32} * pow(${u('signup')}, 0.65)))) AS signup_offset,
  toDateTime(toDate({start:String}) + signup_offset, 'UTC') + toUInt32(floor(${u('signup_second')} * 86400)) AS signup_at,
  toUInt8(signup_offset >= {tracking_offset:UInt32}) AS tracked,

  -- signup path
  ${u('channel')} AS u_channel,
  multiIf(u_channel < 0.55, 'web', u_channel < 0.70, 'wallet', u_channel < 0.80, 'x402', 'api') AS signup_channel,
  multiIf(signup_channel = 'web', 'email_password',
          signup_channel = 'wallet', ${pick(['wallet_ethereum', 'wallet_base', 'wallet_base', 'wallet_arbitrum'], u('chain'))},
          signup_channel = 'x402', 'x402_usdc', 'api_key') AS signup_method,
  ${u('client')} AS u_client,
  multiIf(signup_channel = 'web', multiIf(u_client < 0.03, 'ai_coding_agent', u_client < 0.05, 'headless_browser', u_client < 0.06, 'signed_agent', 'browser'),
          signup_channel = 'wallet', multiIf(u_client < 0.08, 'mcp_client', u_client < 0.14, 'ai_coding_agent', u_client < 0.17, 'signed_agent', 'browser'),
          signup_channel = 'x402', multiIf(u_client < 0.35, 'x402_client', u_client < 0.60, 'mcp_client', u_client < 0.75, 'ai_coding_agent', 'automation'),
          multiIf(u_client < 0.25, 'ai_coding_agent', u_client < 0.40, 'mcp_client', u_client < 0.85, 'automation', 'browser')) AS client_kind,
  toUInt8(client_kind != 'browser') AS is_agent,

  -- where they came from
  ${u('group')} AS u_group,
  if(is_agent = 1 AND ${u('agent_group')} < 0.4, 'ai_assistant',
    if(signup_channel IN ('web', 'wallet'),
      multiIf(u_group < 0.26, 'direct', u_group < 0.44, 'organic_search', u_group < 0.52, 'paid_search',
              u_group < 0.60, 'organic_social', u_group < 0.65, 'paid_social', u_group < 0.70, 'email',
              u_group < 0.78, 'referral', u_group < 0.86, 'referral_program', u_group < 0.96, 'ai_assistant', 'affiliate'),
      multiIf(u_group < 0.55, 'direct', u_group < 0.80, 'ai_assistant', u_group < 0.92, 'referral', 'referral_program'))) AS channel_group,
  ${pick(CAMPAIGNS, u('campaign'))} AS any_campaign,
  multiIf(channel_group = 'paid_search', ${pick(['google', 'google', 'google', 'bing'], u('source'))},
          channel_group = 'paid_social', ${pick(['twitter', 'linkedin', 'reddit'], u('source'))},
          channel_group = 'email', 'newsletter',
          channel_group = 'affiliate', ${pick(['streamtools', 'creatorhub'], u('source'))},
          channel_group = 'organic_social' AND ${u('tagged')} < 0.4, ${pick(['twitter', 'reddit'], u('source'))},
          channel_group = 'ai_assistant' AND ${u('tagged')} < 0.4, 'chatgpt.com',
          NULL) AS utm_source,
  multiIf(channel_group = 'paid_search', 'cpc', channel_group = 'paid_social', 'paid_social',
          channel_group = 'email', 'email', channel_group = 'affiliate', 'affiliate',
          channel_group = 'organic_social' AND utm_source IS NOT NULL, 'social', NULL) AS utm_medium,
  multiIf(channel_group IN ('paid_search', 'paid_social', 'affiliate'), any_campaign,
          channel_group = 'email', concat('newsletter-', formatDateTime(signup_at, '%Y-%m')), NULL) AS utm_campaign,
  if(channel_group IN ('paid_search', 'paid_social'), ${pick(['banner-a', 'banner-b', 'video-a'], u('content'))}, NULL) AS utm_content,
  if(channel_group = 'paid_search', ${pick(SEARCH_TERMS, u('term'))}, NULL) AS utm_term,
  multiIf(signup_channel IN ('x402', 'api'), NULL,
          channel_group IN ('organic_search', 'paid_search'), ${pick(SEARCH_REFERERS, u('referer'))},
          channel_group IN ('organic_social', 'paid_social'), ${pick(SOCIAL_REFERERS, u('referer'))},
          channel_group = 'referral', ${pick(REFERRAL_REFERERS, u('referer'))},
          channel_group = 'ai_assistant', ${pick(AI_REFERERS, u('referer'))},
          channel_group = 'affiliate', 'https://streamtools.example/reviews',
          NULL) AS http_referer,
  if(signup_channel IN ('web', 'wallet'), concat('https://frameworks.network', ${pick(LANDING_PATHS, u('landing'))}), NULL) AS landing_page,
  if(channel_group = 'referral_program', arrayElement([${REFERRAL_CODES.map((c) => `'${c}'`).join(', ')}], 1 + toUInt32(floor(pow(${u('code')}, 1.6) * ${REFERRAL_CODES.length}))), NULL) AS referral_code,
  if(referral_code IS NULL, '',
     multiIf(${u('code_status')} < 0.86, 'applied', ${u('code_status')} < 0.91, 'expired', ${u('code_status')} < 0.95, 'exhausted',
             ${u('code_status')} < 0.98, 'unknown', 'inactive')) AS referral_status,
  if(signup_channel IN ('web', 'wallet') OR ${u('user')} < 0.5,
     reinterpretAsUUID(MD5(concat('fw-demo/user/', toString({seed:UInt64}), '/', toString(n)))), NULL) AS user_id,
  if(channel_group != 'direct' AND ${u('first_touch')} < 0.7,
     toDateTime64(signup_at - toUInt32(floor(pow(${u('first_touch_lag')}, 2) * 14 * 86400)), 3, 'UTC'), NULL) AS first_touch_at,
  reinterpretAsUUID(MD5(concat('fw-demo/event/', toString({seed:UInt64}), '/', toString(n)))) AS event_id,
  multiIf(signup_channel = 'wallet', concat('{"chain":"', replaceOne(signup_method, 'wallet_', ''), '"}'),
          signup_channel = 'x402', '{"x402_version":1,"scheme":"exact","network":"base","asset":"USDC"}',
          '{}') AS metadata,

  -- usage profile
  toUInt8(${u('activate')} < if(signup_channel IN ('x402', 'api'), 0.85, 0.72)) AS activates,
  toUInt32(floor(pow(${u('lag')}, 3) * 45)) AS activation_lag,
  multiIf(signup_channel IN ('x402', 'api') AND ${u('kind')} < 0.45, 'api',
          ${u('kind')} < 0.14, 'api', ${u('kind')} < 0.22, 'vod', 'live') AS kind,
  -- churn: some stay for good, the others leave after an exponential lifetime
  if(${u('stay')} < 0.5, toUInt32(100000), toUInt32(7 + floor(-log(1 - ${u('life')}) * 300))) AS lifetime,
  if(activates = 1, signup_offset + activation_lag, {days:UInt32}) AS first_active,
  least({days:UInt32}, first_active + lifetime) AS active_end,
  (0.55 + 0.42 * ${u('p_day')}) * if(kind = 'vod', 0.5, 1.0) AS p_day,
  least(60.0, exp(1.3 * sqrt(-2 * log(1 - ${u('z1')})) * cos(2 * pi() * ${u('z2')}))) AS scale,
  ${pick(['eu-west-1', 'eu-west-1', 'us-east-1', 'us-east-1', 'ap-southeast-1'], u('cluster'))} AS cluster_id,
  0.6 + 1.6 * ${u('bitrate')} AS gb_per_hour,
  toUInt32(10 + scale * 60) AS viewer_pool,
  ${u('processing')} AS u_proc,
  arrayConcat(
    if(u_proc < 0.70, [('Livepeer', 'H264', 'video', 1.0)], []),
    if(u_proc < 0.70 AND ${u('hevc')} < 0.3, [('Livepeer', 'HEVC', 'video', 0.4)], []),
    if(u_proc >= 0.55, [('AV', if(${u('av1')} < 0.2, 'AV1', 'H264'), 'video', 1.0), ('AV', if(${u('opus')} < 0.5, 'opus', 'AAC'), 'audio', 1.0)], []),
    if(${u('thumbnails')} < 0.15, [('FFmpeg', 'JPEG', 'image', 0.02)], [])
  ) AS processing,
  multiIf(signup_channel = 'web', 'jwt', signup_channel = 'wallet', 'wallet', signup_channel = 'x402', 'x402', 'api_key') AS auth_type,
  arrayConcat(
    arrayMap(o -> (auth_type, o.1, o.2, o.3),
      arrayFilter((o, i) -> i = 1 OR cityHash64({seed:UInt64}, n, 'operation', i) % 100 < 30,
        [('query', 'streams', 1.0), ('query', 'streamAnalytics', 0.6), ('mutation', 'createStream', 0.1),
         ('mutation', 'updateStream', 0.15), ('query', 'viewerMetrics', 0.4), ('subscription', 'streamEvents', 0.3),
         ('mutation', 'createClip', 0.05), ('query', 'billingUsage', 0.05)],
        range(1, 9))),
    if(auth_type != 'api_key' AND ${u('second_auth')} < 0.4,
       [('api_key', 'query', 'streams', 0.5), ('api_key', 'mutation', 'createStream', 0.05)], [])
  ) AS operations,
  scale * if(kind = 'api', 3.0, 1.0) AS api_scale,
  if(${u('flaky')} < 0.06, 0.08 + 0.15 * ${u('flaky_rate')}, 0.002 + 0.02 * ${u('error_rate')}) AS error_rate,
  20 + 200 * ${u('latency')} AS latency_ms
FROM numbers({tenants:UInt32})`

/** A JSON string literal of a Nullable(String) expression (`null` for NULL). */
const jsonText = (expr: string): string => `if(isNull(${expr}), 'null', toJSONString(assumeNotNull(${expr})))`

/**
 * Tracked tenants get their acquisition event; the others are the `unattributed` bucket.
 * `copy` 1 is a replay (about 8 % of tenants); each copy is written by this package's relay
 * (derived fields in `event_data`) or, for about 30 % of first copies and half the replays,
 * by FrameWorks' Go ingest (its event data: the attribution proto fields only).
 */
export const INSERT_ACQUISITION_EVENTS = `
INSERT INTO tenant_acquisition_events
  (timestamp, tenant_id, user_id, signup_channel, signup_method, utm_source, utm_medium, utm_campaign,
   utm_content, utm_term, http_referer, landing_page, referral_code, is_agent, event_data)
SELECT signup_at, tenant_id, user_id, signup_channel, signup_method, utm_source, utm_medium, utm_campaign,
  utm_content, utm_term, http_referer, landing_page, referral_code, is_agent,
  if(if(copy = 0, ${u('writer')} < 0.3, ${u('replay_writer')} < 0.5),
    concat('{"attribution":{"signup_channel":', toJSONString(signup_channel), ',"signup_method":', toJSONString(signup_method),
      ',"referral_code":', ${jsonText('referral_code')}, ',"is_agent":', if(is_agent = 1, 'true', 'false'), '}}'),
    concat('{"source":"outbox","event_id":"', toString(event_id), '","referral_status":', ${jsonText("nullIf(referral_status, '')")},
      ',"attribution":{"channel_group":', toJSONString(channel_group), ',"client_kind":', toJSONString(client_kind),
      ',"first_touch_at":', if(isNull(first_touch_at), 'null', concat('"', formatDateTime(assumeNotNull(first_touch_at), '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC'), '"')),
      ',"metadata":', metadata, ',"last_touch":null}}'))
FROM ${STAGING_TABLE}
ARRAY JOIN range(1 + toUInt8(${u('replay')} < 0.08)) AS copy
WHERE tracked = 1
${INSERT_SETTINGS}`

/** Removes the staging table (also left over from a run that was cut short). */
export const DROP_TENANTS = `DROP TABLE IF EXISTS ${STAGING_TABLE}`

/** The tables the generator fills: FrameWorks' acquisition table, the three rollup stores and tenant_analytics_daily's. */
export const SEEDED_TABLES = [
  'tenant_acquisition_events', 'tenant_viewer_daily_store', 'processing_daily_store', 'api_usage_daily_store', 'tenant_analytics_daily_store'
] as const

/** The package's copy of the acquisition rows: emptied with them when the demo data is replaced. */
export const DERIVED_TABLES = ['attribution_signups'] as const

/**
 * Order-independent checksum per seeded table: row count and the sum of a hash of every
 * column (viewer and API states through their finalized counts). A store is read through
 * its view (the latest refresh of each key, with that refresh's version), so the figures
 * are equal across engines and whatever merges have run.
 */
export const CHECKSUMS = `
SELECT 'tenant_acquisition_events' AS table, count() AS rows,
  sum(cityHash64(toString((timestamp, tenant_id, user_id, signup_channel, signup_method, utm_source, utm_medium, utm_campaign,
    utm_content, utm_term, http_referer, landing_page, referral_code, is_agent, event_data)))) AS checksum
FROM tenant_acquisition_events
UNION ALL
SELECT 'tenant_viewer_daily_store', count(), sum(cityHash64(day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers, total_sessions, latest_refresh_version_ms))
FROM tenant_viewer_daily
UNION ALL
SELECT 'processing_daily_store', count(), sum(cityHash64(day, tenant_id, cluster_id, process_type, output_codec, track_type, media_seconds, segment_count, latest_refresh_version_ms))
FROM processing_daily
UNION ALL
SELECT 'api_usage_daily_store', count(), sum(cityHash64(day, tenant_id, auth_type, operation_type, operation_name, requests, errors, duration_ms,
  finalizeAggregation(unique_users_state), latest_refresh_version_ms))
FROM api_usage_daily
UNION ALL
SELECT 'tenant_analytics_daily_store', count(), sum(cityHash64(day, tenant_id, total_streams, total_views, unique_viewers, egress_bytes, latest_refresh_version_ms))
FROM tenant_analytics_daily`
