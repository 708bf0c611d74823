/**
 * The outbox relay: moves `tenant_created` events from Postgres (`attribution_outbox`) to
 * ClickHouse (`tenant_acquisition_events`), exactly once as the reports count them.
 *
 * One cycle: claim a batch (`FOR UPDATE SKIP LOCKED`; a short statement that sets a lease, or
 * in `lock` mode row locks held until the acknowledgement) → map rows → insert with the
 * batch's deterministic deduplication token → mark delivered. Why that is exactly once for
 * reports:
 * - nothing is lost: the event was written in the signup transaction and stays pending until
 *   a relay has seen ClickHouse accept it; a crash anywhere only lets the lease expire (or
 *   drops the locks);
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
 * `maxAttempts`, while the rest of the batch is delivered. A payload that cannot become a row
 * at all is parked at once.
 *
 * Erasure (`DELETE /tenants/:tenantId/attribution`, src/store/erasure.repository.ts) removes
 * a tenant's outbox events and arms a job in the same transaction; the relay runs the job
 * (src/ingest/acquisition-eraser.ts), and none of the above changes for other tenants. Why
 * an erased tenant's event cannot come back, whatever the relay was doing:
 * - before an insert, events of a tenant erased at or after their signup time are deleted
 *   from the outbox instead of written (a replayed service event, a signup replay);
 * - an insert in flight when the erasure commits: in `lock` mode the erasure waits for the
 *   batch to commit, so its job runs after the insert; in `lease` mode the relay looks for
 *   erasures again once ClickHouse has accepted the batch and arms the job anew for any it
 *   finds, so the job runs after the insert; an erasure that commits after that look arms
 *   its job after the insert anyway;
 * - an insert that outlives its relay (a crash, an unknown outcome) lands within the lease,
 *   as the exclusivity of a claim already assumes: each job runs a second pass
 *   `erasureSettleMs` (default: the lease) after its first and completes only then.
 * An erasure never marks an event delivered, so the delivered counts above stay exact.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Kysely } from 'kysely'
import type { TenantCreatedEvent } from '../contracts.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import type { Database } from '../store/database.ts'
import { armErasureJobs, latestErasures } from '../store/erasure.repository.ts'
import { eraseAcquisitionRows } from './acquisition-eraser.ts'
import { toAcquisitionRow, type AcquisitionRow } from './acquisition-row.ts'
import { DEFAULT_ACQUISITION_TABLE, checkAcquisitionTable, insertAcquisitionRows, isTransientInsertError } from './acquisition-writer.ts'
import { claimErasureJobs, recordErasureFailure, recordErasurePass, type ClaimedErasure } from './erasure-jobs.repository.ts'
import {
  claimOutboxBatch, deleteClaims, lockDueBatch, markDelivered, outboxStatus, pruneDelivered, recordEventFailure, releaseClaims, type ClaimedEvent
} from './outbox-claims.repository.ts'

export const DEFAULT_BATCH_SIZE = 2_000
/** How many batches a relay inserts at once unless `concurrency` says otherwise. */
export const DEFAULT_CONCURRENCY = 2
export const DEFAULT_LEASE_MS = 120_000
export const DEFAULT_POLL_INTERVAL_MS = 250
export const DEFAULT_MAX_ATTEMPTS = 8
export const DEFAULT_BACKOFF_BASE_MS = 1_000
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000
export const DEFAULT_RETAIN_DELIVERED_MS = 7 * 24 * 3600_000
export const DEFAULT_LOG_INTERVAL_MS = 60_000
/** Erasure jobs per claim: each is one tenant, and a pass deletes them all at once. */
export const ERASURE_BATCH_SIZE = 100
const PRUNE_INTERVAL_MS = 3600_000
const MAX_ERROR_LENGTH = 1_000

/** The subset of a pino/Fastify logger the relay uses. */
export interface RelayLogger {
  debug: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/** Options of `createRelay`: the outbox database, the ClickHouse client, and tuning. */
export interface RelayOptions<DB extends Database = Database> {
  /** Kysely over the database holding `attribution_outbox` (a pool on a server). */
  db: Kysely<DB>
  /** ClickHouse client (from `openClickHouse`). */
  clickhouse: ClickHouseClient
  /** Target table; default `tenant_acquisition_events` (on a cluster: the Distributed table). */
  table?: string
  /** Events per claim and per insert; default 2,000. */
  batchSize?: number
  /**
   * Batches in flight at once; default 2, so claiming and mapping one batch overlaps the
   * insert of another (chDB and a Postgres server work off the event loop). Each batch is
   * claimed on its own (`SKIP LOCKED`), so they never overlap.
   */
  concurrency?: number
  /**
   * How a batch is held while it is written to ClickHouse. `lease` (default, any Postgres
   * including PGlite): one short statement claims the rows and pushes `available_at` forward
   * by `leaseMs`. `lock` (a Postgres server only): the rows stay locked (`FOR UPDATE SKIP
   * LOCKED`) in a transaction until they are acknowledged, which halves the row writes per
   * event and frees a crashed relay's rows at once, at the cost of one pooled connection per
   * batch in flight for the insert's duration. Never `lock` on PGlite: its one connection
   * would stall signups while ClickHouse is written.
   */
  claimMode?: 'lease' | 'lock'
  /** How long a claim is exclusive before another relay may take it over; default 120 s, twice the client's default request timeout. Keep it well above an insert's duration. */
  leaseMs?: number
  /** Wait between polls when the outbox is empty; default 250 ms (the floor of delivery lag). */
  pollIntervalMs?: number
  /** Failures of the event itself before it is parked; default 8. */
  maxAttempts?: number
  /** First retry delay; doubled per failure, jittered; default 1 s. */
  backoffBaseMs?: number
  /** Retry delay cap; default 5 min. */
  backoffMaxMs?: number
  /** Delivered rows older than this are deleted (hourly, in slices); default 7 days, 0 keeps them. */
  retainDeliveredMs?: number
  /** How often a progress line (delivered, lag, backlog) is logged while there is anything to say; default 60 s. */
  logIntervalMs?: number
  /**
   * Wait between an erasure job's first ClickHouse pass and its second, which removes what an
   * insert in flight during the erasure added; default `leaseMs` (an insert lands within its
   * lease).
   */
  erasureSettleMs?: number
  logger?: RelayLogger
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number
  /**
   * Test hook, called after ClickHouse accepted a batch and before it is acknowledged in
   * Postgres (the crash window the deduplication token covers).
   */
  afterInsert?: (eventIds: readonly string[]) => void | Promise<void>
}

/** What one cycle did. */
export interface BatchOutcome {
  claimed: number
  delivered: number
  /** Events that failed on their own this cycle (including `parked`). */
  failed: number
  parked: number
  /** Claimed events of erased tenants, deleted instead of written. */
  dropped: number
  /** Erasure job passes run against ClickHouse. */
  erasures: number
  /** Set when the cycle stopped on a failure that is not the events' (ClickHouse or Postgres unreachable…). */
  transientError?: string
}

/** In-process figures of this relay (the outbox status covers all relays). */
export interface RelayMetrics {
  state: 'idle' | 'running' | 'backing_off' | 'draining' | 'stopped'
  delivered_total: number
  parked_total: number
  batches_total: number
  consecutive_failures: number
  last_error: string | null
  last_delivery_at: Date | null
  /** Creation → delivery of the newest event of the last delivered batch, ms. */
  last_batch_lag_ms: number | null
  /** Creation → delivery of the oldest event of the last delivered batch, ms. */
  last_batch_max_lag_ms: number | null
}

/** A running relay: start it, drain it, and read its figures. */
export interface Relay {
  /** Starts the background loop (idempotent). */
  start: () => void
  /** Stops taking new batches, waits for the current one to finish. */
  drain: () => Promise<void>
  /** Runs one claim → insert → acknowledge cycle now (do not mix with a running loop). */
  runOnce: () => Promise<BatchOutcome>
  /** Runs cycles until nothing is due (or a transient failure); returns the totals. */
  runUntilIdle: () => Promise<BatchOutcome>
  /** Skips the current poll wait (call after writing events, to cut lag). */
  wake: () => void
  metrics: () => RelayMetrics
}

interface NormalizedOptions {
  table: string
  batchSize: number
  concurrency: number
  claimMode: 'lease' | 'lock'
  leaseMs: number
  pollIntervalMs: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  retainDeliveredMs: number
  logIntervalMs: number
  erasureSettleMs: number
}

const noop = (): void => {}
const SILENT: RelayLogger = { debug: noop, info: noop, warn: noop, error: noop }

function positiveInt (name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw new ERR_INVALID_OPTION(name, `must be an integer ≥ ${min}`)
  return value
}

/** Validates relay options once (exported for the CLI and tests). */
export function normalizeRelayOptions (options: Omit<RelayOptions, 'db' | 'clickhouse'>): Readonly<NormalizedOptions> {
  const leaseMs = positiveInt('leaseMs', options.leaseMs, DEFAULT_LEASE_MS)
  const normalized: NormalizedOptions = {
    // Checked here too: at insert time a bad name would only look like an outage, retried forever.
    table: checkAcquisitionTable(options.table ?? DEFAULT_ACQUISITION_TABLE),
    batchSize: positiveInt('batchSize', options.batchSize, DEFAULT_BATCH_SIZE),
    concurrency: positiveInt('concurrency', options.concurrency, DEFAULT_CONCURRENCY),
    claimMode: options.claimMode ?? 'lease',
    leaseMs,
    pollIntervalMs: positiveInt('pollIntervalMs', options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS),
    maxAttempts: positiveInt('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS),
    backoffBaseMs: positiveInt('backoffBaseMs', options.backoffBaseMs, DEFAULT_BACKOFF_BASE_MS),
    backoffMaxMs: positiveInt('backoffMaxMs', options.backoffMaxMs, DEFAULT_BACKOFF_MAX_MS),
    retainDeliveredMs: positiveInt('retainDeliveredMs', options.retainDeliveredMs, DEFAULT_RETAIN_DELIVERED_MS, 0),
    logIntervalMs: positiveInt('logIntervalMs', options.logIntervalMs, DEFAULT_LOG_INTERVAL_MS),
    erasureSettleMs: positiveInt('erasureSettleMs', options.erasureSettleMs, leaseMs)
  }
  if (normalized.batchSize > 100_000) throw new ERR_INVALID_OPTION('batchSize', 'must be at most 100000')
  if (normalized.concurrency > 16) throw new ERR_INVALID_OPTION('concurrency', 'must be at most 16')
  if (normalized.claimMode !== 'lease' && normalized.claimMode !== 'lock') throw new ERR_INVALID_OPTION('claimMode', 'must be "lease" or "lock"')
  if (normalized.backoffMaxMs < normalized.backoffBaseMs) throw new ERR_INVALID_OPTION('backoffMaxMs', 'must be ≥ backoffBaseMs')
  return Object.freeze(normalized)
}

/**
 * Capped exponential backoff with jitter: the `failures`-th consecutive failure waits between
 * half and all of `min(max, base · 2^(failures-1))`.
 */
export function backoffDelay (failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30))
  return Math.round(exp / 2 + random() * (exp / 2))
}

const errorText = (err: unknown): string => {
  const e = err as { code?: unknown, type?: unknown, message?: unknown } | null
  const code = e?.type !== undefined ? `${String(e.type)} (${String(e.code)}): ` : (typeof e?.code === 'string' ? `${e.code}: ` : '')
  return (code + String(e?.message ?? err)).slice(0, MAX_ERROR_LENGTH)
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

/** Creates a relay; call `start()` for the background loop or `runOnce()` to drive it. */
export function createRelay<DB extends Database> (options: RelayOptions<DB>): Relay {
  const o = normalizeRelayOptions(options)
  const { db, clickhouse } = options
  const log = options.logger ?? SILENT
  const random = options.random ?? Math.random
  const metrics: RelayMetrics = {
    state: 'idle',
    delivered_total: 0,
    parked_total: 0,
    batches_total: 0,
    consecutive_failures: 0,
    last_error: null,
    last_delivery_at: null,
    last_batch_lag_ms: null,
    last_batch_max_lag_ms: null
  }
  let loop: Promise<void> | null = null
  let stopping = false
  const sleepers = new Set<() => void>()
  let lastPrune = 0
  let backoffUntil = 0
  let sinceLog = { delivered: 0, at: Date.now() }

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
    sinceLog.delivered += delivered.length
  }

  /** Every `logIntervalMs`: what was delivered, the lag, and the backlog of all relays. */
  async function maybeLogProgress (): Promise<void> {
    const now = Date.now()
    if (now - sinceLog.at < o.logIntervalMs) return
    const delivered = sinceLog.delivered
    sinceLog = { delivered: 0, at: now }
    try {
      const backlog = await outboxStatus(db)
      if (delivered === 0 && backlog.pending === 0 && backlog.parked === 0) return
      log.info({
        delivered,
        lagMs: metrics.last_batch_max_lag_ms,
        pending: backlog.pending,
        parked: backlog.parked,
        oldestPendingAgeSeconds: backlog.oldest_pending_age_seconds
      }, 'relay progress')
    } catch (err) {
      log.warn({ error: errorText(err) }, 'relay could not read the backlog')
    }
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
    for (const { item, error } of bad) await failEvent(exec, item.claim, error, outcome)
    if (transient !== null) {
      const error = errorText(transient)
      outcome.transientError = error
      const done = new Set([...ok, ...bad.map((b) => b.item)].map((m) => m.claim.id))
      const rest = mapped.filter((m) => !done.has(m.claim.id)).map((m) => m.claim)
      const delay = backoffDelay(metrics.consecutive_failures + 1, o.backoffBaseMs, o.backoffMaxMs, random)
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
    if (outcome.claimed > 0) metrics.batches_total++
    await runErasures(outcome)
    return outcome
  }

  /** `concurrency` workers run cycles until one finds nothing due or hits a transient failure. */
  async function runUntilIdle (): Promise<BatchOutcome> {
    const total: BatchOutcome = { claimed: 0, delivered: 0, failed: 0, parked: 0, dropped: 0, erasures: 0 }
    let done = false
    async function untilIdle (): Promise<void> {
      while (!done) {
        const outcome = await runOnce()
        total.claimed += outcome.claimed
        total.delivered += outcome.delivered
        total.failed += outcome.failed
        total.parked += outcome.parked
        total.dropped += outcome.dropped
        total.erasures += outcome.erasures
        if (outcome.transientError !== undefined) { total.transientError = outcome.transientError; done = true }
        if (outcome.claimed === 0 && outcome.erasures === 0) done = true
      }
    }
    await Promise.all(Array.from({ length: o.concurrency }, untilIdle))
    return total
  }

  function sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => { clearTimeout(timer); sleepers.delete(wake); resolve() }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })
  }

  const wakeAll = (): void => { for (const wake of [...sleepers]) wake() }

  async function maybePrune (): Promise<void> {
    if (o.retainDeliveredMs === 0 || Date.now() - lastPrune < PRUNE_INTERVAL_MS) return
    lastPrune = Date.now()
    try {
      const pruned = await pruneDelivered(db, o.retainDeliveredMs)
      if (pruned > 0) log.info({ pruned }, 'relay pruned delivered outbox rows')
    } catch (err) {
      log.warn({ error: errorText(err) }, 'relay could not prune delivered outbox rows')
    }
  }

  async function worker (): Promise<void> {
    while (!stopping) {
      metrics.state = 'running'
      const outcome = await runOnce()
      if (stopping) break
      let wait: number
      if (outcome.transientError !== undefined) {
        metrics.last_error = outcome.transientError
        metrics.state = 'backing_off'
        const now = Date.now()
        if (now >= backoffUntil) {
          // One step of backoff per episode, however many workers hit the same outage.
          metrics.consecutive_failures++
          wait = backoffDelay(metrics.consecutive_failures, o.backoffBaseMs, o.backoffMaxMs, random)
          backoffUntil = now + wait
          log.warn({ error: outcome.transientError, failures: metrics.consecutive_failures, retryInMs: wait }, 'relay could not deliver; backing off')
          await maybeLogProgress()
        } else {
          wait = backoffUntil - now
        }
      } else {
        if (metrics.consecutive_failures > 0) log.info({ failures: metrics.consecutive_failures }, 'relay recovered')
        metrics.consecutive_failures = 0
        await maybePrune()
        await maybeLogProgress()
        wait = outcome.claimed >= o.batchSize ? 0 : o.pollIntervalMs
        metrics.state = wait === 0 ? 'running' : 'idle'
      }
      if (wait > 0 && !stopping) await sleep(wait)
    }
  }

  async function run (): Promise<void> {
    await Promise.all(Array.from({ length: o.concurrency }, worker))
  }

  return {
    start () {
      if (loop !== null) return
      stopping = false
      loop = run().catch((err: unknown) => {
        log.error({ error: errorText(err) }, 'relay loop stopped on an unexpected error')
      })
    },
    async drain () {
      stopping = true
      if (metrics.state !== 'stopped') metrics.state = 'draining'
      wakeAll()
      await loop
      loop = null
      metrics.state = 'stopped'
    },
    runOnce,
    runUntilIdle,
    wake: wakeAll,
    metrics: () => ({ ...metrics })
  }
}
