/**
 * The soak: the example gateway (its own app factory, listening on a loopback port) on a
 * private real Postgres and the embedded ClickHouse, under the mixed load of `load.ts` for a
 * fixed time, with three faults injected once each while it runs:
 *
 * 1. Postgres restarted (`pg_ctl restart -m fast`: every connection cut);
 * 2. the relay killed in the middle of a batch (after ClickHouse accepted it, before Postgres
 *    recorded it), restarted `relayDownMs` later;
 * 3. ClickHouse refusing every insert and query for `clickHouseOutageMs`.
 *
 * Then the load stops, the relay drains what is due, and the soak checks every signup that
 * was answered 201 against ClickHouse: present exactly once unless erased, absent if erased.
 * Every loop and every wait is bounded: the run ends by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { buildGateway } from '../../example/app.ts'
import { loadConfig } from '../../example/config.ts'
import type { ExampleDatabase } from '../../example/signup/example.repository.ts'
import { clickHouseSwitch, crashableRelay, type ClickHouseSwitch } from './faults.ts'
import {
  LoadRecorder, SIGNUP_PATHS, erasureLoop, publicStatsLoop, reportLoop, send, signupLoop, visitLoop,
  type ClientContext, type LatencyGroup, type SignupPath
} from './load.ts'
import { startPostgresCluster } from './postgres-cluster.ts'

/** How long and how hard. */
export interface SoakOptions {
  /** Load time, warm-up included. */
  durationMs: number
  /** Load before the first fault; the warm-up RSS is read at its end. */
  warmupMs: number
  clickHouseOutageMs: number
  /** Time between killing the relay and starting a new one. */
  relayDownMs: number
  /** The relay's claim lease (how long a killed relay's batch stays claimed). */
  leaseMs: number
  /** The relay's backoff cap. */
  backoffMaxMs: number
  /** Pause of each client between requests. */
  pace: { visitMs: number, signupMs: number, reportMs: number, publicStatsMs: number, erasureMs: number }
  /** Progress lines (default: none). */
  log?: (line: string) => void
  /** Gateway log level (default: off). */
  logLevel?: string
}

/** `npm run soak`: 10 minutes, the faults as the issue names them. */
export const FULL_SOAK: Omit<SoakOptions, 'log'> = {
  durationMs: 600_000,
  warmupMs: 60_000,
  clickHouseOutageMs: 30_000,
  relayDownMs: 10_000,
  leaseMs: 15_000,
  backoffMaxMs: 5_000,
  pace: { visitMs: 100, signupMs: 200, reportMs: 1_000, publicStatsMs: 500, erasureMs: 5_000 }
}

/** `npm run soak -- --quick` and the test suite: the same faults in about a minute and a half of load. */
export const QUICK_SOAK: Omit<SoakOptions, 'log'> = {
  durationMs: 90_000,
  warmupMs: 10_000,
  clickHouseOutageMs: 15_000,
  relayDownMs: 4_000,
  leaseMs: 8_000,
  backoffMaxMs: 3_000,
  pace: { visitMs: 150, signupMs: 300, reportMs: 1_500, publicStatsMs: 750, erasureMs: 3_000 }
}

/** How long the drain after the load may take before the soak gives up waiting. */
const DRAIN_LIMIT_MS = 180_000
/** How long a recovery probe waits at most. */
const RECOVERY_LIMIT_MS = 180_000

/** One memory reading, MiB; `at` in seconds since the load started. */
export interface MemorySample { at: number, rss: number, heapUsed: number, external: number, engine: number | null }

export interface FaultRecord {
  fault: 'postgres_restart' | 'relay_crash' | 'clickhouse_outage'
  /** ms since the load started */
  startMs: number
  endMs: number
  /** From the fault's end until every signup answered before it was in ClickHouse (null: not within the limit). */
  recoveryMs: number | null
  /** From the fault's end until the outbox had no unacknowledged event created before it. */
  outboxClearMs: number | null
  detail: Record<string, number | string>
}

export interface SoakResult {
  options: Omit<SoakOptions, 'log'>
  node: string
  startedAt: string
  requests: Record<string, Record<string, number>>
  requestsTotal: number
  signups: {
    made: number
    byPath: Record<SignupPath, number>
    erased: number
    expectedInClickHouse: number
    lost: number
    doubled: number
    erasedStillPresent: number
    /** Rows of FrameWorks' raw table beyond one per expected tenant (a replayed batch; reports count once). */
    rawExtraRows: number
    /** Outbox events beyond the 201s (a signup committed whose answer was lost in a fault). */
    committedWithout201: number
    parked: number
  }
  serverErrors: { total: number, insideFaultWindows: number, outsideFaultWindows: number, outside: Array<{ kind: string, status: number, atMs: number, detail: string }> }
  faults: FaultRecord[]
  relayLagMs: { p50: number | null, p99: number | null, events: number }
  latencyP99Ms: Record<LatencyGroup, number | null>
  rssMiB: { warmup: number, end: number, changePct: number }
  /** Every 10 s of the load, in MiB: RSS, JS heap used, memory outside the heap, the engine's tracked memory. */
  memorySamples: MemorySample[]
  drainMs: number
  surprises: string[]
}

const mib = (bytes: number): number => Math.round(bytes / 1048576 * 10) / 10
const round = (n: number): number => Math.round(n * 10) / 10

/** Runs the soak; resolves with its figures (checks against the targets are the caller's). */
export async function runSoak (options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {})
  const startedAt = new Date()
  const cluster = await startPostgresCluster()
  const dataDir = await mkdtemp(join(tmpdir(), 'fw-soak-'))
  const probe = new pg.Pool({ connectionString: cluster.url, max: 2, options: '-c search_path=attribution,public' })
  probe.on('error', () => { /* a restart cuts idle clients: the pool drops them */ })
  let chSwitch: ClickHouseSwitch | undefined
  const relay = crashableRelay<ExampleDatabase>()
  const operatorToken = 'soak-operator-token-0123456789abcdef'
  const apiKey = 'soak-api-key-0123456789abcdef'
  const publicBaseUrl = 'http://localhost:3000/'
  const app = await buildGateway(loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: cluster.url,
    PG_SCHEMA: 'attribution',
    OPERATOR_TOKENS: operatorToken,
    API_KEYS: apiKey,
    COOKIE_SECRETS: 's'.repeat(48),
    PUBLIC_BASE_URL: publicBaseUrl
  }), {
    logger: options.logLevel !== undefined ? { level: options.logLevel } : false,
    wrapClickHouse: (handle) => (chSwitch = clickHouseSwitch(handle)).handle,
    makeRelay: (relayOptions) => relay.factory({ ...relayOptions, leaseMs: options.leaseMs, backoffMaxMs: options.backoffMaxMs })
  })
  const ch = chSwitch!
  try {
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    log(`gateway on ${baseUrl}, Postgres ${cluster.url}, chDB in ${dataDir}`)
    const recorder = new LoadRecorder()
    const t0 = Date.now()
    const ctx: ClientContext = {
      baseUrl, operatorToken, apiKey, publicBaseUrl, recorder, until: t0 + options.durationMs,
      referralCodes: ['SOAK-PARTNER', 'soak-friends', 'SOAK-LIMITED']
    }
    for (const [code, extra] of [['SOAK-PARTNER', { partner_name: 'Soak Partner' }], ['soak-friends', {}], ['SOAK-LIMITED', { max_uses: 25 }]] as const) {
      const res = await send(ctx, 'referral_code_create', '/referral-codes', { body: { code, ...extra }, headers: { authorization: `Bearer ${operatorToken}` } })
      if (res.status !== 201) throw new Error(`creating referral code ${code}: ${res.status} ${res.text}`)
    }

    // ── the load ──────────────────────────────────────────────────
    const { pace } = options
    const clients = Promise.all([
      visitLoop(ctx, pace.visitMs), visitLoop(ctx, pace.visitMs),
      signupLoop(ctx, pace.signupMs, 0), signupLoop(ctx, pace.signupMs, 2),
      reportLoop(ctx, pace.reportMs), publicStatsLoop(ctx, pace.publicStatsMs), erasureLoop(ctx, pace.erasureMs)
    ])
    // Every 10 s: where the memory is — the JS heap, buffers outside it, and what the embedded
    // engine's own memory tracker counts (ClickHouse's `MemoryTracking`).
    const memorySamples: MemorySample[] = []
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      const at = Math.round((Date.now() - t0) / 1000)
      void ch.raw.client.query({ query: "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'", format: 'JSONEachRow' })
        .then(async (res) => Number((await res.json<{ value: string }>())[0]?.value ?? NaN), () => NaN)
        .then((engine) => { memorySamples.push({ at, rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), engine: Number.isNaN(engine) ? null : mib(engine) }) })
    }, 10_000)
    sampler.unref()

    // ── the faults, on a schedule ─────────────────────────────────
    const faults: FaultRecord[] = []
    const recoveries: Array<Promise<void>> = []
    const at = async (ms: number): Promise<void> => { const wait = t0 + ms - Date.now(); if (wait > 0) await sleep(wait) }
    /**
     * From a fault's end: how long until ClickHouse holds every signup answered 201 before
     * that end (erased ones aside) — what the reports see — and how long until the outbox has
     * no unacknowledged event from before it (a batch whose acknowledgement failed waits out
     * its lease, already in ClickHouse; the retry is deduplicated).
     */
    const recovery = (record: FaultRecord, end: Date): void => {
      const ids = [...recorder.signups.keys()]
      const limit = Date.now() + RECOVERY_LIMIT_MS
      recoveries.push((async () => {
        while (Date.now() < limit) {
          const waiting = ids.filter((id) => !recorder.erased.has(id))
          try {
            const res = await ch.raw.client.query({
              query: 'SELECT uniqExact(tenant_id) AS n FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)}',
              query_params: { ids: waiting },
              format: 'JSONEachRow'
            })
            if (Number((await res.json<{ n: string }>())[0]?.n) >= waiting.length) { record.recoveryMs = Date.now() - end.getTime(); return }
          } catch { /* an erasure in flight; try again */ }
          await sleep(200)
        }
      })(), (async () => {
        while (Date.now() < limit) {
          try {
            const { rows } = await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM attribution_outbox WHERE delivered_at IS NULL AND parked_at IS NULL AND created_at <= $1', [end])
            if (rows[0]!.n === 0) { record.outboxClearMs = Date.now() - end.getTime(); return }
          } catch { /* Postgres still coming back */ }
          await sleep(200)
        }
      })())
    }

    const rest = options.durationMs - options.warmupMs
    await at(options.warmupMs)
    const warmupRss = process.memoryUsage.rss()
    log(`warm-up done: RSS ${mib(warmupRss)} MiB, ${recorder.signups.size} signups`)

    await at(options.warmupMs + rest * 0.15)
    {
      const start = Date.now()
      await cluster.restart()
      const end = new Date()
      const record: FaultRecord = { fault: 'postgres_restart', startMs: start - t0, endMs: end.getTime() - t0, recoveryMs: null, outboxClearMs: null, detail: { restartMs: end.getTime() - start } }
      faults.push(record)
      recovery(record, end)
      log(`Postgres restarted in ${end.getTime() - start} ms`)
    }

    await at(options.warmupMs + rest * 0.35)
    {
      const start = Date.now()
      const batch = await relay.crash(30_000)
      await sleep(options.relayDownMs)
      relay.restart()
      const end = new Date()
      const record: FaultRecord = { fault: 'relay_crash', startMs: start - t0, endMs: end.getTime() - t0, recoveryMs: null, outboxClearMs: null, detail: { batchInFlight: batch, leaseMs: options.leaseMs } }
      faults.push(record)
      recovery(record, end)
      log(`relay killed with a batch of ${batch} in flight, restarted ${options.relayDownMs} ms later`)
    }

    await at(options.warmupMs + rest * 0.6)
    {
      const start = Date.now()
      ch.setDown(true)
      const refusedBefore = ch.refused()
      await sleep(options.clickHouseOutageMs)
      ch.setDown(false)
      const end = new Date()
      const record: FaultRecord = { fault: 'clickhouse_outage', startMs: start - t0, endMs: end.getTime() - t0, recoveryMs: null, outboxClearMs: null, detail: { refusedCalls: ch.refused() - refusedBefore } }
      faults.push(record)
      recovery(record, end)
      log(`ClickHouse refused ${ch.refused() - refusedBefore} calls for ${options.clickHouseOutageMs} ms`)
    }

    await clients
    const endRss = process.memoryUsage.rss()
    clearInterval(sampler)
    log(`load done: ${recorder.signups.size} signups, ${recorder.erased.size} erased; RSS ${mib(endRss)} MiB`)
    await Promise.all(recoveries)

    // ── drain: everything due delivered, every erasure job done ────
    const drainStart = Date.now()
    while (Date.now() - drainStart < DRAIN_LIMIT_MS) {
      const { rows } = await probe.query<{ pending: number, jobs: number }>(`SELECT
        (SELECT count(*)::int FROM attribution_outbox WHERE delivered_at IS NULL AND parked_at IS NULL) AS pending,
        (SELECT count(*)::int FROM attribution_erasure_jobs WHERE completed_at IS NULL) AS jobs`)
      if (rows[0]!.pending === 0 && rows[0]!.jobs === 0) break
      await sleep(250)
    }
    const drainMs = Date.now() - drainStart

    // ── the books ──────────────────────────────────────────────────
    const made = [...recorder.signups.keys()]
    const expected = made.filter((id) => !recorder.erased.has(id))
    const countRows = async (table: string): Promise<Map<string, number>> => {
      const res = await ch.raw.client.query({
        query: `SELECT toString(tenant_id) AS t, count() AS n FROM ${table} WHERE tenant_id IN {ids:Array(UUID)} GROUP BY t`,
        query_params: { ids: made },
        format: 'JSONEachRow'
      })
      return new Map((await res.json<{ t: string, n: string }>()).map((r) => [r.t, Number(r.n)]))
    }
    const reported = await countRows('attribution_acquisitions')
    const raw = await countRows(`${ch.raw.database}.tenant_acquisition_events`)
    const lost = expected.filter((id) => (reported.get(id) ?? 0) === 0).length
    const doubled = expected.filter((id) => (reported.get(id) ?? 0) > 1).length
    const erasedStillPresent = [...recorder.erased].filter((id) => (reported.get(id) ?? 0) > 0 || (raw.get(id) ?? 0) > 0).length
    const rawExtraRows = expected.reduce((sum, id) => sum + Math.max(0, (raw.get(id) ?? 0) - 1), 0)
    const { rows: [outbox] } = await probe.query<{ total: number, parked: number, p50: number | null, p99: number | null, delivered: number }>(`SELECT
        count(*)::int AS total,
        count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked,
        count(delivered_at)::int AS delivered,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at) * 1000) AS p50,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at) * 1000) AS p99
      FROM attribution_outbox`)

    // ── 5xx against the fault windows ──────────────────────────────
    const windows = faults.map((f) => [t0 + f.startMs, t0 + f.endMs] as const)
    const inside = (e: { startedAt: number, endedAt: number }): boolean => windows.some(([s, en]) => e.startedAt <= en && e.endedAt >= s)
    const outside = recorder.serverErrors.filter((e) => !inside(e))

    const byPath = Object.fromEntries(SIGNUP_PATHS.map((p) => [p, 0])) as Record<SignupPath, number>
    for (const path of recorder.signups.values()) byPath[path]++
    const p99 = (group: LatencyGroup): number | null => {
      const h = recorder.latency[group]
      return h.count === 0 ? null : round(h.percentile(99) / 1e6)
    }
    const requests = recorder.statusTable()
    return {
      options: { ...options, log: undefined } as Omit<SoakOptions, 'log'>,
      node: process.version,
      startedAt: startedAt.toISOString(),
      requests,
      requestsTotal: Object.values(requests).reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0),
      signups: {
        made: made.length,
        byPath,
        erased: recorder.erased.size,
        expectedInClickHouse: expected.length,
        lost,
        doubled,
        erasedStillPresent,
        rawExtraRows,
        committedWithout201: Math.max(0, outbox!.total - expected.length),
        parked: outbox!.parked
      },
      serverErrors: {
        total: recorder.serverErrors.length,
        insideFaultWindows: recorder.serverErrors.length - outside.length,
        outsideFaultWindows: outside.length,
        outside: outside.slice(0, 20).map((e) => ({ kind: e.kind, status: e.status, atMs: e.startedAt - t0, detail: e.detail }))
      },
      faults,
      relayLagMs: { p50: outbox!.p50 === null ? null : Math.round(outbox!.p50), p99: outbox!.p99 === null ? null : Math.round(outbox!.p99), events: outbox!.delivered },
      latencyP99Ms: { capture: p99('capture'), signup: p99('signup'), report: p99('report') },
      rssMiB: { warmup: mib(warmupRss), end: mib(endRss), changePct: round((endRss - warmupRss) / warmupRss * 100) },
      memorySamples,
      drainMs,
      surprises: recorder.surprises
    }
  } finally {
    await app.close().catch((err: unknown) => { log(`closing the gateway: ${String(err)}`) })
    await probe.end().catch(() => {})
    await cluster.destroy()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The targets; a list of misses (empty when all are met). */
export function missedTargets (r: SoakResult): string[] {
  const missed: string[] = []
  if (r.signups.lost !== 0) missed.push(`${r.signups.lost} signups lost`)
  if (r.signups.doubled !== 0) missed.push(`${r.signups.doubled} signups doubled`)
  if (r.signups.erasedStillPresent !== 0) missed.push(`${r.signups.erasedStillPresent} erased tenants still in ClickHouse`)
  if (r.serverErrors.outsideFaultWindows !== 0) missed.push(`${r.serverErrors.outsideFaultWindows} answers 5xx outside the fault windows`)
  for (const f of r.faults) {
    if (f.recoveryMs === null || f.recoveryMs > 10_000) missed.push(`relay recovery after ${f.fault}: ${f.recoveryMs ?? 'never'} ms (target ≤ 10,000)`)
  }
  if (Math.abs(r.rssMiB.changePct) > 15) missed.push(`RSS changed ${r.rssMiB.changePct} % from warm-up to end (target within 15 %)`)
  return missed
}
