/**
 * The one interface every piece of the package reports into (capture, signups, relay,
 * erasures, reports, public stats, usage upkeep), and its no-op default.
 *
 * Why an interface and not the metrics library: the pieces stay free of any metrics client
 * (the Prometheus one lives in `src/operations/metrics.ts`, the only importer of
 * `@prometheus-io/client`); a host that does not want metrics pays one empty call per event,
 * and a host that exports elsewhere (OpenTelemetry, StatsD) implements these few methods
 * itself. It sits on the bottom floor, beside the other shared rules, so every piece can
 * import it while `src/operations/` (which reads the store and the relay) stays above them.
 *
 * Every argument is either a number or a value from one of the fixed sets below; an
 * implementation maps anything else to `other`, so a label never carries a tenant id, a
 * code, a UTM value or a path.
 */
import type { ChannelGroup, ReferralStatus } from '../contracts.ts'

/** What the capture hook did with a candidate request (HTML navigation or campaign URL). */
export const CAPTURE_DECISIONS = [
  /** A new visitor: the first-touch cookie was set. */
  'cookie_set',
  /** A returning visitor with a new signal: the cookie was rewritten with a new last touch. */
  'cookie_updated',
  /** Re-signed with the newest secret (rotation), touches unchanged. */
  'cookie_refreshed',
  /** Consent denied: no cookie; one the request carried was cleared. */
  'consent_denied',
  /** A client kind that never gets a cookie (crawlers). */
  'client_skipped',
  /** A returning visitor without a new signal: nothing written. */
  'no_signal'
] as const
/** A value of {@link CAPTURE_DECISIONS}. */
export type CaptureDecision = typeof CAPTURE_DECISIONS[number]

/** How a relay cycle's events ended. */
export const RELAY_EVENT_OUTCOMES = ['delivered', 'parked', 'retried', 'dropped_erased'] as const
/** A value of {@link RELAY_EVENT_OUTCOMES}. */
export type RelayEventOutcome = typeof RELAY_EVENT_OUTCOMES[number]

/** Why a relay cycle or an event failed. */
export const RELAY_FAILURE_KINDS = [
  /** A database was unreachable or overloaded: the cycle stopped and the relay backs off. */
  'transient',
  /** ClickHouse refused the event's row (it is retried, then parked). */
  'rejected',
  /** The event's payload cannot become a row (parked at once). */
  'unusable',
  /** An erasure pass failed against ClickHouse (the jobs are retried). */
  'erasure'
] as const
/** A value of {@link RELAY_FAILURE_KINDS}. */
export type RelayFailureKind = typeof RELAY_FAILURE_KINDS[number]

/** The reports a duration is kept for (the route's last path segment). */
export const REPORT_NAMES = ['network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes', 'tenant-usage'] as const

/** Where ClickHouse failed. */
export const CLICKHOUSE_OPERATIONS = ['relay_insert', 'erasure', 'report', 'public_stats', 'usage_upkeep'] as const
/** A value of {@link CLICKHOUSE_OPERATIONS}. */
export type ClickHouseOperation = typeof CLICKHOUSE_OPERATIONS[number]

/** What one run of the usage upkeep reports (`onRun` of the upkeep job). */
export interface UsageUpkeepRun {
  /** Whether the run finished and the snapshot is current. */
  ok: boolean
  /** When it finished (ms since the epoch). */
  finishedAt: number
  /** How long it took, in seconds. */
  durationSeconds: number
}

/**
 * What the package's pieces report. Each method is called on the path it describes, so an
 * implementation must be cheap (a counter increment) and must never throw.
 */
export interface AttributionTelemetry {
  /** The capture hook's decision for a candidate request. */
  captureDecision: (decision: CaptureDecision) => void
  /** The capture hook threw (the request went on without attribution). */
  captureError: () => void
  /** `recordSignup` wrote a signup; `referralStatus` null when no code was given. */
  signupRecorded: (channelGroup: ChannelGroup, referralStatus: ReferralStatus | null) => void
  /** `recordSignup` threw (the tenant transaction fails with it). */
  signupFailed: () => void
  /** One relay cycle claimed a batch (counted once per batch with events). */
  relayBatch: () => void
  /** Events of a cycle ended in `outcome`. */
  relayEvents: (outcome: RelayEventOutcome, count: number) => void
  /** A failure of a cycle, a batch or an event. */
  relayFailure: (kind: RelayFailureKind) => void
  /** Seconds from an event's creation (signup) to its acknowledgement after the insert. */
  relayLag: (seconds: number) => void
  /** Erasure jobs completed (both passes done). */
  erasuresCompleted: (count: number) => void
  /** A ClickHouse error, by where it happened; the implementation derives the kind from `error`. */
  clickhouseError: (operation: ClickHouseOperation, error: unknown) => void
  /** A report was answered: route URL, content type, status and duration in seconds. */
  reportServed: (routeUrl: string | undefined, contentType: unknown, statusCode: number, seconds: number) => void
  /** A CSV export finished streaming `rows` data rows. */
  csvRowsStreamed: (routeUrl: string | undefined, rows: number) => void
  /** The public stats answered from the cache (`hit`) or after computing (`miss`). */
  publicStatsServed: (result: 'hit' | 'miss') => void
  /** The public stats' rate limit refused a request. */
  publicStatsRateLimited: () => void
  /** The usage upkeep ran (the job's `onRun` callback). */
  usageUpkeepRun: (run: UsageUpkeepRun) => void
}

const noop = (): void => {}

/** Telemetry that records nothing: the default of every piece. */
export const NOOP_TELEMETRY: AttributionTelemetry = Object.freeze({
  captureDecision: noop,
  captureError: noop,
  signupRecorded: noop,
  signupFailed: noop,
  relayBatch: noop,
  relayEvents: noop,
  relayFailure: noop,
  relayLag: noop,
  erasuresCompleted: noop,
  clickhouseError: noop,
  reportServed: noop,
  csvRowsStreamed: noop,
  publicStatsServed: noop,
  publicStatsRateLimited: noop,
  usageUpkeepRun: noop
})
