/**
 * One relay cycle, claim → insert → acknowledge: how the outbox relay moves `tenant_created`
 * events from Postgres (`attribution_outbox`) to ClickHouse (`tenant_acquisition_events`),
 * exactly once as the reports count them. The loop is `relay.ts`, its options `relay-options.ts`.
 *
 * One cycle: claim a batch (`FOR UPDATE SKIP LOCKED`; a short statement that sets a lease, or
 * in `lock` mode row locks held until the acknowledgement) → map rows → insert with the
 * batch's deterministic deduplication token → mark delivered. Exactly once for reports:
 * - nothing is lost: the event was written in the signup transaction and stays pending until
 *   a relay has seen ClickHouse accept it; a crash only lets the lease expire (or drops locks);
 * - a retry of the same batch (crash between insert and acknowledgement, lost response) is
 *   dropped by ClickHouse's insert deduplication (same token) in FrameWorks' Replicated table;
 * - a row that arrives twice anyway (a batch re-formed differently, a plain MergeTree without
 *   insert deduplication, FrameWorks' Go ingest writing the same tenant) collapses per tenant
 *   in `attribution_signups` and the `attribution_acquisitions` view, which reports read.
 *
 * Failures: an unreachable or overloaded ClickHouse (`isTransientInsertError`) releases the
 * batch and backs the relay off (capped exponential, jittered); it never counts against an
 * event, so an outage parks nothing. A rejected batch is bisected down to the rows that
 * ClickHouse refuses; each of those gets its own backoff and is parked with its error after
 * `maxAttempts`, while the rest is delivered. A payload that cannot be a row is parked at once.
 *
 * Erasure (`DELETE /tenants/:tenantId/attribution`, src/store/erasure.repository.ts) removes
 * a tenant's outbox events and arms a job that the relay runs (src/ingest/acquisition-eraser.ts).
 * An erased tenant's event cannot come back: events of a tenant erased at or after their
 * signup are deleted instead of written; an insert in flight when the erasure commits runs
 * before its job (`lock` mode waits; `lease` mode looks for erasures again after the insert
 * and re-arms); an insert that outlives its relay lands within the lease, and each job runs a
 * second pass `erasureSettleMs` later (docs/privacy.md, "How it cannot be lost or come back").
 * An erasure never marks an event delivered: the delivered counts above stay exact.
 */
import type { Kysely } from 'kysely'
import type { TenantCreatedEvent } from '../contracts.ts'
import type { Database } from '../store/database.ts'
import { armErasureJobs, latestErasures } from '../store/erasure.repository.ts'
import { eraseAcquisitionRows } from './acquisition-eraser.ts'
import { toAcquisitionRow, type AcquisitionRow } from './acquisition-row.ts'
import { insertAcquisitionRows, isTransientInsertError } from './acquisition-writer.ts'
import { claimErasureJobs, recordErasureFailure, recordErasurePass, type ClaimedErasure } from '../store/erasure-jobs.repository.ts'
import {
  claimOutboxBatch, deleteClaims, lockDueBatch, markDelivered, recordEventFailure, releaseClaims, type ClaimedEvent
} from '../store/outbox-claims.repository.ts'
import { NOOP_TELEMETRY } from '../shared/telemetry.ts'
import { errorText, type BatchOutcome, type DeliveryMetrics } from './relay-outcome.ts'
import { ERASURE_BATCH_SIZE, backoffDelay, type NormalizedRelayOptions, type RelayLogger, type RelayOptions } from './relay-options.ts'

/** What a cycle works with: the relay's options, checked settings and shared figures. */
export interface RelayCycleContext<DB extends Database> {
  options: RelayOptions<DB>
  settings: Readonly<NormalizedRelayOptions>
  log: RelayLogger
  random: () => number
  metrics: DeliveryMetrics
  /** Consecutive transient failures of the relay: the backoff of a batch released on one. */
  consecutiveFailures: () => number
  /** Called with the count of each acknowledged batch (for the progress log). */
  onDelivered: (count: number) => void
}

interface Mapped { claim: ClaimedEvent, row: AcquisitionRow }

/**
 * Whether the claim's tenant was erased at or after the event's signup time. An event whose
 * time cannot be read counts as erased: it cannot be shown to be newer.
 */
function erasedSinceSignup (erasures: ReadonlyMap<string, Date>, claim: ClaimedEvent): boolean {
  const erasedAt = erasures.get(claim.tenant_id)
  if (erasedAt === undefined) return false
  const signedUpAt = Date.parse(String((claim.payload as { timestamp?: unknown } | null)?.timestamp))
  return !(signedUpAt > erasedAt.getTime())
}

/**
 * Creates the cycle of one relay: each call claims a batch, delivers it, acknowledges what
 * ClickHouse accepted and runs a batch of due erasure jobs.
 */
export function createRelayCycle<DB extends Database> (context: RelayCycleContext<DB>): () => Promise<BatchOutcome> {
  const { options, settings: o, log, random, metrics, consecutiveFailures, onDelivered } = context
  const { db, clickhouse } = options
  const telemetry = options.telemetry ?? NOOP_TELEMETRY

  /** Inserts `items`, bisecting on rejections; fills `ok` and `bad`; rethrows transient errors. */
  async function deliver (items: Mapped[], ok: Mapped[], bad: Array<{ item: Mapped, error: string }>): Promise<void> {
    try {
      await insertAcquisitionRows(clickhouse, items.map((i) => i.row), { table: o.table })
      ok.push(...items)
    } catch (err) {
      if (isTransientInsertError(err)) throw err
      if (items.length === 1) {
        bad.push({ item: items[0] as Mapped, error: errorText(err) })
        return
      }
      const mid = items.length >>> 1
      await deliver(items.slice(0, mid), ok, bad)
      await deliver(items.slice(mid), ok, bad)
    }
  }

  /** Counts a failure against the event; `maxAttempts` 1 parks it at once. */
  async function failEvent (exec: Kysely<DB>, claim: ClaimedEvent, error: string, outcome: BatchOutcome, maxAttempts = o.maxAttempts): Promise<void> {
    const delay = backoffDelay(claim.attempts + 1, o.backoffBaseMs, o.backoffMaxMs, random)
    const parked = await recordEventFailure(exec, claim.id, error, delay, maxAttempts)
    outcome.failed++
    telemetry.relayEvents(parked ? 'parked' : 'retried', 1)
    if (parked) {
      outcome.parked++
      metrics.parked_total++
      log.warn({ eventId: claim.event_id, attempts: claim.attempts + 1, error }, 'relay parked an event')
    } else {
      log.debug({ eventId: claim.event_id, attempts: claim.attempts + 1, error }, 'relay event rejected, will retry')
    }
  }

  function acknowledged (delivered: Mapped[]): void {
    const now = Date.now()
    metrics.delivered_total += delivered.length
    metrics.last_delivery_at = new Date(now)
    let newest = 0
    let oldest = Number.POSITIVE_INFINITY
    for (const d of delivered) {
      const t = d.claim.created_at.getTime()
      if (t > newest) newest = t
      if (t < oldest) oldest = t
    }
    metrics.last_batch_lag_ms = Math.max(0, now - newest)
    metrics.last_batch_max_lag_ms = Math.max(0, now - oldest)
    telemetry.relayEvents('delivered', delivered.length)
    for (const d of delivered) telemetry.relayLag((now - d.claim.created_at.getTime()) / 1000)
    onDelivered(delivered.length)
  }

  /**
   * The claims whose tenant was not erased at or after its signup time; the others are
   * deleted from the outbox, never written.
   */
  async function withoutErased (exec: Kysely<DB>, claims: ClaimedEvent[], outcome: BatchOutcome): Promise<ClaimedEvent[]> {
    const erasures = await latestErasures(exec, claims.map((c) => c.tenant_id))
    if (erasures.size === 0) return claims
    const dropped = claims.filter((c) => erasedSinceSignup(erasures, c))
    if (dropped.length === 0) return claims
    await deleteClaims(exec, dropped.map((c) => c.id))
    outcome.dropped += dropped.length
    telemetry.relayEvents('dropped_erased', dropped.length)
    log.info({ dropped: dropped.length }, 'relay dropped events of erased tenants')
    const gone = new Set(dropped)
    return claims.filter((c) => !gone.has(c))
  }

  /**
   * After an insert was accepted (or may have been): arms the erasure job again for any of
   * its tenants erased meanwhile, so the ClickHouse deletion runs after these rows landed.
   */
  async function rearmErased (exec: Kysely<DB>, claims: ClaimedEvent[]): Promise<void> {
    if (claims.length === 0) return
    const erasures = await latestErasures(exec, claims.map((c) => c.tenant_id))
    if (erasures.size === 0) return
    const tenants = claims.filter((c) => erasedSinceSignup(erasures, c)).map((c) => c.tenant_id)
    if (tenants.length === 0) return
    await armErasureJobs(exec, tenants)
    log.info({ tenants: tenants.length }, 'relay wrote events of tenants erased during the insert; their erasure runs again')
  }

  /**
   * Drops the claims of erased tenants, then maps, inserts and records the outcome of the
   * rest through `exec` (the root `db`, or the transaction holding the rows in `lock` mode),
   * and looks for erasures again after the insert. Returns the delivered rows; the caller
   * counts them once the acknowledgement is durable.
   */
  async function deliverClaims (exec: Kysely<DB>, all: ClaimedEvent[], outcome: BatchOutcome): Promise<Mapped[]> {
    const claims = await withoutErased(exec, all, outcome)
    const mapped: Mapped[] = []
    for (const claim of claims) {
      try {
        const event = { ...(claim.payload as TenantCreatedEvent), event_id: claim.event_id }
        mapped.push({ claim, row: toAcquisitionRow(event, 'outbox') })
      } catch (err) {
        telemetry.relayFailure('unusable')
        await failEvent(exec, claim, `unusable payload: ${errorText(err)}`, outcome, 1)
      }
    }
    const ok: Mapped[] = []
    const bad: Array<{ item: Mapped, error: string }> = []
    let transient: unknown = null
    try {
      await deliver(mapped, ok, bad)
    } catch (err) {
      transient = err
    }
    if (ok.length > 0) {
      await options.afterInsert?.(ok.map((m) => m.claim.event_id))
      await rearmErased(exec, ok.map((m) => m.claim))
      await markDelivered(exec, ok.map((m) => m.claim.id))
    }
    for (const { item, error } of bad) {
      telemetry.relayFailure('rejected')
      await failEvent(exec, item.claim, error, outcome)
    }
    if (transient !== null) {
      const error = errorText(transient)
      outcome.transientError = error
      const done = new Set([...ok, ...bad.map((b) => b.item)].map((m) => m.claim.id))
      const rest = mapped.filter((m) => !done.has(m.claim.id)).map((m) => m.claim)
      telemetry.clickhouseError('relay_insert', transient)
      telemetry.relayEvents('retried', rest.length)
      const delay = backoffDelay(consecutiveFailures() + 1, o.backoffBaseMs, o.backoffMaxMs, random)
      await releaseClaims(exec, rest.map((c) => c.id), error, delay)
      // The outcome of that insert is unknown: it may still land.
      await rearmErased(exec, rest)
    }
    return ok
  }

  /**
   * One batch of due erasure jobs: delete the tenants' acquisition rows in ClickHouse and
   * record the pass. A failure delays the jobs (never gives them up); an unreachable
   * ClickHouse or Postgres also backs the relay off.
   */
  async function runErasures (outcome: BatchOutcome): Promise<void> {
    let jobs: ClaimedErasure[]
    try {
      jobs = await claimErasureJobs(db, ERASURE_BATCH_SIZE, o.leaseMs)
    } catch (err) {
      outcome.transientError ??= errorText(err)
      return
    }
    if (jobs.length === 0) return
    outcome.erasures += jobs.length
    try {
      await eraseAcquisitionRows(clickhouse, jobs.map((j) => j.tenant_id), { table: o.table })
    } catch (err) {
      telemetry.relayFailure('erasure')
      telemetry.clickhouseError('erasure', err)
      const error = errorText(err)
      if (isTransientInsertError(err)) outcome.transientError ??= error
      else log.error({ error, jobs: jobs.length }, 'relay could not erase acquisition rows; will retry')
      const attempts = Math.max(...jobs.map((j) => j.attempts)) + 1
      // If this write fails too, the claim's lease runs out and the jobs are due again.
      await recordErasureFailure(db, jobs, error, backoffDelay(attempts, o.backoffBaseMs, o.backoffMaxMs, random)).catch(() => {})
      return
    }
    try {
      const completed = await recordErasurePass(db, jobs, o.erasureSettleMs)
      telemetry.erasuresCompleted(completed)
      if (completed > 0) log.info({ completed }, 'relay completed erasures')
    } catch (err) {
      outcome.transientError ??= errorText(err)
    }
  }

  async function runOnce (): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { claimed: 0, delivered: 0, failed: 0, parked: 0, dropped: 0, erasures: 0 }
    try {
      let ok: Mapped[]
      if (o.claimMode === 'lock') {
        ok = await db.transaction().execute(async (trx) => {
          const claims = await lockDueBatch(trx, o.batchSize)
          outcome.claimed = claims.length
          return claims.length === 0 ? [] : deliverClaims(trx, claims, outcome)
        })
      } else {
        const claims = await claimOutboxBatch(db, o.batchSize, o.leaseMs)
        outcome.claimed = claims.length
        ok = claims.length === 0 ? [] : await deliverClaims(db, claims, outcome)
      }
      if (ok.length > 0) {
        outcome.delivered = ok.length
        acknowledged(ok)
      }
    } catch (err) {
      // Postgres failed mid-cycle: nothing was acknowledged; the lease expires (or the
      // transaction's locks go) and the rows are claimed again.
      outcome.transientError = errorText(err)
    }
    if (outcome.claimed > 0) {
      metrics.batches_total++
      telemetry.relayBatch()
    }
    await runErasures(outcome)
    if (outcome.transientError !== undefined) telemetry.relayFailure('transient')
    return outcome
  }

  return runOnce
}
