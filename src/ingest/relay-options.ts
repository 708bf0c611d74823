/**
 * The relay's options: their types and `DEFAULT_*` values, `normalizeRelayOptions` (validated
 * once, frozen; a bad value stops `createRelay` with `ERR_INVALID_OPTION`), and the backoff
 * rule every retry of the relay follows. Kept apart from the cycle and the loop so the CLI and
 * tests can check options without a database.
 */
import type { ClickHouseHandle } from '../clickhouse/client.ts'
import type { Kysely } from 'kysely'
import { ERR_INVALID_OPTION } from '../errors.ts'
import type { AttributionTelemetry } from '../shared/telemetry.ts'
import type { Database } from '../store/database.ts'
import { checkAcquisitionTable } from './acquisition-writer.ts'

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
  /** ClickHouse (from `openClickHouse`): FrameWorks' database and the package's own. */
  clickhouse: ClickHouseHandle
  /** FrameWorks' table; default `tenant_acquisition_events` in FrameWorks' database (on a cluster: the Distributed table). */
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
  /** Where batches, events, failures, lag and erasures are counted (`createAttributionMetrics().telemetry`). Default: nowhere. */
  telemetry?: AttributionTelemetry
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number
  /**
   * Test hook, called after ClickHouse accepted a batch and before it is acknowledged in
   * Postgres (the crash window the deduplication token covers).
   */
  afterInsert?: (eventIds: readonly string[]) => void | Promise<void>
}

/** `RelayOptions` after `normalizeRelayOptions`: every tuning value set and checked. */
export interface NormalizedRelayOptions {
  /** Undefined: `tenant_acquisition_events` in FrameWorks' database. */
  table: string | undefined
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
/** The logger of a relay given none. */
export const SILENT_LOGGER: RelayLogger = { debug: noop, info: noop, warn: noop, error: noop }

function positiveInt (name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw new ERR_INVALID_OPTION(name, `must be an integer ≥ ${min}`)
  return value
}

/** Validates relay options once (exported for the CLI and tests). */
export function normalizeRelayOptions (options: Omit<RelayOptions, 'db' | 'clickhouse'>): Readonly<NormalizedRelayOptions> {
  const leaseMs = positiveInt('leaseMs', options.leaseMs, DEFAULT_LEASE_MS)
  const normalized: NormalizedRelayOptions = {
    // Checked here too: at insert time a bad name would only look like an outage, retried forever.
    table: options.table === undefined ? undefined : checkAcquisitionTable(options.table),
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
