/**
 * Maps a `tenant_created` event to a row of FrameWorks' `tenant_acquisition_events`.
 *
 * The row has FrameWorks' columns only (its table has no others, and the package never adds
 * one). What the package derives beside the proto fields (event id, client kind, first
 * touch, referral outcome, the channel group recorded at capture) travels in `event_data`,
 * FrameWorks' overflow column, in the shape FrameWorks' own Go ingest gives it (the event's
 * data, with the attribution under `attribution`), so both writers' rows read alike:
 * `{"source", "event_id", "referral_status", "attribution": {"channel_group",
 * "client_kind", "first_touch_at", "metadata", "last_touch"}}`. ClickHouse copies every row
 * into `attribution_signups`, which extracts those fields (sql/clickhouse/attribution/001).
 *
 * Why a separate, pure module: the relay (outbox events) and the service-event ingest
 * (events from FrameWorks' bus) write the same rows, and whatever reaches ClickHouse must be
 * bounded and free of PII whoever produced it. So the attribution goes through the shared
 * normalizer again (src/shared/normalize.ts) with the row's bounds (the store bounds to its
 * own column sizes, but an outbox row may predate a rule, and external events are
 * untrusted), and `event_data` (metadata and last touch as JSON) is capped in size. Throws `TypeError` only for an event
 * that cannot be a row at all (no valid ids or time); the relay parks such an event.
 */
import { REFERRAL_STATUSES, isUuid, type ChannelGroup, type ClientKind, type TenantCreatedEvent, type Touch } from '../contracts.ts'
import { eventTimeMs, normalizeAttribution, protoTextFields, ROW_ATTRIBUTION_LIMITS } from '../shared/normalize.ts'

/**
 * One `tenant_acquisition_events` row as written, plus the `event_id` it carries (inside
 * `event_data`; the writer derives its deduplication token from it). FrameWorks' envelope
 * columns (`source_region`, …, `schema_version`) keep their defaults.
 */
export interface AcquisitionRow {
  /**
   * Seconds since the epoch. FrameWorks' column is a `DateTime` in the server's time zone,
   * which a `YYYY-MM-DD hh:mm:ss` text would be read in; a number is the same instant
   * whatever that zone is.
   */
  timestamp: number
  tenant_id: string
  user_id: string | null
  signup_channel: string
  signup_method: string
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_content: string | null
  utm_term: string | null
  http_referer: string | null
  landing_page: string | null
  referral_code: string | null
  is_agent: 0 | 1
  event_data: string
  /** Not a column: the event id, also inside `event_data`. */
  event_id: string
}

/** What the package keeps in `event_data` (parsed). */
export interface AcquisitionEventData {
  source: RowSource
  event_id: string
  referral_status: string | null
  attribution: {
    channel_group: ChannelGroup
    client_kind: ClientKind
    /** ISO time, or null. */
    first_touch_at: string | null
    metadata: Record<string, unknown>
    last_touch: Touch | null
  }
  /** Set when metadata or the last touch were dropped to stay within the size bound. */
  truncated?: true
}

/** The columns the writer names in its INSERT: FrameWorks' own, the envelope left to its defaults. */
export const ACQUISITION_COLUMNS = [
  'timestamp', 'tenant_id', 'user_id', 'signup_channel', 'signup_method',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
  'http_referer', 'landing_page', 'referral_code', 'is_agent', 'event_data'
] as const satisfies ReadonlyArray<keyof AcquisitionRow>

/** Bounds (code points) of the texts written to ClickHouse: `ROW_ATTRIBUTION_LIMITS`, by field. */
export const ROW_LIMITS = Object.freeze({
  method: ROW_ATTRIBUTION_LIMITS.method,
  utm: ROW_ATTRIBUTION_LIMITS.utm.utm_source,
  url: ROW_ATTRIBUTION_LIMITS.url,
  referralCode: ROW_ATTRIBUTION_LIMITS.referralCode,
  /** `event_data` JSON, in UTF-16 code units (≈ bytes for the ASCII it mostly holds). */
  eventData: ROW_ATTRIBUTION_LIMITS.json
})

/** Where a row came from; kept in `event_data.source`. */
export type RowSource = 'outbox' | 'service_event'

const REFERRAL_STATUS_SET = new Set<string>(REFERRAL_STATUSES)

/** Milliseconds of an ISO time that a ClickHouse `DateTime` can hold, else NaN. */
export const parseEventTime = eventTimeMs

/** `event_data` as JSON, never above `ROW_LIMITS.eventData`: metadata, then the last touch, give way first. */
function eventData (data: AcquisitionEventData): string {
  let text = JSON.stringify(data)
  if (text.length <= ROW_LIMITS.eventData) return text
  text = JSON.stringify({ ...data, attribution: { ...data.attribution, metadata: {} }, truncated: true })
  if (text.length <= ROW_LIMITS.eventData) return text
  return JSON.stringify({ ...data, attribution: { ...data.attribution, metadata: {}, last_touch: null }, truncated: true })
}

/**
 * The row for an event. Throws `TypeError` naming the field when the event has no valid
 * `event_id`, `tenant_id` or `timestamp`, or no `attribution` object.
 */
export function toAcquisitionRow (event: TenantCreatedEvent, source: RowSource = 'outbox'): AcquisitionRow {
  if (event === null || typeof event !== 'object') throw new TypeError('event is not an object')
  if (!isUuid(event.event_id)) throw new TypeError('event_id is not a UUID')
  if (!isUuid(event.tenant_id)) throw new TypeError('tenant_id is not a UUID')
  const at = parseEventTime(event.timestamp)
  if (Number.isNaN(at)) throw new TypeError('timestamp is not an ISO time ClickHouse can hold')
  if (event.attribution === null || typeof event.attribution !== 'object') throw new TypeError('attribution is not an object')
  const a = normalizeAttribution(event.attribution, ROW_ATTRIBUTION_LIMITS)
  const referralStatus = typeof event.referral_status === 'string' && REFERRAL_STATUS_SET.has(event.referral_status) ? event.referral_status : null
  const eventId = event.event_id.toLowerCase()
  return {
    timestamp: Math.floor(at / 1000),
    tenant_id: event.tenant_id.toLowerCase(),
    user_id: isUuid(event.user_id) ? event.user_id.toLowerCase() : null,
    ...protoTextFields(a),
    is_agent: a.is_agent ? 1 : 0,
    event_data: eventData({
      source,
      event_id: eventId,
      referral_status: referralStatus,
      attribution: {
        channel_group: a.channel_group,
        client_kind: a.client_kind,
        first_touch_at: a.first_touch_at,
        metadata: JSON.parse(a.metadata_json) as Record<string, unknown>,
        last_touch: a.last_touch
      }
    }),
    event_id: eventId
  }
}
