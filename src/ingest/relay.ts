/**
 * The outbox relay's loop: `createRelay` runs `concurrency` workers that repeat the cycle of
 * `relay-cycle.ts` (claim → insert → acknowledge; the exactly-once argument is there), poll
 * an empty outbox, back off once per outage however many workers hit it, prune delivered rows,
 * log progress, and drain on shutdown. Options and their defaults: `relay-options.ts`.
 */
import type { Database } from '../store/database.ts'
import { outboxStatus, pruneDelivered } from '../store/outbox-claims.repository.ts'
import { createRelayCycle } from './relay-cycle.ts'
import { errorText, type BatchOutcome, type DeliveryMetrics } from './relay-outcome.ts'
import { SILENT_LOGGER, backoffDelay, normalizeRelayOptions, type RelayOptions } from './relay-options.ts'

const PRUNE_INTERVAL_MS = 3600_000

/** In-process figures of this relay (the outbox status covers all relays). */
export interface RelayMetrics extends DeliveryMetrics {
  state: 'idle' | 'running' | 'backing_off' | 'draining' | 'stopped'
  consecutive_failures: number
  last_error: string | null
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

/** Creates a relay; call `start()` for the background loop or `runOnce()` to drive it. */
export function createRelay<DB extends Database> (options: RelayOptions<DB>): Relay {
  const o = normalizeRelayOptions(options)
  const { db } = options
  const log = options.logger ?? SILENT_LOGGER
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
  const runOnce = createRelayCycle({
    options,
    settings: o,
    log,
    random,
    metrics,
    consecutiveFailures: () => metrics.consecutive_failures,
    onDelivered: (count) => { sinceLog.delivered += count }
  })

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