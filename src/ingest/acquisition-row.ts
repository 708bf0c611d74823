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
 * bounded and free of PII whoever produced it. So every text is sanitized and bounded again
 * here (the store clamps to its own column sizes, but an outbox row may predate a rule, and
 * external events are untrusted), e-mail and wallet addresses and credential-like tokens
 * become `(redacted)` (src/shared/redact.ts), URLs keep scheme, host and path only, and
 * `event_data` (metadata and last touch as JSON) is capped in size. Throws `TypeError` only for an event
 * that cannot be a row at all (no valid ids or time); the relay parks such an event.
 */
import {
  CHANNEL_GROUPS, CLIENT_KINDS, REFERRAL_STATUSES, isUuid,
  type ChannelGroup, type ClientKind, type TenantCreatedEvent, type Touch
} from '../contracts.ts'
import { hasToken, hasWallet, isPiiValue, isSensitive } from '../shared/redact.ts'
import { redactUrl, sanitizeText, sanitizeUrl, sanitizeValue } from '../shared/sanitize.ts'

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

/** Bounds (code points) of the texts written to ClickHouse. */
export const ROW_LIMITS = Object.freeze({
  channel: 32,
  method: 64,
  utm: 255,
  url: 1024,
  referralCode: 100,
  /** `event_data` JSON, in UTF-16 code units (≈ bytes for the ASCII it mostly holds). */
  eventData: 8192
})

/** Where a row came from; kept in `event_data.source`. */
export type RowSource = 'outbox' | 'service_event'

const CHANNEL_GROUP_SET = new Set<string>(CHANNEL_GROUPS)
const CLIENT_KIND_SET = new Set<string>(CLIENT_KINDS)
const REFERRAL_STATUS_SET = new Set<string>(REFERRAL_STATUSES)
/** DateTime (seconds, UInt32) covers 1970 … 2106; refuse what it cannot hold. */
const MAX_DATETIME_MS = Date.UTC(2106, 0, 1)

/** Milliseconds of an ISO time that a ClickHouse `DateTime` can hold, else NaN. */
export function parseEventTime (value: unknown): number {
  if (typeof value !== 'string' || value.length > 40) return Number.NaN
  const ms = Date.parse(value)
  return ms >= 0 && ms < MAX_DATETIME_MS ? ms : Number.NaN
}

// An http(s) URL that is already scheme + lower-case host + path with nothing to strip or
// normalize (no query, fragment, userinfo, dot segments or `@`): what the capture plugin
// stores. Such a value skips `new URL` (a few µs per row); its path is still redacted.
const CLEAN_URL = /^https?:\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?(?:\/[A-Za-z0-9_~!$&'()*+,;=:-][A-Za-z0-9._~!$&'()*+,;=:-]*|\/)+$/

/** `sanitizeUrl`, with a fast path for values that are clean already. */
function boundedUrl (value: unknown): string | null {
  if (typeof value === 'string' && value.length < ROW_LIMITS.url && CLEAN_URL.test(value)) return redactUrl(value)
  return sanitizeUrl(value, ROW_LIMITS.url)
}

/** A `utm_*` value as it may be written: bounded, `(redacted)` when it holds an address or token. */
export const rowText = (value: unknown): string | null => sanitizeValue(value, ROW_LIMITS.utm)

const codeIsSensitive = (code: string): boolean => isSensitive(code, false)
/** A referral code as it may be written: bounded, `(redacted)` when it holds an address (codes are exempt from the token rule). */
export const rowReferralCode = (value: unknown): string | null => sanitizeValue(value, ROW_LIMITS.referralCode, codeIsSensitive)


const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/
const METADATA_MAX_KEYS = 32
const METADATA_MAX_TEXT = 200

/**
 * Metadata as it may be stored: keys of `[A-Za-z0-9_.-]` (a key holding a wallet address or
 * token is dropped), at most 32 per level and two levels deep, values scalars (texts
 * bounded) or nested objects; a text holding an e-mail, wallet or IP address or a
 * credential-like token becomes `(redacted)`.
 */
export function scrubMetadata (value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  let kept = 0
  for (const [key, v] of Object.entries(value)) {
    if (kept >= METADATA_MAX_KEYS) break
    if (!METADATA_KEY.test(key) || hasWallet(key) || hasToken(key)) continue
    let clean: unknown
    if (typeof v === 'string') {
      clean = sanitizeValue(v, METADATA_MAX_TEXT, isPiiValue) ?? undefined
    } else if (typeof v === 'number') {
      clean = Number.isFinite(v) ? v : undefined
    } else if (typeof v === 'boolean' || v === null) {
      clean = v
    } else if (depth < 1 && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      clean = scrubMetadata(v as Record<string, unknown>, depth + 1)
    }
    if (clean === undefined) continue
    out[key] = clean
    kept++
  }
  return out
}

function metadataObject (json: unknown): Record<string, unknown> {
  if (typeof json !== 'string' || json === '' || json.length > ROW_LIMITS.eventData * 4) return {}
  try {
    const parsed: unknown = JSON.parse(json)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? scrubMetadata(parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function boundedTouch (touch: unknown): Touch | null {
  if (touch === null || typeof touch !== 'object' || Array.isArray(touch)) return null
  const t = touch as Record<string, unknown>
  const channelGroup = sanitizeText(t.channel_group, ROW_LIMITS.channel)
  const at = parseEventTime(t.at)
  return {
    at: Number.isNaN(at) ? '' : new Date(at).toISOString(),
    utm_source: rowText(t.utm_source),
    utm_medium: rowText(t.utm_medium),
    utm_campaign: rowText(t.utm_campaign),
    utm_content: rowText(t.utm_content),
    utm_term: rowText(t.utm_term),
    click_id_type: sanitizeValue(t.click_id_type, ROW_LIMITS.channel),
    referral_code: rowReferralCode(t.referral_code),
    http_referer: boundedUrl(t.http_referer),
    landing_page: boundedUrl(t.landing_page),
    channel_group: (channelGroup !== null && CHANNEL_GROUP_SET.has(channelGroup) ? channelGroup : 'direct') as ChannelGroup
  }
}

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
  const a = event.attribution
  if (a === null || typeof a !== 'object') throw new TypeError('attribution is not an object')
  const channelGroup = sanitizeText(a.channel_group, ROW_LIMITS.channel)
  const clientKind = sanitizeText(a.client_kind, ROW_LIMITS.channel)
  const firstTouchAt = parseEventTime(a.first_touch_at)
  const referralStatus = typeof event.referral_status === 'string' && REFERRAL_STATUS_SET.has(event.referral_status) ? event.referral_status : null
  const eventId = event.event_id.toLowerCase()
  return {
    timestamp: Math.floor(at / 1000),
    tenant_id: event.tenant_id.toLowerCase(),
    user_id: isUuid(event.user_id) ? event.user_id.toLowerCase() : null,
    signup_channel: sanitizeValue(a.signup_channel, ROW_LIMITS.channel) ?? 'web',
    signup_method: sanitizeValue(a.signup_method, ROW_LIMITS.method) ?? 'unknown',
    utm_source: rowText(a.utm_source),
    utm_medium: rowText(a.utm_medium),
    utm_campaign: rowText(a.utm_campaign),
    utm_content: rowText(a.utm_content),
    utm_term: rowText(a.utm_term),
    http_referer: boundedUrl(a.http_referer),
    landing_page: boundedUrl(a.landing_page),
    referral_code: rowReferralCode(a.referral_code),
    is_agent: a.is_agent === true ? 1 : 0,
    event_data: eventData({
      source,
      event_id: eventId,
      referral_status: referralStatus,
      attribution: {
        channel_group: (channelGroup !== null && CHANNEL_GROUP_SET.has(channelGroup) ? channelGroup : 'direct') as ChannelGroup,
        client_kind: (clientKind !== null && CLIENT_KIND_SET.has(clientKind) ? clientKind : 'browser') as ClientKind,
        first_touch_at: Number.isNaN(firstTouchAt) ? null : new Date(firstTouchAt).toISOString(),
        metadata: metadataObject(a.metadata_json),
        last_touch: boundedTouch(a.last_touch)
      }
    }),
    event_id: eventId
  }
}
