/**
 * Ingest of `tenant_created` service events from FrameWorks' own bus.
 *
 * Why through the outbox: an external event gets exactly the guarantees of a signup made
 * here. It is validated, sanitized (no query strings, bounded texts; e-mail and wallet
 * addresses and credential-like tokens become `(redacted)`) and appended to `attribution_outbox` keyed by its `event_id`, so a re-sent event
 * changes nothing, and the relay delivers it with the same deduplication token and the same
 * per-tenant collapse on read. ClickHouse being down never fails the call.
 *
 * Each event is judged on its own: a bad one is reported with its index and reason, the good
 * ones land (in one transaction).
 */
import type { Kysely } from 'kysely'
import {
  CHANNEL_GROUPS, CLIENT_KINDS, REFERRAL_STATUSES, SIGNUP_CHANNELS, isUuid,
  type ReferralStatus, type SignupAttribution, type TenantCreatedEvent
} from '../contracts.ts'
import { normalizeAttribution, ROW_ATTRIBUTION_LIMITS } from '../shared/normalize.ts'
import { sanitizeValue } from '../shared/sanitize.ts'
import { storeDb, type Database } from '../store/database.ts'
import { parseEventTime, ROW_LIMITS } from './acquisition-row.ts'

/** Most events one call accepts. */
export const MAX_SERVICE_EVENTS = 1_000
const INSERT_CHUNK = 250

/** One service event that was not enqueued, and why. */
export interface ServiceEventRejection {
  /** Position of the event in the submitted array. */
  index: number
  reason: string
}

/** The outcome of an ingest: how many events were enqueued, and the rejected ones. */
export interface ServiceEventsResult {
  /** Events written or already present (a re-sent event counts as accepted). */
  accepted: number
  rejected: ServiceEventRejection[]
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i
const TEXT_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'referral_code'] as const
const URL_FIELDS = ['http_referer', 'landing_page'] as const

class Invalid extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const absent = (v: unknown): boolean => v === undefined || v === null

function isoTime (value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_TIME.test(value)) throw new Invalid(`${field} must be an ISO 8601 time with a time zone`)
  const ms = parseEventTime(value)
  if (Number.isNaN(ms)) throw new Invalid(`${field} is out of range`)
  return new Date(ms).toISOString()
}

function optionalEnum<T extends string> (value: unknown, allowed: readonly T[], field: string): T | null {
  if (absent(value)) return null
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new Invalid(`${field} must be one of ${allowed.join(', ')}`)
  return value as T
}

/**
 * Checks the types of an event's attribution, then normalizes it as the relay will
 * (src/shared/normalize.ts): FrameWorks' proto carries no derived fields, so a missing
 * channel group is derived from the fields by the rule table and a missing client kind is
 * `unknown`, as on every other path.
 */
function validAttribution (value: unknown): SignupAttribution {
  if (!isObject(value)) throw new Invalid('attribution must be an object')
  const channel = value.signup_channel
  if (typeof channel !== 'string' || !(SIGNUP_CHANNELS as readonly string[]).includes(channel)) {
    throw new Invalid(`attribution.signup_channel must be one of ${SIGNUP_CHANNELS.join(', ')}`)
  }
  if (typeof value.signup_method !== 'string' || sanitizeValue(value.signup_method, ROW_LIMITS.method) === null) throw new Invalid('attribution.signup_method must be a non-empty string')
  for (const field of [...TEXT_FIELDS, ...URL_FIELDS]) {
    if (!absent(value[field]) && typeof value[field] !== 'string') throw new Invalid(`attribution.${field} must be a string or null`)
  }
  if (!absent(value.is_agent) && typeof value.is_agent !== 'boolean') throw new Invalid('attribution.is_agent must be a boolean')
  if (!absent(value.metadata_json)) {
    if (typeof value.metadata_json !== 'string' || value.metadata_json.length > ROW_LIMITS.eventData) throw new Invalid(`attribution.metadata_json must be a JSON object string of at most ${ROW_LIMITS.eventData} characters`)
    let parsed: unknown
    try { parsed = JSON.parse(value.metadata_json) } catch { throw new Invalid('attribution.metadata_json is not valid JSON') }
    if (!isObject(parsed)) throw new Invalid('attribution.metadata_json must encode a JSON object')
  }
  optionalEnum(value.channel_group, CHANNEL_GROUPS, 'attribution.channel_group')
  optionalEnum(value.client_kind, CLIENT_KINDS, 'attribution.client_kind')
  if (!absent(value.first_touch_at)) isoTime(value.first_touch_at, 'attribution.first_touch_at')
  // A service event carries no last touch.
  return normalizeAttribution({ ...value, last_touch: null }, ROW_ATTRIBUTION_LIMITS)
}

/** Validates one service event; returns the event to store or throws with the reason. */
export function parseServiceEvent (value: unknown): TenantCreatedEvent {
  if (!isObject(value)) throw new Invalid('event must be an object')
  if (!isUuid(value.event_id)) throw new Invalid('event_id must be a UUID')
  if (value.event_type !== 'tenant_created') throw new Invalid('event_type must be "tenant_created"')
  const timestamp = isoTime(value.timestamp, 'timestamp')
  if (!isUuid(value.tenant_id)) throw new Invalid('tenant_id must be a UUID')
  if (!absent(value.user_id) && !isUuid(value.user_id)) throw new Invalid('user_id must be a UUID or absent')
  const referralStatus = optionalEnum<ReferralStatus>(value.referral_status, REFERRAL_STATUSES, 'referral_status')
  return {
    event_id: value.event_id.toLowerCase(),
    event_type: 'tenant_created',
    timestamp,
    tenant_id: value.tenant_id.toLowerCase(),
    user_id: isUuid(value.user_id) ? value.user_id.toLowerCase() : null,
    attribution: validAttribution(value.attribution),
    referral_status: referralStatus
  }
}

/**
 * Validates each event and appends the good ones to the outbox in one transaction (pass the
 * root `db`). Throws only when the database fails (nothing is written then).
 */
export async function ingestServiceEvents<DB extends Database> (db: Kysely<DB>, events: readonly unknown[]): Promise<ServiceEventsResult> {
  const rejected: ServiceEventRejection[] = []
  const good: TenantCreatedEvent[] = []
  events.forEach((value, index) => {
    try {
      good.push(parseServiceEvent(value))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      rejected.push({ index, reason: err.message })
    }
  })
  if (good.length > 0) {
    // The rows `appendOutboxEvent` writes, as multi-row statements; a known event_id is kept.
    const rows = good.map((event) => ({ event_id: event.event_id, event_type: event.event_type, tenant_id: event.tenant_id, payload: JSON.stringify(event) }))
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await storeDb(trx).insertInto('attribution_outbox').values(rows.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.column('event_id').doNothing()).execute()
      }
    })
  }
  return { accepted: good.length, rejected }
}
