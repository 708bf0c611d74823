/**
 * The hourly upkeep of the package's ClickHouse database: it copies the acquisition rows
 * FrameWorks' Go ingest wrote into `attribution_signups`, and brings the usage snapshot
 * `attribution_usage_daily` up to date by recomputing only the days FrameWorks rewrote.
 *
 * Why not a refreshable view: a non-APPEND refresh recomputes all history every hour (254 s
 * and 11.5 GB of engine memory at 100,000 tenants × 730 days), and an embedded engine reruns
 * it on every start. FrameWorks' rollups rewrite only a bounded recent window, each rewritten
 * key with a newer `refresh_version_ms`, so the changed days can be found and only they
 * recomputed (the measured design of shared/reference/upkeep-and-operations.md §1.4):
 *
 * 1. Watermark W = the last successful run's start − a margin (default 2 h: a FrameWorks
 *    refresh whose version predates its commit, replica lag).
 * 2. Changed days: `DISTINCT day` of the four `*_store` tables' rows with
 *    `refresh_version_ms > W` (one column read, nothing summed).
 * 3. The shadow table starts as the current snapshot (every month hard-linked in). For each
 *    month holding changed days: staging ← our rows of the month's other days + the changed
 *    days recomputed through FrameWorks' public views; then `REPLACE PARTITION` into the
 *    shadow (or `DROP PARTITION` when the month is left empty: ClickHouse 26.6+ refuses an
 *    empty source). A key FrameWorks rewrote to all zeros is gone after it.
 * 4. `EXCHANGE TABLES` swaps the shadow in, then a run-log row (only on success): its start
 *    is the next watermark.
 *
 * A full build (no successful run yet, the last one older than `maxGapMs`, a changed
 * recompute SELECT, or the last full build older than `reconcileEveryMs`) fills an empty
 * shadow one month at a time (bounded memory), logs each finished month, resumes after a
 * crash from the first month not logged (the shadow keeps the finished ones), and swaps the
 * shadow in at the end.
 *
 * Consistency: the reports read `attribution_usage_daily`, which only ever changes by one
 * `EXCHANGE TABLES` per pass, so every answer reads one pass's snapshot, whatever months it
 * spans. A pass cut short changes nothing the reports read.
 *
 * Runs must not overlap (they share the staging table): the scheduler
 * (usage-upkeep-scheduler.ts) serializes them.
 */
import { randomUUID } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import { copyAcquisitionRows } from './acquisition-copy.ts'
import { jsonRows, type ClickHouseHandle } from './client.ts'
import { USAGE_SELECT_VERSION, usageRecomputeSql } from './usage-recompute.sql.ts'
import { SIGNUPS_TABLE } from '../ingest/acquisition-writer.ts'

/** The usage snapshot the reports read. */
export const USAGE_TABLE = 'attribution_usage_daily'
/** Where a month is built before it is swapped in. */
export const USAGE_STAGING_TABLE = 'attribution_usage_daily_staging'
/** One row per upkeep run (and per month of a full build). */
export const USAGE_UPKEEP_LOG = 'attribution_usage_upkeep_log'
/** Where a pass builds the next snapshot before it swaps it in (sql/clickhouse/attribution/003). */
export const USAGE_SHADOW_TABLE = 'attribution_usage_daily_shadow'
export { SIGNUPS_TABLE }

/** FrameWorks' stores whose `refresh_version_ms` says which days were rewritten. */
export const FRAMEWORKS_STORES = ['tenant_viewer_daily_store', 'processing_daily_store', 'api_usage_daily_store', 'tenant_analytics_daily_store'] as const

/** Default margin below the last run's start (see the module header). */
export const DEFAULT_UPKEEP_MARGIN_MS = 2 * 3600_000
/** Default longest gap since the last successful run before a full build. */
export const DEFAULT_UPKEEP_MAX_GAP_MS = 7 * 24 * 3600_000
/** Default age of the last full build before the next run is a full build (a weekly reconcile). */
export const DEFAULT_UPKEEP_RECONCILE_MS = 7 * 24 * 3600_000

/** Options of one upkeep pass. */
export interface UsageUpkeepOptions {
  /** Margin below the last successful run's start (default 2 h). */
  marginMs?: number
  /** A last success older than this makes the run a full build (default 7 days). */
  maxGapMs?: number
  /** A last full build older than this makes the run a full build (default 7 days). */
  reconcileEveryMs?: number
  /** Force a full build (the rebuild; a test). */
  full?: boolean
  /** Copy FrameWorks' Go-ingest acquisition rows first (default true; the rebuild copies its own). */
  copySignups?: boolean
  /** Test hook: called after each month is swapped in; throwing stops the run there. */
  afterPartition?: (partition: number) => void | Promise<void>
}

/** What one upkeep pass did. */
export interface UsageUpkeepResult {
  /** `incremental`, `full` (from nothing or a reconcile), or `resumed` (a full build cut short, continued). */
  mode: 'incremental' | 'full' | 'resumed'
  /** The run's start (engine clock, ISO): the next run's watermark before the margin. */
  startedAt: string
  /** The watermark the changed days were found with (null on a full build). */
  watermark: string | null
  /** Days recomputed (a full build: every day of every month built). */
  days: number
  /** Months swapped in (REPLACE) or dropped (DROP). */
  partitions: number
  /** Rows written to the snapshot (staging rows swapped in). */
  rowsWritten: number
  /** Acquisition rows copied from FrameWorks' table (its Go ingest's). */
  signupsCopied: number
  durationMs: number
}

type Row = Record<string, unknown>

interface LogState {
  lastSuccess: { startedAt: string, ageMs: number } | null
  lastFull: { ageMs: number, selectVersion: string } | null
  unfinishedFull: { runId: string, startedAt: string, done: Set<number> } | null
}

async function readLog (ch: ClickHouseHandle): Promise<LogState> {
  const runs = await jsonRows<{ run_id: string, started: string, mode: string, select_version: string, outcome: string, age_ms: number }>(ch, { query: `
SELECT toString(run_id) AS run_id, toString(run_started_at) AS started, mode, select_version, outcome,
    toInt64(dateDiff('millisecond', run_started_at, now64(3, 'UTC'))) AS age_ms
FROM ${USAGE_UPKEEP_LOG} WHERE kind = 'run' ORDER BY run_started_at DESC, outcome DESC LIMIT 200`, params: {} })
  const success = runs.find((r) => r.outcome === 'success')
  const full = runs.find((r) => r.outcome === 'success' && r.mode !== 'incremental')
  // A full build that started and has no success yet, newer than the last success: resume it.
  const started = runs.find((r) => r.outcome === 'started')
  let unfinishedFull: LogState['unfinishedFull'] = null
  if (started !== undefined && !runs.some((r) => r.run_id === started.run_id && r.outcome === 'success') &&
      (success === undefined || started.started > success.started)) {
    const done = await jsonRows<{ partition: number }>(ch, { query: `SELECT partition FROM ${USAGE_UPKEEP_LOG} WHERE kind = 'partition' AND run_id = {id:UUID}`, params: { id: started.run_id } })
    unfinishedFull = { runId: started.run_id, startedAt: started.started, done: new Set(done.map((d) => Number(d.partition))) }
  }
  return {
    lastSuccess: success !== undefined ? { startedAt: success.started, ageMs: Number(success.age_ms) } : null,
    lastFull: full !== undefined ? { ageMs: Number(full.age_ms), selectVersion: full.select_version } : null,
    unfinishedFull
  }
}

const monthOf = (day: string): number => Number(day.slice(0, 4)) * 100 + Number(day.slice(5, 7))
const monthStart = (p: number): string => `${Math.floor(p / 100)}-${String(p % 100).padStart(2, '0')}-01`
const nextMonthStart = (p: number): string => monthStart(p % 100 === 12 ? (Math.floor(p / 100) + 1) * 100 + 1 : p + 1)

/**
 * Copies the acquisition rows FrameWorks' Go ingest wrote (tenants the package has no row
 * of) into `attribution_signups`, through the one normalizer (src/clickhouse/acquisition-copy.ts).
 * Answers the rows copied.
 */
export async function copyFrameworksSignups (ch: ClickHouseHandle): Promise<number> {
  return copyAcquisitionRows(ch, `${ch.database}.tenant_acquisition_events`)
}

/**
 * Builds one month in staging — our rows of its other days plus `changedDays` recomputed,
 * or (`changedDays` null) the whole month recomputed — and swaps it in. Answers the rows.
 */
async function swapMonth (ch: ClickHouseHandle, p: number, changedDays: string[] | null, refreshedAt: string): Promise<number> {
  const client = ch.client
  await client.command({ query: `TRUNCATE TABLE ${USAGE_STAGING_TABLE}` })
  const lo = monthStart(p)
  const hi = nextMonthStart(p)
  if (changedDays !== null) {
    // The month's unchanged rows, in small single-threaded blocks: each inserted block builds
    // both projections, and a large block held them all at once (at 100k × 730 the pass
    // peaked at 2.1 GB RSS with the defaults, 0.97 GB with these; bench:reports).
    await client.command({
      query: `INSERT INTO ${USAGE_STAGING_TABLE} SELECT * FROM ${USAGE_TABLE}
WHERE day >= {lo:Date} AND day < {hi:Date} AND day NOT IN {days:Array(Date)}
SETTINGS max_threads = 1, max_insert_threads = 1, max_block_size = 65536, min_insert_block_size_rows = 262144`,
      query_params: { lo, hi, days: changedDays }
    })
    await client.command({
      query: `INSERT INTO ${USAGE_STAGING_TABLE} ${usageRecomputeSql(ch.database, 'day IN {days:Array(Date)}')}`,
      query_params: { days: changedDays, refreshed_at: refreshedAt }
    })
  } else {
    await client.command({
      query: `INSERT INTO ${USAGE_STAGING_TABLE} ${usageRecomputeSql(ch.database, 'day >= {lo:Date} AND day < {hi:Date}')}`,
      query_params: { lo, hi, refreshed_at: refreshedAt }
    })
  }
  const [staged] = await jsonRows<{ n: number }>(ch, { query: `SELECT count() AS n FROM ${USAGE_STAGING_TABLE}`, params: {} })
  const n = Number(staged?.n ?? 0)
  // An empty source is refused by 26.6+ and silently drops the partition on 26.3: say it.
  await client.command({
    query: n === 0
      ? `ALTER TABLE ${USAGE_SHADOW_TABLE} DROP PARTITION ${p}`
      : `ALTER TABLE ${USAGE_SHADOW_TABLE} REPLACE PARTITION ${p} FROM ${USAGE_STAGING_TABLE}`
  })
  await client.command({ query: `TRUNCATE TABLE ${USAGE_STAGING_TABLE}` })
  return n
}

async function logRun (client: ClickHouseClient, row: Row): Promise<void> {
  await client.insert({ table: USAGE_UPKEEP_LOG, values: [row], format: 'JSONEachRow' })
}

/**
 * One upkeep pass: copies FrameWorks' Go-ingest acquisition rows, then brings the usage
 * snapshot up to date (incrementally, or a full build one month at a time; see the module
 * header). Throws what ClickHouse throws; a pass cut short leaves every month valid, and
 * the next pass redoes what is missing. Do not run two at once on one database (use
 * `createUsageUpkeep`).
 */
export async function runUsageUpkeep (ch: ClickHouseHandle, options: UsageUpkeepOptions = {}): Promise<UsageUpkeepResult> {
  const t0 = Date.now()
  const client = ch.client
  const signupsCopied = options.copySignups === false ? 0 : await copyFrameworksSignups(ch)
  const [clock] = await jsonRows<{ now: string }>(ch, { query: "SELECT toString(now64(3, 'UTC')) AS now", params: {} })
  const now = clock?.now as string
  const log = await readLog(ch)
  const marginMs = options.marginMs ?? DEFAULT_UPKEEP_MARGIN_MS

  let mode: UsageUpkeepResult['mode'] = 'incremental'
  let runId: string = randomUUID()
  let startedAt = now
  let done = new Set<number>()
  if (options.full === true) {
    mode = 'full'
  } else if (log.unfinishedFull !== null) {
    mode = 'resumed'
    runId = log.unfinishedFull.runId
    startedAt = log.unfinishedFull.startedAt
    done = log.unfinishedFull.done
  } else if (log.lastSuccess === null || log.lastSuccess.ageMs > (options.maxGapMs ?? DEFAULT_UPKEEP_MAX_GAP_MS) ||
      log.lastFull === null || log.lastFull.selectVersion !== USAGE_SELECT_VERSION ||
      log.lastFull.ageMs > (options.reconcileEveryMs ?? DEFAULT_UPKEEP_RECONCILE_MS)) {
    mode = 'full'
  }

  let days = 0
  let partitions = 0
  let rowsWritten = 0
  let watermark: string | null = null
  const base = { run_id: runId, run_started_at: startedAt, mode, select_version: USAGE_SELECT_VERSION }
  if (mode === 'incremental') {
    const [w] = await jsonRows<{ w: string }>(ch, { query: "SELECT toString(parseDateTime64BestEffort({last:String}, 3, 'UTC') - toIntervalMillisecond({margin:UInt64})) AS w", params: { last: log.lastSuccess?.startedAt, margin: marginMs } })
    watermark = w?.w as string
    const discovery = FRAMEWORKS_STORES.map((store) =>
      `SELECT DISTINCT day FROM ${ch.database}.${store} WHERE refresh_version_ms > {w:DateTime64(3, 'UTC')}`).join('\nUNION DISTINCT\n')
    const changed = (await jsonRows<{ day: string }>(ch, { query: `SELECT toString(day) AS day FROM (${discovery}) ORDER BY day`, params: { w: watermark } })).map((r) => r.day)
    const byMonth = new Map<number, string[]>()
    for (const day of changed) {
      const p = monthOf(day)
      byMonth.set(p, [...(byMonth.get(p) ?? []), day])
    }
    // The next snapshot starts as the current one: every month hard-linked (no data copied).
    await client.command({ query: `TRUNCATE TABLE ${USAGE_SHADOW_TABLE}` })
    const current = await jsonRows<{ p: string }>(ch, { query: 'SELECT DISTINCT partition AS p FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active', params: { t: USAGE_TABLE } })
    for (const { p } of current) {
      if (!/^\d{6}$/.test(p)) throw new Error(`unexpected partition ${p} of ${USAGE_TABLE}`)
      await client.command({ query: `ALTER TABLE ${USAGE_SHADOW_TABLE} REPLACE PARTITION ${p} FROM ${USAGE_TABLE}` })
    }
    for (const [p, monthDays] of byMonth) {
      rowsWritten += await swapMonth(ch, p, monthDays, startedAt)
      days += monthDays.length
      partitions++
      await options.afterPartition?.(p)
    }
  } else {
    // A full build fills an empty shadow month by month; a resumed one keeps what it holds.
    if (mode === 'full') {
      await client.command({ query: `TRUNCATE TABLE ${USAGE_SHADOW_TABLE}` })
      await logRun(client, { ...base, kind: 'run', outcome: 'started' })
    }
    // Every month FrameWorks has a day of, and every month we hold (a month gone is dropped).
    const sources = [...FRAMEWORKS_STORES.map((s) => `SELECT DISTINCT toYYYYMM(day) AS p FROM ${ch.database}.${s}`),
      `SELECT DISTINCT toYYYYMM(day) AS p FROM ${USAGE_TABLE}`].join('\nUNION DISTINCT\n')
    const months = (await jsonRows<{ p: number }>(ch, { query: `SELECT p FROM (${sources}) ORDER BY p`, params: {} })).map((r) => Number(r.p))
    for (const p of months) {
      if (done.has(p)) continue
      const n = await swapMonth(ch, p, null, startedAt)
      rowsWritten += n
      partitions++
      days += Math.round((Date.parse(nextMonthStart(p)) - Date.parse(monthStart(p))) / 86400_000)
      await logRun(client, { ...base, kind: 'partition', partition: p, rows_written: n, outcome: 'success' })
      await options.afterPartition?.(p)
    }
  }
  // One atomic swap: every answer reads the previous pass or this one, never a mix.
  await client.command({ query: `EXCHANGE TABLES ${USAGE_TABLE} AND ${USAGE_SHADOW_TABLE}` })
  const durationMs = Date.now() - t0
  await logRun(client, {
    ...base, kind: 'run', watermark, days, partitions, rows_written: rowsWritten, duration_ms: durationMs, outcome: 'success'
  })
  return { mode, startedAt, watermark, days, partitions, rowsWritten, signupsCopied, durationMs }
}
