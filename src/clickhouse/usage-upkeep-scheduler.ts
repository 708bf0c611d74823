/**
 * The scheduler of the usage upkeep (usage-upkeep.ts): one pass at start, then one every
 * `intervalMs` after the previous one ended, never two at once in a process.
 *
 * Why a scheduler in the package rather than in ClickHouse: the passes share a staging table
 * and must not overlap, and a refreshable view cannot run the per-month swaps. With `db` on a
 * Postgres server each pass takes `pg_try_advisory_lock`, so of several gateways only one
 * runs at a time and the others skip that hour. Each pass is reported through `telemetry`
 * (metrics) and `onRun` (logs).
 */
import { sql, type Kysely } from 'kysely'
import type { ClickHouseHandle } from './client.ts'
import { runUsageUpkeep, type UsageUpkeepOptions, type UsageUpkeepResult } from './usage-upkeep.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../shared/telemetry.ts'
import type { Database } from '../store/database.ts'

/** Default interval of the scheduler: hourly. */
export const DEFAULT_UPKEEP_INTERVAL_MS = 3600_000
/** The advisory-lock key of the upkeep on a Postgres server (any constant the host does not use). */
export const UPKEEP_LOCK_KEY = 0x61747472_00000017n

/** What the scheduler reports (for metrics and readiness). */
export interface UsageUpkeepStatus {
  /** Whether a pass is running now. */
  running: boolean
  /** End of the last successful pass (epoch ms), or null. */
  lastSuccessAt: number | null
  /** Duration of the last pass, successful or not (ms), or null. */
  lastDurationMs: number | null
  /** Passes that failed since the scheduler was created. */
  failures: number
  /** The last pass's error, or null after a success. */
  lastError: Error | null
}

/** Options of `createUsageUpkeep`. */
export interface UsageUpkeepSchedulerOptions<DB extends Database = Database> extends UsageUpkeepOptions {
  clickhouse: ClickHouseHandle
  /**
   * Postgres (Kysely) shared by every gateway: on a Postgres server each pass takes
   * `pg_try_advisory_lock`, and a pass that finds it held is skipped. Omit it when a single
   * process runs the upkeep (the embedded engine).
   */
  db?: Kysely<DB>
  /** Time between passes (default 1 h). */
  intervalMs?: number
  /** Where each pass is reported (metrics); default none. A skipped pass reports nothing. */
  telemetry?: AttributionTelemetry
  /** Called after each pass: its result, or its error (`skipped` when another process held the lock). */
  onRun?: (outcome: { result?: UsageUpkeepResult, error?: Error, skipped?: boolean }) => void
}

/** The upkeep's scheduler: `start` runs a pass now and then every `intervalMs`. */
export interface UsageUpkeep {
  start: () => void
  /** Stops scheduling and waits for a running pass to end. */
  stop: () => Promise<void>
  /** One pass now (after a running one); resolves with its result, or null when skipped. */
  runOnce: () => Promise<UsageUpkeepResult | null>
  status: () => UsageUpkeepStatus
}

/**
 * A scheduler of upkeep passes for one process: at most one pass at a time, the next
 * `intervalMs` after the previous one ended; a failure is counted and reported through
 * `onRun`, and the next pass retries.
 */
export function createUsageUpkeep<DB extends Database = Database> (options: UsageUpkeepSchedulerOptions<DB>): UsageUpkeep {
  const intervalMs = options.intervalMs ?? DEFAULT_UPKEEP_INTERVAL_MS
  const telemetry = options.telemetry ?? NOOP_TELEMETRY
  const state: UsageUpkeepStatus = { running: false, lastSuccessAt: null, lastDurationMs: null, failures: 0, lastError: null }
  let timer: NodeJS.Timeout | null = null
  let stopped = true
  let current: Promise<UsageUpkeepResult | null> = Promise.resolve(null)

  const locked = async (): Promise<UsageUpkeepResult | null> => {
    const db = options.db
    if (db === undefined) return runUsageUpkeep(options.clickhouse, options)
    return db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${UPKEEP_LOCK_KEY.toString()}::bigint) AS ok`.execute(conn)
      if (got.rows[0]?.ok !== true) return null
      try {
        return await runUsageUpkeep(options.clickhouse, options)
      } finally {
        await sql`SELECT pg_advisory_unlock(${UPKEEP_LOCK_KEY.toString()}::bigint)`.execute(conn)
      }
    })
  }

  const pass = async (): Promise<UsageUpkeepResult | null> => {
    state.running = true
    const t0 = Date.now()
    try {
      const result = await locked()
      state.lastDurationMs = Date.now() - t0
      if (result !== null) {
        state.lastSuccessAt = Date.now()
        state.lastError = null
        telemetry.usageUpkeepRun({ ok: true, finishedAt: state.lastSuccessAt, durationSeconds: state.lastDurationMs / 1000 })
      }
      options.onRun?.(result !== null ? { result } : { skipped: true })
      return result
    } catch (err) {
      state.lastDurationMs = Date.now() - t0
      state.failures++
      state.lastError = err as Error
      telemetry.clickhouseError('usage_upkeep', err)
      telemetry.usageUpkeepRun({ ok: false, finishedAt: Date.now(), durationSeconds: state.lastDurationMs / 1000 })
      options.onRun?.({ error: err as Error })
      throw err
    } finally {
      state.running = false
    }
  }

  const runOnce = (): Promise<UsageUpkeepResult | null> => {
    const next = current.catch(() => null).then(pass)
    current = next
    return next
  }

  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(() => {
      timer = null
      runOnce().catch(() => {}).finally(schedule)
    }, intervalMs)
    timer.unref()
  }

  return {
    start: () => {
      if (!stopped) return
      stopped = false
      runOnce().catch(() => {}).finally(schedule)
    },
    stop: async () => {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      await current.catch(() => null)
    },
    runOnce,
    status: () => ({ ...state })
  }
}
