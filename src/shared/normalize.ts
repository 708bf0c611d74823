/**
 * The one normalizer: turns any attribution input into the attribution the package keeps.
 *
 * Inputs: what the capture plugin builds from a touch and a signup form, a host-built
 * `SignupAttribution`, a service event's attribution, an outbox event on its way to
 * ClickHouse. Each layer that must defend itself calls `normalizeAttribution` with its own
 * `AttributionLimits` (the capture plugin its options, the store its column sizes, the relay
 * its row bounds); the rules are these, in one place:
 * - texts are sanitized and bounded, and a text holding an e-mail or wallet address or a
 *   credential-like token becomes `(redacted)` (redact.ts, sanitize.ts);
 * - URLs keep scheme, host and path, sensitive path segments redacted;
 * - a referral code is kept when it has the shape of a code (`referralCodePattern`, by
 *   default `DEFAULT_REFERRAL_CODE_PATTERN`); a code holding an address becomes `(redacted)`
 *   (a code is exempt from the token rule); anything else is no code;
 * - metadata is scrubbed (metadata.ts), the last touch normalized field by field;
 * - fallbacks, one decision each: a missing or unknown channel group is derived from the
 *   fields by the channel rule table (channel.ts, the same rules the ClickHouse view runs in
 *   SQL), never a constant; a missing or unknown client kind is `unknown`; a missing or
 *   unknown signup channel is `web`; a missing signup method is `unknown`; a time outside
 *   1970–2105 is no time.
 *
 * Normalizing is idempotent: a normalized attribution normalizes to itself with the same
 * limits (test/shared/normalize.test.ts). Nothing here throws.
 */
import {
  CHANNEL_GROUPS, CLIENT_KINDS, SIGNUP_CHANNELS,
  type ChannelGroup, type ClientKind, type SignupAttribution, type SignupChannel, type Touch
} from '../contracts.ts'
import { channelGroupOf } from './channel.ts'
import { METADATA_LIMITS, metadataOf, type MetadataLimits } from './metadata.ts'
import { isSensitive, REDACTED } from './redact.ts'
import { hostOf, redactUrl, sanitizeText, sanitizeUrl, sanitizeValue } from './sanitize.ts'

/** The shape of a referral code: what the capture plugin and the store accept by default. */
export const DEFAULT_REFERRAL_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** The five UTM fields. */
export const UTM_FIELDS = Object.freeze(['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const)
/** One of the five UTM fields. */
export type UtmField = typeof UTM_FIELDS[number]

/** The bounds one layer keeps attribution within. */
export interface AttributionLimits {
  /** `signup_method`, code points. */
  readonly method: number
  /** Each UTM field, code points. */
  readonly utm: Readonly<Record<UtmField, number>>
  /** Referer and landing page, characters. */
  readonly url: number
  /** Referral code, code points. */
  readonly referralCode: number
  /** What a referral code must look like. */
  readonly referralCodePattern: RegExp
  /** Metadata and last touch, as JSON (UTF-16 code units). */
  readonly json: number
  /** Metadata keys, depth and texts. */
  readonly metadata: MetadataLimits
}

/** Bounds of the five UTM fields: `all` each, `medium` for `utm_medium`. */
export const utmLimits = (all: number, medium = all): Readonly<Record<UtmField, number>> =>
  Object.freeze({ utm_source: all, utm_medium: medium, utm_campaign: all, utm_content: all, utm_term: all })

/** The store's bounds: the column sizes of `tenant_attribution` (sql/postgres/0002). */
export const STORE_LIMITS: AttributionLimits = Object.freeze({
  method: 50,
  utm: utmLimits(255, 100),
  url: 2048,
  referralCode: 100,
  referralCodePattern: DEFAULT_REFERRAL_CODE_PATTERN,
  json: 8192,
  metadata: METADATA_LIMITS
})

/** The relay's bounds for a `tenant_acquisition_events` row. */
export const ROW_ATTRIBUTION_LIMITS: AttributionLimits = Object.freeze({
  method: 64,
  utm: utmLimits(255),
  url: 1024,
  referralCode: 100,
  referralCodePattern: DEFAULT_REFERRAL_CODE_PATTERN,
  json: 8192,
  metadata: METADATA_LIMITS
})

const CHANNEL_GROUP_SET = new Set<string>(CHANNEL_GROUPS)
const CLIENT_KIND_SET = new Set<string>(CLIENT_KINDS)
const SIGNUP_CHANNEL_SET = new Set<string>(SIGNUP_CHANNELS)
/** DateTime (seconds, UInt32) covers 1970 … 2106: the range every store can hold. */
const MAX_TIME_MS = Date.UTC(2106, 0, 1)

/** Milliseconds of an ISO time between 1970 and 2105 (what a ClickHouse `DateTime` holds), else NaN. */
export function eventTimeMs (value: unknown): number {
  if (typeof value !== 'string' || value.length > 40) return Number.NaN
  const ms = Date.parse(value)
  return ms >= 0 && ms < MAX_TIME_MS ? ms : Number.NaN
}

function isoOrNull (value: unknown): string | null {
  const ms = eventTimeMs(value)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

/**
 * A referral code as kept: `(redacted)` stays, a code holding an e-mail or wallet address
 * becomes `(redacted)`, a text without the shape of a code is no code (null).
 */
export function normalizeReferralCode (value: unknown, max: number, pattern: RegExp = DEFAULT_REFERRAL_CODE_PATTERN): string | null {
  if (value === REDACTED) return REDACTED
  const code = sanitizeText(value, max)
  if (code === null || !pattern.test(code)) return null
  return isSensitive(code, false) ? REDACTED : code
}

/** A known client kind, else `unknown`. */
export function normalizeClientKind (value: unknown): ClientKind {
  return typeof value === 'string' && CLIENT_KIND_SET.has(value) ? value as ClientKind : 'unknown'
}

// An http(s) URL that is already scheme + lower-case host + path with nothing to strip or
// normalize (no query, fragment, userinfo, dot segments or `@`): what the capture plugin
// stores. Such a value skips `new URL` (a few µs a row); its path is still redacted.
const CLEAN_URL = /^https?:\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?(?:\/[A-Za-z0-9_~!$&'()*+,;=:-][A-Za-z0-9._~!$&'()*+,;=:-]*|\/)+$/

/** `sanitizeUrl`, with a fast path for values that are clean already. */
export function normalizeUrl (value: unknown, max: number): string | null {
  if (typeof value === 'string' && value.length < max && CLEAN_URL.test(value)) return redactUrl(value)
  return sanitizeUrl(value, max)
}

/** The fields the channel rules read, as kept. */
export type ChannelFields = Pick<SignupAttribution, 'utm_source' | 'utm_medium' | 'utm_campaign' | 'http_referer' | 'referral_code'>

const lower = (v: string | null): string | null => v === null ? null : v.toLowerCase()

/**
 * The channel group of kept fields, by the rule table: what the ClickHouse view derives for
 * the same row (`channelGroupSql`), which likewise knows no extra campaign parameters.
 */
export function deriveChannelGroup (fields: ChannelFields, clickIdType: string | null): ChannelGroup {
  return channelGroupOf({
    source: lower(fields.utm_source),
    medium: lower(fields.utm_medium),
    campaign: lower(fields.utm_campaign),
    referrerHost: hostOf(fields.http_referer),
    clickIdType,
    extraParams: [],
    hasReferralCode: fields.referral_code !== null
  })
}

/** A known channel group as given, else the one the rule table derives. */
function channelGroup (value: unknown, fields: ChannelFields, clickIdType: string | null): ChannelGroup {
  return typeof value === 'string' && CHANNEL_GROUP_SET.has(value) ? value as ChannelGroup : deriveChannelGroup(fields, clickIdType)
}

/** The FrameWorks proto's text fields of an attribution: what every store keeps in columns of the same names. */
export type ProtoTextFields = Pick<SignupAttribution, 'signup_channel' | 'signup_method' | UtmField | 'http_referer' | 'landing_page' | 'referral_code'>

/** The proto text fields of an attribution, for a row of the same column names. */
export function protoTextFields (a: SignupAttribution): ProtoTextFields {
  return {
    signup_channel: a.signup_channel,
    signup_method: a.signup_method,
    utm_source: a.utm_source,
    utm_medium: a.utm_medium,
    utm_campaign: a.utm_campaign,
    utm_content: a.utm_content,
    utm_term: a.utm_term,
    http_referer: a.http_referer,
    landing_page: a.landing_page,
    referral_code: a.referral_code
  }
}

type Loose<T> = { readonly [K in keyof T]?: unknown }

/** The campaign fields of a touch or an attribution, normalized. */
function campaignFields (a: Loose<ChannelFields & Pick<Touch, 'utm_content' | 'utm_term' | 'landing_page'>>, limits: AttributionLimits) {
  return {
    utm_source: sanitizeValue(a.utm_source, limits.utm.utm_source),
    utm_medium: sanitizeValue(a.utm_medium, limits.utm.utm_medium),
    utm_campaign: sanitizeValue(a.utm_campaign, limits.utm.utm_campaign),
    utm_content: sanitizeValue(a.utm_content, limits.utm.utm_content),
    utm_term: sanitizeValue(a.utm_term, limits.utm.utm_term),
    http_referer: normalizeUrl(a.http_referer, limits.url),
    landing_page: normalizeUrl(a.landing_page, limits.url),
    referral_code: normalizeReferralCode(a.referral_code, limits.referralCode, limits.referralCodePattern)
  }
}

const clickIdOf = (value: unknown): string | null => sanitizeValue(value, 32)

/** A touch as kept, or null when it is not an object with a valid time or is over `limits.json`. */
export function normalizeTouch (value: unknown, limits: AttributionLimits): Touch | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const t = value as Loose<Touch>
  const at = isoOrNull(t.at)
  if (at === null) return null
  const fields = campaignFields(t, limits)
  const clickIdType = clickIdOf(t.click_id_type)
  const touch: Touch = {
    at,
    utm_source: fields.utm_source,
    utm_medium: fields.utm_medium,
    utm_campaign: fields.utm_campaign,
    utm_content: fields.utm_content,
    utm_term: fields.utm_term,
    click_id_type: clickIdType,
    referral_code: fields.referral_code,
    http_referer: fields.http_referer,
    landing_page: fields.landing_page,
    channel_group: channelGroup(t.channel_group, fields, clickIdType)
  }
  return JSON.stringify(touch).length > limits.json ? null : touch
}

/** The attribution as it is kept within `limits` (see the module comment). */
export function normalizeAttribution (value: Loose<SignupAttribution>, limits: AttributionLimits): SignupAttribution {
  const a: Loose<SignupAttribution> = value !== null && typeof value === 'object' ? value : {}
  const fields = campaignFields(a, limits)
  const metadata = metadataOf(a.metadata_json, limits.json, limits.metadata)
  const clickIdType = typeof metadata.click_id_type === 'string' ? metadata.click_id_type : null
  return {
    signup_channel: typeof a.signup_channel === 'string' && SIGNUP_CHANNEL_SET.has(a.signup_channel) ? a.signup_channel as SignupChannel : 'web',
    signup_method: sanitizeValue(a.signup_method, limits.method) ?? 'unknown',
    ...fields,
    is_agent: a.is_agent === true,
    metadata_json: JSON.stringify(metadata),
    channel_group: channelGroup(a.channel_group, fields, clickIdType),
    client_kind: normalizeClientKind(a.client_kind),
    first_touch_at: isoOrNull(a.first_touch_at),
    last_touch: normalizeTouch(a.last_touch, limits)
  }
}
