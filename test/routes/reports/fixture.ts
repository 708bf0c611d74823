/**
 * A small, hand-checkable data set for the report tests, written into FrameWorks' own
 * tables the way FrameWorks writes them:
 *
 * - four tenants with usage in the range (T4 without an acquisition event: `unattributed`);
 * - acquisition events from both writers: T1's event twice (FrameWorks' Go ingest and this
 *   package's relay, a replay), T6's only from FrameWorks' Go ingest (no derived field), T5
 *   signed up more than 730 days ago (FrameWorks' TTL deletes its row);
 * - rollup stores holding an earlier refresh of some keys beside the latest (the views keep
 *   the latest), all-zero rows (a tombstoned bucket must not count a tenant as active), and
 *   FFmpeg processing (other processing);
 * - tenant_analytics_daily with restream bytes on some tenant-days, so that its egress (the
 *   one the reports use) differs from tenant_viewer_daily's playback egress there;
 * - a row outside the range and a campaign value that is a spreadsheet formula.
 */
import type { ClickHouseClient } from '@clickhouse/client'

export const T1 = '11111111-1111-4111-8111-111111111111'
export const T2 = '22222222-2222-4222-8222-222222222222'
export const T3 = '33333333-3333-4333-8333-333333333333'
export const T4 = '44444444-4444-4444-8444-444444444444'
export const T5 = '55555555-5555-4555-8555-555555555555'
export const T6 = '66666666-6666-4666-8666-666666666666'
export const FORMULA = '=HYPERLINK("http://evil.example","x")'

export interface AcquisitionRow {
  timestamp: string
  tenant_id: string
  signup_channel: string
  signup_method: string
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  referral_code: string | null
  is_agent: number
  /** Who wrote the row: this package's relay (derived fields in event_data) or FrameWorks' Go ingest (none). */
  writer: 'relay' | 'frameworks'
  client_kind: string
  referral_status: string | null
}

export const ACQUISITIONS: AcquisitionRow[] = [
  // T1's event as FrameWorks' Go ingest wrote it, and again by the relay: T1 must count once,
  // with the relay's derived fields.
  { timestamp: '2026-01-05 10:00:00', tenant_id: T1, signup_channel: 'web', signup_method: 'email_password', utm_source: 'google', utm_medium: 'cpc', utm_campaign: FORMULA, referral_code: 'PARTNER1', is_agent: 0, writer: 'frameworks', client_kind: 'browser', referral_status: 'applied' },
  { timestamp: '2026-01-05 10:00:00', tenant_id: T1, signup_channel: 'web', signup_method: 'email_password', utm_source: 'google', utm_medium: 'cpc', utm_campaign: FORMULA, referral_code: 'PARTNER1', is_agent: 0, writer: 'relay', client_kind: 'browser', referral_status: 'applied' },
  { timestamp: '2026-01-06 23:30:00', tenant_id: T2, signup_channel: 'wallet', signup_method: 'wallet_base', utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch', referral_code: 'BADCODE', is_agent: 1, writer: 'relay', client_kind: 'ai_coding_agent', referral_status: 'unknown' },
  { timestamp: '2026-02-10 08:00:00', tenant_id: T3, signup_channel: 'api', signup_method: 'api_key', utm_source: null, utm_medium: null, utm_campaign: null, referral_code: 'partner1', is_agent: 0, writer: 'relay', client_kind: 'automation', referral_status: 'exhausted' },
  // Older than FrameWorks' 730-day TTL: its row there goes, its cohort must not.
  { timestamp: '2023-06-01 12:00:00', tenant_id: T5, signup_channel: 'web', signup_method: 'email_password', utm_source: 'bing', utm_medium: 'organic', utm_campaign: null, referral_code: null, is_agent: 0, writer: 'frameworks', client_kind: '', referral_status: null },
  // Only FrameWorks' Go ingest saw it: no client kind, channel group derived in SQL (email).
  { timestamp: '2025-12-20 09:00:00', tenant_id: T6, signup_channel: 'web', signup_method: 'email_password', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'dec', referral_code: null, is_agent: 0, writer: 'frameworks', client_kind: '', referral_status: null }
]

export interface ViewerRow { day: string, tenant_id: string, viewer_hours: number, egress_gb: number, viewers: string[], total_sessions: number }
export interface ProcessingRow { day: string, tenant_id: string, process_type: string, media_seconds: number }
export interface ApiRow { day: string, tenant_id: string, requests: number, errors: number }

// Values are exact binary fractions, so sums are exact and can be compared with ===.
export const VIEWERS: ViewerRow[] = [
  { day: '2025-12-31', tenant_id: T1, viewer_hours: 100, egress_gb: 100, viewers: ['z'], total_sessions: 100 },
  { day: '2026-01-05', tenant_id: T1, viewer_hours: 1.5, egress_gb: 0.25, viewers: ['a', 'b'], total_sessions: 3 },
  { day: '2026-01-06', tenant_id: T1, viewer_hours: 2, egress_gb: 0.5, viewers: ['b', 'c'], total_sessions: 2 },
  { day: '2026-01-06', tenant_id: T2, viewer_hours: 0.5, egress_gb: 0.125, viewers: ['c', 'd'], total_sessions: 1 },
  { day: '2026-01-12', tenant_id: T4, viewer_hours: 4, egress_gb: 1, viewers: ['e'], total_sessions: 5 },
  { day: '2026-02-03', tenant_id: T1, viewer_hours: 1, egress_gb: 0.25, viewers: ['a'], total_sessions: 1 },
  { day: '2026-03-10', tenant_id: T5, viewer_hours: 2, egress_gb: 0.5, viewers: ['f'], total_sessions: 2 }
]

/**
 * Earlier refreshes of keys that the rows above replace (their figures must never show), and
 * tombstones: keys whose latest refresh is all zeros (no usage, no activity).
 */
export const SUPERSEDED_VIEWERS: ViewerRow[] = [
  { day: '2026-01-05', tenant_id: T1, viewer_hours: 0.5, egress_gb: 0.125, viewers: ['a', 'x', 'y'], total_sessions: 9 },
  { day: '2026-01-25', tenant_id: T4, viewer_hours: 3, egress_gb: 0.75, viewers: ['q'], total_sessions: 3 }
]
export const ZERO_VIEWERS: ViewerRow[] = [
  { day: '2026-01-25', tenant_id: T4, viewer_hours: 0, egress_gb: 0, viewers: [], total_sessions: 0 },
  { day: '2026-01-21', tenant_id: T2, viewer_hours: 0, egress_gb: 0, viewers: [], total_sessions: 0 }
]

/**
 * FrameWorks' tenant_analytics_daily, the egress the reports use: playback (the viewer rows'
 * egress above) plus restream delivery, in GiB here and written as bytes. On T1 Jan 6 and T4
 * Jan 12 restream adds to playback, and T2 Jan 7 and T3 Feb 11 restream with no playback at
 * all (days those tenants are active anyway): there the two FrameWorks views disagree.
 */
export interface AnalyticsRow { day: string, tenant_id: string, playback_gib: number, restream_gib: number }
export const ANALYTICS: AnalyticsRow[] = [
  { day: '2025-12-31', tenant_id: T1, playback_gib: 100, restream_gib: 0 },
  { day: '2026-01-05', tenant_id: T1, playback_gib: 0.25, restream_gib: 0 },
  { day: '2026-01-06', tenant_id: T1, playback_gib: 0.5, restream_gib: 0.5 },
  { day: '2026-01-06', tenant_id: T2, playback_gib: 0.125, restream_gib: 0 },
  { day: '2026-01-07', tenant_id: T2, playback_gib: 0, restream_gib: 0.25 },
  { day: '2026-01-12', tenant_id: T4, playback_gib: 1, restream_gib: 2 },
  { day: '2026-02-03', tenant_id: T1, playback_gib: 0.25, restream_gib: 0 },
  { day: '2026-02-11', tenant_id: T3, playback_gib: 0, restream_gib: 0.125 },
  { day: '2026-03-10', tenant_id: T5, playback_gib: 0.5, restream_gib: 0 }
]
/** An earlier refresh of a key (never shown) and tombstones, as for the viewer rows. */
export const SUPERSEDED_ANALYTICS: AnalyticsRow[] = [
  { day: '2026-01-05', tenant_id: T1, playback_gib: 0.125, restream_gib: 4 },
  { day: '2026-01-25', tenant_id: T4, playback_gib: 0.75, restream_gib: 0 }
]
export const ZERO_ANALYTICS: AnalyticsRow[] = [
  { day: '2026-01-25', tenant_id: T4, playback_gib: 0, restream_gib: 0 },
  { day: '2026-01-21', tenant_id: T2, playback_gib: 0, restream_gib: 0 }
]

export const PROCESSING: ProcessingRow[] = [
  { day: '2026-01-07', tenant_id: T2, process_type: 'Livepeer', media_seconds: 120.5 },
  { day: '2026-01-07', tenant_id: T2, process_type: 'AV', media_seconds: 60 },
  { day: '2026-01-13', tenant_id: T4, process_type: 'Livepeer', media_seconds: 100 },
  { day: '2026-02-11', tenant_id: T3, process_type: 'AV', media_seconds: 30 },
  { day: '2026-02-11', tenant_id: T3, process_type: 'FFmpeg', media_seconds: 10 }
]
export const SUPERSEDED_PROCESSING: ProcessingRow[] = [
  { day: '2026-01-07', tenant_id: T2, process_type: 'Livepeer', media_seconds: 999 }
]

export const API: ApiRow[] = [
  { day: '2026-01-08', tenant_id: T4, requests: 7, errors: 1 },
  { day: '2026-01-20', tenant_id: T1, requests: 10, errors: 0 },
  { day: '2026-02-10', tenant_id: T3, requests: 100, errors: 5 },
  { day: '2026-03-05', tenant_id: T3, requests: 1000, errors: 0 }
]
export const SUPERSEDED_API: ApiRow[] = [
  { day: '2026-02-10', tenant_id: T3, requests: 40, errors: 2 }
]
export const ZERO_API: ApiRow[] = [
  { day: '2026-02-15', tenant_id: T3, requests: 0, errors: 0 }
]

/** FrameWorks' refresh versions: an earlier refresh and the latest. */
const EARLY = '2026-06-01 00:00:00.000'
const LATEST = '2026-06-01 01:00:00.000'

/** `event_data` as each writer fills it. */
function eventData (a: AcquisitionRow): string {
  if (a.writer === 'frameworks') return JSON.stringify({ attribution: { signup_channel: a.signup_channel, signup_method: a.signup_method } })
  return JSON.stringify({
    source: 'outbox',
    event_id: `00000000-0000-4000-8000-${a.tenant_id.slice(-12)}`,
    referral_status: a.referral_status,
    attribution: { channel_group: 'direct', client_kind: a.client_kind, first_touch_at: null, metadata: {}, last_touch: null }
  })
}

/** The event that FrameWorks' TTL deletes: written while the package was installed, as it was when fresh. */
export const EXPIRING_TENANT = T5

/** Acquisition rows as each writer inserts them into FrameWorks' table. */
async function insertEvents (client: ClickHouseClient, rows: AcquisitionRow[]): Promise<void> {
  const events = rows.map((a) => ({
    timestamp: a.timestamp,
    tenant_id: a.tenant_id,
    user_id: null,
    signup_channel: a.signup_channel,
    signup_method: a.signup_method,
    utm_source: a.utm_source,
    utm_medium: a.utm_medium,
    utm_campaign: a.utm_campaign,
    utm_content: null,
    utm_term: null,
    http_referer: null,
    landing_page: null,
    referral_code: a.referral_code,
    is_agent: a.is_agent,
    event_data: eventData(a)
  }))
  // One insert per event (separate parts), so the replay is still there at read time, as before a merge.
  for (const event of events) await client.insert({ table: 'tenant_acquisition_events', format: 'JSONEachRow', values: [event] })
}

/**
 * The events older than FrameWorks' 730-day TTL, inserted after the package's migrations: on
 * a real deployment such a row was written when it was fresh, and the package kept its copy
 * before the TTL removed FrameWorks' row.
 */
export async function loadExpiringEvents (client: ClickHouseClient): Promise<void> {
  await insertEvents(client, ACQUISITIONS.filter((a) => a.tenant_id === EXPIRING_TENANT))
}

/** Loads the fixture into FrameWorks' tables (they must exist), all but {@link loadExpiringEvents}. */
export async function loadFixture (client: ClickHouseClient): Promise<void> {
  await insertEvents(client, ACQUISITIONS.filter((a) => a.tenant_id !== EXPIRING_TENANT))
  const tuple = (v: ViewerRow, version: string): string =>
    `('${v.day}', '${v.tenant_id}', ${v.viewer_hours}, ${v.egress_gb}, [${v.viewers.map((x) => `'${x}'`).join(', ')}], ${v.total_sessions}, '${version}')`
  const viewerRows = [...SUPERSEDED_VIEWERS.map((v) => tuple(v, EARLY)), ...VIEWERS.map((v) => tuple(v, LATEST)), ...ZERO_VIEWERS.map((v) => tuple(v, LATEST))]
  await client.command({
    query: `INSERT INTO tenant_viewer_daily_store (day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state, total_sessions, refresh_version_ms)
      SELECT toDate(d), toUUID(t), 'c1', vh, eg, arrayReduce('uniqCombinedState', v), s, toDateTime64(r, 3)
      FROM values('d String, t String, vh Float64, eg Float64, v Array(String), s UInt64, r String', ${viewerRows.join(', ')})`
  })
  const analytics = (a: AnalyticsRow, version: string): string =>
    `('${a.day}', '${a.tenant_id}', ${(a.playback_gib + a.restream_gib) * 2 ** 30}, ${a.restream_gib > 0 ? 2 : 1}, '${version}')`
  await client.command({
    query: `INSERT INTO tenant_analytics_daily_store (day, tenant_id, total_streams, total_views, unique_viewers_state, egress_bytes, refresh_version_ms)
      SELECT toDate(d), toUUID(t), streams, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')), b, toDateTime64(r, 3)
      FROM values('d String, t String, b UInt64, streams UInt64, r String',
        ${[...SUPERSEDED_ANALYTICS.map((a) => analytics(a, EARLY)), ...ANALYTICS.map((a) => analytics(a, LATEST)), ...ZERO_ANALYTICS.map((a) => analytics(a, LATEST))].join(', ')})`
  })
  const processing = (p: ProcessingRow, version: string): Record<string, unknown> =>
    ({ ...p, cluster_id: 'c1', output_codec: 'h264', track_type: 'video', segment_count: 1, refresh_version_ms: version })
  await client.insert({
    table: 'processing_daily_store',
    format: 'JSONEachRow',
    values: [...SUPERSEDED_PROCESSING.map((p) => processing(p, EARLY)), ...PROCESSING.map((p) => processing(p, LATEST))]
  })
  const api = (a: ApiRow, version: string): string =>
    `('${a.day}', '${a.tenant_id}', ${a.requests}, ${a.errors}, '${version}')`
  await client.command({
    query: `INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, duration_ms, complexity,
        unique_users_state, unique_tokens_state, refresh_version_ms)
      SELECT toDate(d), toUUID(t), 'jwt', 'query', 'streams', q, e, 1, 0,
        arrayReduce('uniqCombinedState', [toUInt64(1)]), arrayReduce('uniqCombinedState', [toUInt64(2)]), toDateTime64(r, 3)
      FROM values('d String, t String, q UInt64, e UInt64, r String',
        ${[...SUPERSEDED_API.map((a) => api(a, EARLY)), ...API.map((a) => api(a, LATEST)), ...ZERO_API.map((a) => api(a, LATEST))].join(', ')})`
  })
}
