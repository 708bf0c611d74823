/**
 * `recordSignup`: the one store call a signup handler makes, inside the transaction that
 * creates the tenant.
 *
 * It inserts the tenant's attribution row (a replay for the same tenant changes nothing and
 * redeems nothing), redeems the referral code atomically and records why a code was not
 * applied, and appends the `tenant_created` event to the outbox. Everything runs on the
 * caller's `trx`, so a rollback of the signup leaves nothing behind.
 *
 * Nothing sensitive is stored whoever built the attribution, and missing values get the
 * same fallbacks on every path: the attribution goes through the shared normalizer
 * (src/shared/normalize.ts) with the column sizes of `tenant_attribution`.
 *
 * Signup must never fail because of attribution: values are bounded to the column sizes,
 * metadata that is not a JSON object becomes `{}`, and an unusable referral code is an
 * outcome, not an error, so no statement here fails on request data and the caller's
 * transaction is never aborted by it. Only programming errors (a tenant id that is not a
 * UUID) throw, before any statement runs.
 */
import { isUuid, type ChannelGroup, type ReferralStatus, type SignupAttribution, type TenantCreatedEvent } from '../contracts.ts'
import { normalizeAttribution as normalize, protoTextFields, STORE_LIMITS } from '../shared/normalize.ts'
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

/**
 * The attribution as it will be stored: the shared normalizer (src/shared/normalize.ts)
 * within the column sizes of `tenant_attribution`. Exported for tests and hosts that want
 * to see what will be written.
 */
export function normalizeAttribution (a: SignupAttribution): SignupAttribution {
  return normalize(a, STORE_LIMITS)
}

function toRow (tenantId: string, userId: string | null, a: SignupAttribution, createdAt: string): NewTenantAttribution {
  return {
    tenant_id: tenantId,
    ...protoTextFields(a),
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
