/**
 * `recordSignup`: the one store call a signup handler makes, inside the transaction that
 * creates the tenant.
 *
 * It inserts the tenant's attribution row (a replay for the same tenant changes nothing and
 * redeems nothing), redeems the referral code atomically and records why a code was not
 * applied, and appends the `tenant_created` event to the outbox. Everything runs on the
 * caller's `trx`, so a rollback of the signup leaves nothing behind.
 *
 * Nothing sensitive is stored whoever built the attribution: texts holding an e-mail or
 * wallet address or a credential-like token become `(redacted)`, URLs keep scheme, host
 * and path (sensitive segments redacted), metadata texts likewise (and IP addresses).
 *
 * Signup must never fail because of attribution: values are clamped to the column sizes,
 * metadata that is not a JSON object becomes `{}`, missing values get neutral defaults, and an unusable referral code is an
 * outcome, not an error, so no statement here fails on request data and the caller's
 * transaction is never aborted by it. Only programming errors (a tenant id that is not a
 * UUID) throw, before any statement runs.
 */
import {
  isUuid, type ChannelGroup, type ClientKind, type ReferralStatus, type SignupAttribution, type TenantCreatedEvent, type Touch
} from '../contracts.ts'
import { isPiiValue, isSensitive, REDACTED } from '../shared/redact.ts'
import { sanitizeUrl } from '../shared/sanitize.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../shared/telemetry.ts'
import type { Database, NewTenantAttribution, StoreExecutor } from './database.ts'
import { appendOutboxEvent, tenantCreatedEventId } from './outbox.repository.ts'
import { redeemReferralCodeForTenant } from './referral-codes.repository.ts'
import { insertTenantAttribution } from './tenant-attribution.repository.ts'
import { utcIso } from './utc-timestamps.ts'

/** What a signup handler passes to `recordSignup`: the new tenant, its user, and its attribution. */
export interface RecordSignupInput {
  /** The new tenant's id (UUID). */
  tenantId: string
  /** The user who signed up (UUID), when the host has one. */
  userId?: string | null
  /** From `request.signupAttribution(…)`. */
  attribution: SignupAttribution
  /** Where the signup (or a failure to record it) is counted (`createAttributionMetrics().telemetry`). Default: nowhere. */
  telemetry?: AttributionTelemetry
}

/** What `recordSignup` stored: the outbox event id and the referral code's outcome. */
export interface RecordSignupResult {
  /** `false` when the tenant already had attribution (a replay): nothing was written. */
  recorded: boolean
  /** The id of the tenant's `tenant_created` outbox event (the same for every replay). */
  eventId: string
  /** Outcome of the referral code; `null` without a code or on a replay. */
  referralStatus: ReferralStatus | null
}

/** Column sizes of `tenant_attribution` (sql/postgres/0002). */
const LIMITS = {
  signup_channel: 50,
  signup_method: 50,
  utm_source: 255,
  utm_medium: 100,
  utm_campaign: 255,
  utm_content: 255,
  utm_term: 255,
  referral_code: 100,
  derived: 50,
  url: 2048
} as const
/** Largest metadata / last-touch JSON kept. */
const MAX_JSON = 8192
/** 10000-01-01T00:00:00Z. */
const MAX_TIME = 253_402_300_800_000


// NUL is refused by Postgres text and JSONB; a lone surrogate by JSONB.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function clean (value: string): string {
  return value.replace(UNSTORABLE, (ch) => ch === '\u0000' ? '' : '\ufffd')
}

function clamp (value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  const text = clean(value.length > max ? value.slice(0, max) : value)
  return text.length === 0 ? null : text
}

/** A text, `(redacted)` when it holds an address or (unless `tokens` is false) a token; judged before any cut. */
function redacted (value: unknown, tokens = true): unknown {
  return typeof value === 'string' && isSensitive(value, tokens) ? REDACTED : value
}

/** An http(s) URL's scheme, host and path (sensitive segments redacted), else null. */
function url (value: unknown): string | null {
  return typeof value === 'string' ? sanitizeUrl(clean(value), LIMITS.url) : null
}


/**
 * A JSON-safe copy: only plain data, strings (keys too) cleaned, depth bounded. With `pii`
 * (metadata), texts holding PII (`isPiiValue`) become `(redacted)` and keys holding an
 * address or token are dropped; a touch's fields are redacted one by one instead (its URLs
 * may name an IP host).
 */
function cleanJson (value: unknown, pii: boolean, depth = 0): unknown {
  if (typeof value === 'string') {
    const text = clean(value)
    return pii && isPiiValue(text) ? REDACTED : text
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'boolean' || value === null) return value
  if (depth >= 4 || typeof value !== 'object') return null
  if (Array.isArray(value)) return value.map((v) => cleanJson(v, pii, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined && !(pii && isSensitive(k))) out[clean(k)] = cleanJson(v, pii, depth + 1)
  return out
}

function metadataObject (json: unknown): Record<string, unknown> {
  if (typeof json !== 'string' || json === '' || json.length > MAX_JSON) return {}
  try {
    const parsed: unknown = JSON.parse(json)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? cleanJson(parsed, true) as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

function touchOrNull (touch: unknown): Touch | null {
  if (touch === null || typeof touch !== 'object' || Array.isArray(touch)) return null
  const t = touch as Record<string, unknown>
  // The touch's own fields only, each redacted as its kind requires.
  const cleaned = cleanJson({
    at: t.at,
    utm_source: redacted(t.utm_source),
    utm_medium: redacted(t.utm_medium),
    utm_campaign: redacted(t.utm_campaign),
    utm_content: redacted(t.utm_content),
    utm_term: redacted(t.utm_term),
    referral_code: redacted(t.referral_code, false),
    http_referer: url(t.http_referer),
    landing_page: url(t.landing_page),
    click_id_type: redacted(t.click_id_type),
    channel_group: t.channel_group
  }, false) as Touch
  return JSON.stringify(cleaned).length > MAX_JSON ? null : cleaned
}

/** An ISO time between 1970 and 9999, else null (Postgres rejects some years JS accepts). */
function isoOrNull (value: unknown): string | null {
  if (typeof value !== 'string') return null
  const time = Date.parse(value)
  return Number.isNaN(time) || time < 0 || time >= MAX_TIME ? null : new Date(time).toISOString()
}

/**
 * The attribution as it will be stored: redacted (see the module comment), clamped to
 * column sizes, metadata a JSON object string, unknown derived values replaced by safe
 * defaults. Exported for tests and hosts that want to see what will be written.
 */
export function normalizeAttribution (a: SignupAttribution): SignupAttribution {
  const metadata = metadataObject(a.metadata_json)
  return {
    signup_channel: (clamp(a.signup_channel, LIMITS.signup_channel) ?? 'web') as SignupAttribution['signup_channel'],
    signup_method: clamp(redacted(a.signup_method), LIMITS.signup_method) ?? 'unknown',
    utm_source: clamp(redacted(a.utm_source), LIMITS.utm_source),
    utm_medium: clamp(redacted(a.utm_medium), LIMITS.utm_medium),
    utm_campaign: clamp(redacted(a.utm_campaign), LIMITS.utm_campaign),
    utm_content: clamp(redacted(a.utm_content), LIMITS.utm_content),
    utm_term: clamp(redacted(a.utm_term), LIMITS.utm_term),
    http_referer: url(a.http_referer),
    landing_page: url(a.landing_page),
    referral_code: clamp(redacted(typeof a.referral_code === 'string' ? a.referral_code.trim() : null, false), LIMITS.referral_code),
    is_agent: a.is_agent === true,
    metadata_json: JSON.stringify(metadata),
    channel_group: (clamp(a.channel_group, LIMITS.derived) ?? 'direct') as ChannelGroup,
    client_kind: (clamp(a.client_kind, LIMITS.derived) ?? 'automation') as ClientKind,
    first_touch_at: isoOrNull(a.first_touch_at),
    last_touch: touchOrNull(a.last_touch)
  }
}

function toRow (tenantId: string, userId: string | null, a: SignupAttribution, createdAt: string): NewTenantAttribution {
  return {
    tenant_id: tenantId,
    signup_channel: a.signup_channel,
    signup_method: a.signup_method,
    utm_source: a.utm_source,
    utm_medium: a.utm_medium,
    utm_campaign: a.utm_campaign,
    utm_content: a.utm_content,
    utm_term: a.utm_term,
    http_referer: a.http_referer,
    landing_page: a.landing_page,
    referral_code: a.referral_code,
    is_agent: a.is_agent,
    metadata: a.metadata_json,
    created_at: createdAt,
    user_id: userId,
    channel_group: a.channel_group,
    client_kind: a.client_kind,
    first_touch_at: a.first_touch_at,
    referral_status: null,
    last_touch: a.last_touch === null ? null : JSON.stringify(a.last_touch)
  }
}

/**
 * Records a signup inside the caller's transaction (the one that creates the tenant).
 * Pass the transaction (`trx`), never the root `db`, or the writes escape the rollback
 * (and on PGlite the call deadlocks).
 */
export async function recordSignup<DB extends Database> (trx: StoreExecutor<DB>, input: RecordSignupInput): Promise<RecordSignupResult> {
  const telemetry = input.telemetry ?? NOOP_TELEMETRY
  try {
    const result = await writeSignup(trx, input)
    if (result.recorded) telemetry.signupRecorded(result.channelGroup, result.referralStatus)
    return { recorded: result.recorded, eventId: result.eventId, referralStatus: result.referralStatus }
  } catch (err) {
    telemetry.signupFailed()
    throw err
  }
}

async function writeSignup<DB extends Database> (trx: StoreExecutor<DB>, input: RecordSignupInput): Promise<RecordSignupResult & { channelGroup: ChannelGroup }> {
  const { tenantId } = input
  if (!isUuid(tenantId)) throw new TypeError('recordSignup: tenantId must be a UUID')
  const userId = input.userId ?? null
  if (userId !== null && !isUuid(userId)) throw new TypeError('recordSignup: userId must be a UUID')

  let attribution = normalizeAttribution(input.attribution)
  const eventId = tenantCreatedEventId(tenantId)
  // Set here, not by the column default: Quartermaster's TIMESTAMP default `NOW()` stores
  // the session's local time, and the event needs the same instant.
  const createdAt = utcIso(new Date())
  const inserted = await insertTenantAttribution(trx, toRow(tenantId, userId, attribution, createdAt))
  if (!inserted) return { recorded: false, eventId, referralStatus: null, channelGroup: attribution.channel_group as ChannelGroup }

  let referralStatus: ReferralStatus | null = null
  if (attribution.referral_code !== null) {
    const outcome = await redeemReferralCodeForTenant(trx, tenantId, attribution.referral_code)
    if (outcome !== undefined) {
      referralStatus = outcome.status
      attribution = { ...attribution, referral_code: outcome.code }
    }
  }

  const event: TenantCreatedEvent = {
    event_id: eventId,
    event_type: 'tenant_created',
    timestamp: createdAt,
    tenant_id: tenantId.toLowerCase(),
    user_id: userId === null ? null : userId.toLowerCase(),
    attribution,
    referral_status: referralStatus
  }
  await appendOutboxEvent(trx, event)
  return { recorded: true, eventId, referralStatus, channelGroup: attribution.channel_group as ChannelGroup }
}
