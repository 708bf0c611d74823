/**
 * The package's Prometheus metrics, on the Prometheus project's own Node client
 * (`@prometheus-io/client`, formerly `prom-client`): the only module that imports it.
 *
 * `createAttributionMetrics` registers every metric in a registry the host passes in, or in
 * one of its own, never in the library's global default (two copies of a client, or prom-client
 * beside `@prometheus-io/client`, would each have their own global, and metrics would vanish
 * silently). It returns the `AttributionTelemetry` the pieces report into.
 *
 * Naming follows Prometheus' rules: one prefix (`attribution_`), base units in the name
 * (`_seconds`), `_total` on counters, `_timestamp_seconds` for times. Label values come from
 * fixed sets (`src/shared/telemetry.ts`); anything else becomes `other`.
 *
 * Hot path: a capture decision is one map lookup and one increment of an array slot, read
 * into the counter at scrape time (`npm run bench:capture` prints the cost). The outbox and
 * erasure gauges are read from Postgres when scraped, one aggregate each, kept for
 * `statusCacheMs` so any number of scrapers (or replicas' scrapes) cost one read per period.
 */
import { Counter, Gauge, Histogram, Registry } from '@prometheus-io/client'
import type { Kysely } from 'kysely'
import { CHANNEL_GROUPS, REFERRAL_STATUSES, type ChannelGroup, type ReferralStatus } from '../contracts.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import type { Relay, RelayMetrics } from '../ingest/relay.ts'
import { CHANNEL_RULES_VERSION } from '../shared/channel.ts'
import type { Database } from '../store/database.ts'
import { bounded, cachedRead, CLICKHOUSE_ERROR_KINDS, clickHouseErrorKind, OTHER, packageVersion, registerProcessMetrics } from './metric-parts.ts'
import { erasureJobsStatus, type ErasureJobsStatus } from '../store/erasure-jobs.repository.ts'
import { outboxStatus, type OutboxStatus } from '../store/outbox-claims.repository.ts'
import {
  CAPTURE_DECISIONS, CLICKHOUSE_OPERATIONS, RELAY_EVENT_OUTCOMES, RELAY_FAILURE_KINDS, REPORT_NAMES,
  type AttributionTelemetry, type CaptureDecision, type UsageUpkeepRun
} from '../shared/telemetry.ts'

/** How long the outbox and erasure figures read at a scrape are kept; default 10 s. */
export const DEFAULT_STATUS_CACHE_MS = 10_000
/** Report duration buckets, seconds (the reports' target is p95 < 1.5 s). */
export const REPORT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30, 120])
/** Relay lag buckets, seconds (signup → row accepted by ClickHouse; the target is p99 < 2 s). */
export const RELAY_LAG_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800])

const RELAY_STATES: ReadonlyArray<RelayMetrics['state']> = ['idle', 'running', 'backing_off', 'draining', 'stopped']

/** Options of `createAttributionMetrics`. */
export interface AttributionMetricsOptions<DB extends Database = Database> {
  /**
   * The registry to register in (the host's, to serve one exposition with its own metrics).
   * Default: a registry of the package's own.
   */
  registry?: Registry
  /**
   * Collect the client's default process and Node.js metrics (`process_cpu_seconds_total`,
   * `nodejs_eventloop_lag_seconds`, heap, GC) into the registry. Default: true with the
   * package's own registry, false with the host's (which collects them itself, once).
   */
  processMetrics?: boolean
  /** Postgres holding the outbox and the erasure jobs: their gauges are read at scrape time. Default none (no such gauges). */
  db?: Kysely<DB>
  /** How long figures read from Postgres at a scrape are kept, ms. Default {@link DEFAULT_STATUS_CACHE_MS}. */
  statusCacheMs?: number
}

/** What `createAttributionMetrics` returns. */
export interface AttributionMetrics {
  /** The registry holding the package's metrics (the host's when given). */
  registry: Registry
  /** Pass this to the capture plugin, `recordSignup`, the relay, the reports plugin and the upkeep. */
  telemetry: AttributionTelemetry
  /**
   * Adds gauges of this process's relay, read at scrape time: `attribution_relay_state` and
   * `attribution_relay_consecutive_failures`. Call it once, after `createRelay({ telemetry })`.
   */
  observeRelay: (relay: Pick<Relay, 'metrics'>) => void
}

/**
 * Registers the package's metrics and returns the telemetry to hand to its pieces. Call it
 * once per registry: a second call on the same registry stops with `FW_ATTR_INVALID_OPTION`.
 */
export function createAttributionMetrics<DB extends Database = Database> (options: AttributionMetricsOptions<DB> = {}): AttributionMetrics {
  const registry = options.registry ?? new Registry()
  if (!(registry instanceof Registry)) throw new ERR_INVALID_OPTION('registry', 'must be a Registry of @prometheus-io/client')
  if (registry.getSingleMetric('attribution_build_info') !== undefined) {
    throw new ERR_INVALID_OPTION('registry', 'already holds the attribution metrics (create them once per registry)')
  }
  const statusCacheMs = options.statusCacheMs ?? DEFAULT_STATUS_CACHE_MS
  if (!Number.isInteger(statusCacheMs) || statusCacheMs < 0) throw new ERR_INVALID_OPTION('statusCacheMs', 'must be a non-negative integer')
  if (options.processMetrics ?? options.registry === undefined) registerProcessMetrics(registry)
  const registers = [registry]

  new Gauge({
    name: 'attribution_build_info',
    help: 'The package version and channel-rule version; always 1.',
    labelNames: ['version', 'channel_rules_version'],
    registers
  }).set({ version: packageVersion(), channel_rules_version: String(CHANNEL_RULES_VERSION) }, 1)

  // ── Capture ────────────────────────────────────────────────────────────
  // The hot path adds to a plain array slot; the counter takes the totals when scraped (a
  // labelled increment of the client hashes its labels on every call: ~0.5 µs here).
  const decisionIndex = new Map<string, number>(CAPTURE_DECISIONS.map((d, i) => [d, i]))
  const captureCounts = new Float64Array(CAPTURE_DECISIONS.length + 1)
  new Counter({
    name: 'attribution_capture_requests_total',
    help: 'Capture candidates (HTML navigations, campaign URLs, beacons, referral links) by what the capture hook decided.',
    labelNames: ['decision'],
    registers,
    collect () {
      this.reset()
      for (const [i, decision] of CAPTURE_DECISIONS.entries()) this.inc({ decision }, captureCounts[i]!)
      if (captureCounts[CAPTURE_DECISIONS.length]! > 0) this.inc({ decision: OTHER }, captureCounts[CAPTURE_DECISIONS.length]!)
    }
  })
  const captureErrors = new Counter({ name: 'attribution_capture_errors_total', help: 'Capture hook failures (the request went on without attribution).', registers })

  // ── Signups ────────────────────────────────────────────────────────────
  const channelGroups = new Set<string>(CHANNEL_GROUPS)
  const referralStatuses = new Set<string>([...REFERRAL_STATUSES, 'none'])
  const signups = new Counter({
    name: 'attribution_signups_recorded_total',
    help: 'Signups recorded by recordSignup, by channel group and referral status (none: no code given).',
    labelNames: ['channel_group', 'referral_status'],
    registers
  })
  const signupFailures = new Counter({ name: 'attribution_signup_record_failures_total', help: 'recordSignup calls that threw (the tenant transaction failed with them).', registers })

  // ── Relay ──────────────────────────────────────────────────────────────
  const relayEvents = new Counter({ name: 'attribution_relay_events_total', help: 'Outbox events handled by the relay, by outcome.', labelNames: ['outcome'], registers })
  const relayOutcomes = new Set<string>(RELAY_EVENT_OUTCOMES)
  for (const outcome of RELAY_EVENT_OUTCOMES) relayEvents.inc({ outcome }, 0)
  const relayBatches = new Counter({ name: 'attribution_relay_batches_total', help: 'Relay cycles that claimed at least one event.', registers })
  const relayFailures = new Counter({ name: 'attribution_relay_failures_total', help: 'Relay failures by kind: transient (a database unreachable, the relay backs off), rejected and unusable (events), erasure (a ClickHouse erasure pass).', labelNames: ['kind'], registers })
  const relayFailureKinds = new Set<string>(RELAY_FAILURE_KINDS)
  for (const kind of RELAY_FAILURE_KINDS) relayFailures.inc({ kind }, 0)
  const relayLag = new Histogram({ name: 'attribution_relay_delivery_lag_seconds', help: 'Signup (outbox event creation) to the row accepted by ClickHouse, per event.', buckets: [...RELAY_LAG_BUCKETS], registers })
  const erasuresCompleted = new Counter({ name: 'attribution_erasure_jobs_completed_total', help: 'Erasure jobs this process completed (both ClickHouse passes done).', registers })

  // ── Outbox and erasure backlog, read at scrape time ────────────────────
  const db = options.db
  if (db !== undefined) {
    const readStatus = cachedRead(async (): Promise<{ outbox: OutboxStatus, erasure: ErasureJobsStatus }> => {
      try {
        const [outbox, erasure] = await Promise.all([outboxStatus(db), erasureJobsStatus(db)])
        return { outbox, erasure }
      } catch (err) {
        statusReadFailures.inc()
        throw err
      }
    }, statusCacheMs)
    const statusReadFailures = new Counter({
      name: 'attribution_status_read_failures_total',
      help: 'Reads of the outbox and erasure figures from Postgres that failed (the gauges keep their last values).',
      registers,
      // Reported after this scrape's read, so a failure shows in the scrape that saw it.
      async collect () { await readStatus().catch(() => {}) }
    })
    /** A gauge set from the status read at collection; a failed read leaves the last value. */
    const statusGauge = (name: string, help: string, set: (gauge: Gauge<string>, s: { outbox: OutboxStatus, erasure: ErasureJobsStatus }) => void, labelNames: string[] = []): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect () {
          try {
            set(this, await readStatus())
          } catch {
            // Counted by attribution_status_read_failures_total, once per read.
          }
        }
      })
    }
    new Gauge({
      name: 'attribution_status_up',
      help: 'Whether the last read of the outbox and erasure figures from Postgres succeeded (1) or failed (0).',
      registers,
      async collect () {
        try {
          await readStatus()
          this.set(1)
        } catch {
          this.set(0)
        }
      }
    })
    statusGauge('attribution_outbox_pending_events', 'Outbox events waiting for the relay (all relays).', (g, s) => g.set(s.outbox.pending))
    statusGauge('attribution_outbox_oldest_pending_age_seconds', 'Age of the oldest pending outbox event; 0 when none is pending.', (g, s) => g.set(s.outbox.oldest_pending_age_seconds))
    statusGauge('attribution_outbox_parked_events', 'Outbox events parked after repeated rejections (requeue them with POST /ingest/parked/requeue).', (g, s) => g.set(s.outbox.parked))
    statusGauge('attribution_erasure_jobs', 'Erasure jobs by state: pending (not completed), failing (pending, last pass failed), completed.', (g, s) => {
      g.set({ state: 'pending' }, s.erasure.pending)
      g.set({ state: 'failing' }, s.erasure.failing)
      g.set({ state: 'completed' }, s.erasure.completed)
    }, ['state'])
    statusGauge('attribution_erasure_oldest_pending_age_seconds', 'Age of the oldest pending erasure job; 0 when none is pending.', (g, s) => g.set(s.erasure.oldest_pending_age_seconds))
  }

  // ── ClickHouse, reports, public stats ──────────────────────────────────
  const clickhouseOperations = new Set<string>(CLICKHOUSE_OPERATIONS)
  const clickhouseErrors = new Counter({ name: 'attribution_clickhouse_errors_total', help: 'ClickHouse errors by operation and kind (timeout, memory_limit, unavailable, query, other).', labelNames: ['operation', 'kind'], registers })
  // Every series from the start, so rate() and increase() see the first error.
  for (const operation of CLICKHOUSE_OPERATIONS) for (const kind of CLICKHOUSE_ERROR_KINDS) clickhouseErrors.inc({ operation, kind }, 0)
  const reportNames = new Set<string>(REPORT_NAMES)
  const reportDuration = new Histogram({
    name: 'attribution_report_duration_seconds',
    help: 'Report answers by report, format (json, csv) and status class, until the last byte was handed to the socket.',
    labelNames: ['report', 'format', 'status_class'],
    buckets: [...REPORT_DURATION_BUCKETS],
    registers
  })
  const csvRows = new Counter({ name: 'attribution_report_csv_rows_total', help: 'Data rows streamed in CSV exports, by report.', labelNames: ['report'], registers })
  const statsServed = new Counter({ name: 'attribution_public_stats_requests_total', help: 'Public network stats answered from the cache (hit) or after a ClickHouse query (miss).', labelNames: ['cache'], registers })
  statsServed.inc({ cache: 'hit' }, 0)
  statsServed.inc({ cache: 'miss' }, 0)
  const statsLimited = new Counter({ name: 'attribution_public_stats_rate_limited_total', help: 'Public network stats requests refused by the rate limit (429).', registers })

  // ── Usage upkeep: registered on its first run, so a process that does not run it shows none ──
  let upkeep: { last: Gauge, duration: Gauge, failures: Counter, runs: Counter } | undefined
  const upkeepMetrics = (): NonNullable<typeof upkeep> => {
    upkeep ??= {
      last: new Gauge({ name: 'attribution_usage_snapshot_last_success_timestamp_seconds', help: 'When the usage upkeep last brought the snapshot up to date (Unix seconds).', registers }),
      duration: new Gauge({ name: 'attribution_usage_snapshot_duration_seconds', help: 'Duration of the last usage upkeep run.', registers }),
      failures: new Counter({ name: 'attribution_usage_snapshot_failures_total', help: 'Usage upkeep runs that failed.', registers }),
      runs: new Counter({ name: 'attribution_usage_snapshot_runs_total', help: 'Usage upkeep runs.', registers })
    }
    return upkeep
  }

  const reportOf = (routeUrl: string | undefined): string => bounded(routeUrl?.slice(routeUrl.lastIndexOf('/') + 1), reportNames)

  const telemetry: AttributionTelemetry = {
    captureDecision (decision: CaptureDecision) { captureCounts[decisionIndex.get(decision) ?? CAPTURE_DECISIONS.length]!++ },
    captureError () { captureErrors.inc() },
    signupRecorded (channelGroup: ChannelGroup, referralStatus: ReferralStatus | null) {
      signups.inc({ channel_group: bounded(channelGroup, channelGroups), referral_status: bounded(referralStatus ?? 'none', referralStatuses) })
    },
    signupFailed () { signupFailures.inc() },
    relayBatch () { relayBatches.inc() },
    relayEvents (outcome, count) { if (count > 0) relayEvents.inc({ outcome: bounded(outcome, relayOutcomes) }, count) },
    relayFailure (kind) { relayFailures.inc({ kind: bounded(kind, relayFailureKinds) }) },
    relayLag (seconds) { if (Number.isFinite(seconds)) relayLag.observe(Math.max(0, seconds)) },
    erasuresCompleted (count) { if (count > 0) erasuresCompleted.inc(count) },
    clickhouseError (operation, error) {
      clickhouseErrors.inc({ operation: bounded(operation, clickhouseOperations), kind: clickHouseErrorKind(error) })
    },
    reportServed (routeUrl, contentType, statusCode, seconds) {
      const format = typeof contentType === 'string' && contentType.startsWith('text/csv') ? 'csv' : 'json'
      const statusClass = statusCode >= 200 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : OTHER
      reportDuration.observe({ report: reportOf(routeUrl), format, status_class: statusClass }, Math.max(0, seconds))
    },
    csvRowsStreamed (routeUrl, rows) { if (rows > 0) csvRows.inc({ report: reportOf(routeUrl) }, rows) },
    publicStatsServed (result) { statsServed.inc({ cache: result === 'hit' ? 'hit' : 'miss' }) },
    publicStatsRateLimited () { statsLimited.inc() },
    usageUpkeepRun (run: UsageUpkeepRun) {
      const m = upkeepMetrics()
      m.runs.inc()
      if (Number.isFinite(run.durationSeconds)) m.duration.set(Math.max(0, run.durationSeconds))
      if (run.ok) m.last.set(run.finishedAt / 1000)
      else m.failures.inc()
    }
  }
  let observed = false
  function observeRelay (relay: Pick<Relay, 'metrics'>): void {
    if (observed) throw new ERR_INVALID_OPTION('relay', 'observeRelay takes one relay per registry')
    if (relay === null || typeof relay !== 'object' || typeof relay.metrics !== 'function') throw new ERR_INVALID_OPTION('relay', 'pass the relay of createRelay()')
    observed = true
    new Gauge({
      name: 'attribution_relay_state',
      help: 'The relay\'s state: 1 for the current one.',
      labelNames: ['state'],
      registers,
      collect () {
        const state = relay.metrics().state
        for (const s of RELAY_STATES) this.set({ state: s }, s === state ? 1 : 0)
      }
    })
    new Gauge({
      name: 'attribution_relay_consecutive_failures',
      help: 'Transient failures in a row (one per outage episode); 0 once a cycle succeeds.',
      registers,
      collect () { this.set(relay.metrics().consecutive_failures) }
    })
  }

  return { registry, telemetry: Object.freeze(telemetry), observeRelay }
}
