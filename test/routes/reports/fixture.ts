/**
 * A small, hand-checkable data set for the report tests: four tenants (one without an
 * acquisition event, one with a replayed event), usage in all three rollups, a row outside
 * the range, and a campaign value that is a spreadsheet formula.
 */
import type { ClickHouseClient } from '@clickhouse/client'

export const T1 = '11111111-1111-4111-8111-111111111111'
export const T2 = '22222222-2222-4222-8222-222222222222'
export const T3 = '33333333-3333-4333-8333-333333333333'
export const T4 = '44444444-4444-4444-8444-444444444444'
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
  channel_group: string
  client_kind: string
  referral_status: string
  ingested_at: string
}

export const ACQUISITIONS: AcquisitionRow[] = [
  { timestamp: '2026-01-05 10:00:00', tenant_id: T1, signup_channel: 'web', signup_method: 'email_password', utm_source: 'google', utm_medium: 'cpc', utm_campaign: FORMULA, referral_code: 'PARTNER1', is_agent: 0, channel_group: 'paid_search', client_kind: 'browser', referral_status: 'applied', ingested_at: '2026-01-05 10:00:01.000' },
  // A replay of T1's event, ingested again later: T1 must still count once.
  { timestamp: '2026-01-05 10:00:00', tenant_id: T1, signup_channel: 'web', signup_method: 'email_password', utm_source: 'google', utm_medium: 'cpc', utm_campaign: FORMULA, referral_code: 'PARTNER1', is_agent: 0, channel_group: 'paid_search', client_kind: 'browser', referral_status: 'applied', ingested_at: '2026-01-06 00:00:00.000' },
  { timestamp: '2026-01-06 23:30:00', tenant_id: T2, signup_channel: 'wallet', signup_method: 'wallet_base', utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch', referral_code: 'BADCODE', is_agent: 1, channel_group: 'organic_social', client_kind: 'ai_coding_agent', referral_status: 'unknown', ingested_at: '2026-01-06 23:30:01.000' },
  { timestamp: '2026-02-10 08:00:00', tenant_id: T3, signup_channel: 'api', signup_method: 'api_key', utm_source: null, utm_medium: null, utm_campaign: null, referral_code: 'partner1', is_agent: 0, channel_group: 'direct', client_kind: 'browser', referral_status: 'exhausted', ingested_at: '2026-02-10 08:00:01.000' }
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
  { day: '2026-02-03', tenant_id: T1, viewer_hours: 1, egress_gb: 0.25, viewers: ['a'], total_sessions: 1 }
]

export const PROCESSING: ProcessingRow[] = [
  { day: '2026-01-07', tenant_id: T2, process_type: 'Livepeer', media_seconds: 120.5 },
  { day: '2026-01-07', tenant_id: T2, process_type: 'AV', media_seconds: 60 },
  { day: '2026-01-13', tenant_id: T4, process_type: 'Livepeer', media_seconds: 100 },
  { day: '2026-02-11', tenant_id: T3, process_type: 'AV', media_seconds: 30 },
  { day: '2026-02-11', tenant_id: T3, process_type: 'Thumbnail', media_seconds: 10 }
]

export const API: ApiRow[] = [
  { day: '2026-01-08', tenant_id: T4, requests: 7, errors: 1 },
  { day: '2026-01-20', tenant_id: T1, requests: 10, errors: 0 },
  { day: '2026-02-10', tenant_id: T3, requests: 100, errors: 5 },
  { day: '2026-03-05', tenant_id: T3, requests: 1000, errors: 0 }
]

/** Loads the fixture (tables must exist). */
export async function loadFixture (client: ClickHouseClient): Promise<void> {
  const events = ACQUISITIONS.map((a) => ({ ...a, user_id: null, utm_content: null, utm_term: null, http_referer: null, landing_page: null, event_data: '{}', event_id: `00000000-0000-4000-8000-${a.tenant_id.slice(-12)}`, first_touch_at: null }))
  // Two inserts (two parts), so the replay is still there at read time, as before a merge.
  await client.insert({ table: 'tenant_acquisition_events', format: 'JSONEachRow', values: events.slice(0, 1) })
  await client.insert({ table: 'tenant_acquisition_events', format: 'JSONEachRow', values: events.slice(1) })
  const tuple = (v: ViewerRow): string => `('${v.day}', '${v.tenant_id}', ${v.viewer_hours}, ${v.egress_gb}, [${v.viewers.map((x) => `'${x}'`).join(', ')}], ${v.total_sessions})`
  await client.command({
    query: `INSERT INTO tenant_viewer_daily (day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state, total_sessions)
      SELECT toDate(d), toUUID(t), 'c1', vh, eg, arrayReduce('uniqCombinedState', v), s
      FROM values('d String, t String, vh Float64, eg Float64, v Array(String), s UInt64', ${VIEWERS.map(tuple).join(', ')})`
  })
  await client.insert({
    table: 'processing_daily',
    format: 'JSONEachRow',
    values: PROCESSING.map((p) => ({ ...p, cluster_id: 'c1', output_codec: 'h264', track_type: 'video', segment_count: 1 }))
  })
  await client.insert({
    table: 'api_usage_daily',
    format: 'JSONEachRow',
    values: API.map((a) => ({ ...a, auth_type: 'jwt', operation_type: 'query', operation_name: 'streams', duration_ms: 1 }))
  })
}
