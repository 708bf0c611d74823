/**
 * The wire contracts shared by capture, store, ingest and reports.
 *
 * Field names follow the FrameWorks proto (`SignupAttribution`) so rows drop into
 * Quartermaster (Postgres) and Periscope (ClickHouse) unchanged. Derived fields sit beside
 * the proto fields, never instead of them.
 */

/** A plain UUID (no `urn:uuid:` prefix, no braces), as JSON Schema `pattern` text. */
export const UUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
const UUID = new RegExp(UUID_PATTERN)

/** Whether a value is a plain UUID string: the form Postgres and ClickHouse UUID columns take. */
export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

export const SIGNUP_CHANNELS = ['web', 'wallet', 'x402', 'api'] as const
/** A signup path: `web`, `wallet`, `x402` or `api`. */
export type SignupChannel = typeof SIGNUP_CHANNELS[number]

/** Known signup methods; the type stays open (`string & {}`) for methods a host adds. */
export type SignupMethod =
  | 'email_password' | 'wallet_ethereum' | 'wallet_base' | 'wallet_arbitrum'
  | 'x402_usdc' | 'api_key' | (string & {})

/**
 * The client kinds. The capture plugin classifies every request as one of the first ten;
 * `unknown` is what an attribution whose writer recorded no (or no known) client kind keeps
 * (a host-built attribution, a service event, a row FrameWorks' Go ingest wrote).
 */
export const CLIENT_KINDS = [
  'browser', 'ai_assistant', 'ai_crawler', 'crawler', 'ai_coding_agent', 'mcp_client',
  'signed_agent', 'x402_client', 'headless_browser', 'automation', 'unknown'
] as const
/** The kind of client a request came from (browser, AI agent, crawler, script, …), or `unknown`. */
export type ClientKind = typeof CLIENT_KINDS[number]

export const CHANNEL_GROUPS = [
  'direct', 'organic_search', 'paid_search', 'organic_social', 'paid_social', 'email',
  'referral', 'referral_program', 'ai_assistant', 'affiliate', 'display', 'paid_video',
  'organic_video', 'paid_shopping', 'organic_shopping', 'paid_other', 'cross_network',
  'audio', 'sms', 'mobile_push'
] as const
/** The channel group a touch belongs to, derived by the capture plugin's rule table. */
export type ChannelGroup = typeof CHANNEL_GROUPS[number]

/** Why a referral code was or was not applied at signup. */
export const REFERRAL_STATUSES = ['applied', 'unknown', 'inactive', 'expired', 'exhausted'] as const
/** What became of the referral code given at signup. */
export type ReferralStatus = typeof REFERRAL_STATUSES[number]

/** One touch: what a visit carried. Absent values are null. */
export interface Touch {
  /** ISO time of the touch. */
  at: string
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_content: string | null
  utm_term: string | null
  /** Which click id was present (`gclid`, `fbclid`, …), never its value. */
  click_id_type: string | null
  referral_code: string | null
  /** Scheme, host and path only. */
  http_referer: string | null
  /** Scheme, host and path only. */
  landing_page: string | null
  channel_group: ChannelGroup
}

/** `request.attribution` and the touch beacon's answer. */
export interface AttributionSnapshot {
  first_touch: Touch | null
  last_touch: Touch | null
  client_kind: ClientKind
  is_agent: boolean
  /** The channel group of the first touch, else of the current request. */
  channel_group: ChannelGroup
}

/**
 * What a signup handler persists: the FrameWorks proto fields plus derived fields.
 * `metadata_json` is a JSON object string (allow-listed keys only; never PII).
 */
export interface SignupAttribution {
  signup_channel: SignupChannel
  signup_method: SignupMethod
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_content: string | null
  utm_term: string | null
  http_referer: string | null
  landing_page: string | null
  referral_code: string | null
  is_agent: boolean
  metadata_json: string
  // derived
  channel_group: ChannelGroup
  client_kind: ClientKind
  /** ISO time of the first touch; null when the signup request was the first touch. */
  first_touch_at: string | null
  last_touch: Touch | null
}

/**
 * The `tenant_created` event: what the outbox holds (`payload`), what the relay writes to
 * ClickHouse `tenant_acquisition_events`, and what external service events carry.
 */
export interface TenantCreatedEvent {
  event_id: string
  event_type: 'tenant_created'
  /** ISO time of the tenant creation. */
  timestamp: string
  tenant_id: string
  user_id: string | null
  attribution: SignupAttribution
  /** Set by the store: the outcome of the referral code, null when none was given. */
  referral_status: ReferralStatus | null
}
