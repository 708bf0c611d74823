/**
 * `npm run bench:reports [-- --quick] [--runs N] [--end YYYY-MM-DD] [--skip-small] [--skip-csv]
 * [--rss-cap-mb MB] [--seed-rss-cap-mb MB] [--data-dir DIR [--skip-seed]]`: the usage upkeep
 * and the reports on the embedded engine (chDB), one run. `--data-dir` keeps the engine's files; with `--skip-seed` (and
 * `--skip-small`) a later run measures the tables an earlier one seeded, as they are (no
 * migrations, no seeding).
 *
 * 1. For each scale (10k tenants × 365 days, then 100k × 730; `--quick`: 1k × 365 and
 *    10k × 730) the demo generator seeds FrameWorks' layout (the rollup stores, with early
 *    refreshes of about one key in five, and the acquisition table with replays) and takes
 *    the usage snapshot (`attribution_usage_daily`) by a full upkeep build, one month at a
 *    time (timed: the first build's cost on an existing deployment). At the larger scale,
 *    FrameWorks' usual hour is then simulated in a child of its own (a new refresh version of
 *    every key of the last 8 days with changed values, every metric zeroed for 1 tenant in 50
 *    on one of them, a late rewrite of 1 % of tenants 75 days back), and one upkeep pass is
 *    timed in another child with its peak RSS (engine and Node; target ≤ 20 s and ≤ 1.5 GB),
 *    then the example gateway is started on the same data directory and timed until ready
 *    (target ≤ 30 s). Each report is timed for the last 365 days (median of `--runs` after a warm-up) beside
 *    its floor: a plain `sum` of the same metrics over FrameWorks' three public views and
 *    the same range, i.e. what reading the rollups costs at all. Targets: network-usage ≤
 *    1.5× its floor, the other reports ≤ 3×, every report < 1.5 s at the larger scale.
 * 2. At the larger scale, the `tenant-usage` CSV export (365 days, by day) over HTTP — a
 *    real listening Fastify server with the reports plugin in a child process (the built
 *    package on plain node, bench/reports-server.js: `npm run bench:reports` builds first), fetched by a
 *    streaming client here that counts bytes and rows — beside chDB's own raw CSV stream
 *    (`streamQuery`, i.e. `Session.queryStreamBind`) of the same built queries (the route
 *    streams the range as consecutive windows) in another child. Each child reports its peak RSS (`process.resourceUsage().maxRSS`). Targets:
 *    HTTP ≥ 0.8× the raw stream's rows/s, server peak RSS < 500 MB.
 *
 * chDB allows one engine per process, so every phase (seed + floor, each report, raw stream,
 * server) runs in a child process of this script on the same data directory, one after the
 * other; a watchdog kills a child whose RSS passes `--rss-cap-mb` (default 6000; the seed
 * phase, which also runs the usage snapshot's refresh, the work a ClickHouse server does
 * hourly, has its own `--seed-rss-cap-mb`, default 16000) and that figure is reported as
 * not measured. The machine may be shared: figures are medians, the
 * runs and the load average are printed with them.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ClickHouseHandle } from '../src/clickhouse/client.ts'
import type { BuiltQuery } from '../src/routes/reports/common.query.ts'
import { addDays } from '../src/routes/reports/common.query.ts'
import { buildNetworkUsageQuery } from '../src/routes/reports/network-usage.query.ts'
import { buildAcquisitionFunnelQuery } from '../src/routes/reports/acquisition-funnel.query.ts'
import { buildCohortUsageQuery } from '../src/routes/reports/cohort-usage.query.ts'
import { buildReferralCodesQuery } from '../src/routes/reports/referral-codes.query.ts'
import { buildTenantUsageCsvQueries, buildTenantUsageQuery } from '../src/routes/reports/tenant-usage.query.ts'

const SELF = fileURLToPath(import.meta.url)
const SERVER = fileURLToPath(new URL('./reports-server.js', import.meta.url))
const PHASE_ENV = 'FW_BENCH_REPORTS_PHASE'
const TOKEN = 'bench-operator-token-0123456789abcdef'
const FULL_SCALES = [{ tenants: 10_000, days: 365 }, { tenants: 100_000, days: 730 }]
const QUICK_SCALES = [{ tenants: 1_000, days: 365 }, { tenants: 10_000, days: 730 }]
const DEFAULT_END = '2026-06-30'
const RANGE_DAYS = 365
const MB = 1024 * 1024

interface Scale { tenants: number, days: number }
interface Args { quick: boolean, runs: number, end: string, skipSmall: boolean, skipCsv: boolean, rssCapMb: number, seedRssCapMb: number, dataDir: string | undefined, skipSeed: boolean }
interface PhaseInput { dataDir: string, scale: Scale, args: Args, report?: number }

/** The 365-day range the reports and the export cover: the last days of the seeded window. */
function rangeOf (end: string): { from: string, to: string } {
  const to = addDays(end, 1)
  return { from: addDays(to, -RANGE_DAYS), to }
}

/** The reports as the bench calls them (the same builders the routes use). */
function reportQueries (from: string, to: string): Array<{ name: string, maxRatio: number, built: BuiltQuery }> {
  return [
    { name: 'network-usage (by day)', maxRatio: 1.5, built: buildNetworkUsageQuery({ from, to, granularity: 'day' }) },
    { name: 'network-usage (by month)', maxRatio: 1.5, built: buildNetworkUsageQuery({ from, to, granularity: 'month' }) },
    // For reference (no target): the same report with the projections off, i.e. reading every row.
    { name: 'network-usage (by day), no projections', maxRatio: Infinity, built: withoutProjections(buildNetworkUsageQuery({ from, to, granularity: 'day' })) },
    { name: 'acquisition-funnel (channel_group)', maxRatio: 3, built: buildAcquisitionFunnelQuery({ from, to, groupBy: ['channel_group'] }) },
    { name: 'cohort-usage (month × channel_group)', maxRatio: 3, built: buildCohortUsageQuery({ from, to, cohort: 'month', granularity: 'month', groupBy: 'channel_group' }) },
    { name: 'referral-codes', maxRatio: 3, built: buildReferralCodesQuery({ from, to }) },
    // The route reads a first page from a one-period window (then 2, 4, … while short).
    { name: 'tenant-usage (JSON page of 1000)', maxRatio: 3, built: buildTenantUsageQuery({ from, to, granularity: 'day', limit: 1000, window: { from, to: addDays(from, 1) } }) }
  ]
}

/** The same query with ClickHouse's projections turned off (inline: chDB's session keeps `SET`s). */
const withoutProjections = (built: BuiltQuery): BuiltQuery => ({ ...built, query: `${built.query}\nSETTINGS optimize_use_projections = 0` })

/**
 * The export both CSV phases run: every tenant-day of the range, as the consecutive windows
 * the route streams one after the other (see `buildTenantUsageCsvQueries`).
 */
const exportQueries = (from: string, to: string): BuiltQuery[] => buildTenantUsageCsvQueries({ from, to, granularity: 'day' })

/**
 * The floor: a plain sum of the reports' metrics over FrameWorks' three public views for the
 * range, the cheapest correct read of the rollups (each view collapses its store's refresh
 * versions). FrameWorks' own dashboards pay this on every query.
 */
const FLOOR_QUERY = `
SELECT sum(s) AS s FROM (
  SELECT sum(viewer_hours) + sum(egress_gb) + sum(total_sessions) + sum(unique_viewers) AS s FROM tenant_viewer_daily WHERE day >= {from:Date} AND day < {to:Date}
  UNION ALL
  SELECT sum(media_seconds) FROM processing_daily WHERE day >= {from:Date} AND day < {to:Date}
  UNION ALL
  SELECT toFloat64(sum(requests) + sum(errors)) FROM api_usage_daily WHERE day >= {from:Date} AND day < {to:Date}
)`
/**
 * The package's own tables are merged before timing, as in production where past days'
 * parts have long been merged. FrameWorks' stores are not: merging would collapse the early
 * refreshes the views must skip, and FrameWorks' stores always hold some.
 */
const MERGE_TABLES = ['attribution_signups', 'attribution_usage_daily']
const STORES = ['tenant_viewer_daily_store', 'processing_daily_store', 'api_usage_daily_store']
const ROWS_IN_RANGE = `
SELECT (SELECT count() FROM tenant_viewer_daily_store WHERE day >= {from:Date} AND day < {to:Date})
     + (SELECT count() FROM processing_daily_store WHERE day >= {from:Date} AND day < {to:Date})
     + (SELECT count() FROM api_usage_daily_store WHERE day >= {from:Date} AND day < {to:Date}) AS n,
  (SELECT count() FROM tenant_viewer_daily WHERE day >= {from:Date} AND day < {to:Date})
     + (SELECT count() FROM processing_daily WHERE day >= {from:Date} AND day < {to:Date})
     + (SELECT count() FROM api_usage_daily WHERE day >= {from:Date} AND day < {to:Date}) AS keys`

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}
const fmtS = (ms: number): string => `${(ms / 1000).toFixed(3)} s`
const fmtRate = (perS: number): string => perS >= 1e6 ? `${(perS / 1e6).toFixed(1)} M/s` : `${(perS / 1e3).toFixed(0)} k/s`
const fmtN = (n: number): string => n.toLocaleString('en-US')
const verdict = (ok: boolean): string => ok ? 'PASS' : 'MISS'

// ── Child phases ─────────────────────────────────────────────────────────────

/** Opens the engine (nothing runs by itself: the usage upkeep runs only when called). */
async function openEngine (dataDir: string): Promise<ClickHouseHandle> {
  const { openClickHouse } = await import('../src/clickhouse/client.ts')
  return openClickHouse({ dataDir })
}

/** Counts bytes and CSV rows (newlines; the export has no quoted newlines) of a byte stream. */
async function countStream (stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ bytes: number, lines: number }> {
  let bytes = 0
  let lines = 0
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    bytes += buf.length
    let i = buf.indexOf(0x0a)
    while (i !== -1) { lines++; i = buf.indexOf(0x0a, i + 1) }
  }
  return { bytes, lines }
}

interface SeedResult {
  seedMs: number
  refreshMs: number
  rows: Record<string, number>
  rowsInRange: number
  keysInRange: number
  floor: number[]
}

interface ReportResult { times: number[], resultRows: number, maxRssMb: number }

/** Times a query: one warm-up, then `runs` timed runs, each result read whole (the JSON path). */
async function timeQuery (ch: ClickHouseHandle, built: Pick<BuiltQuery, 'query' | 'params'>, runs: number, frameworks = false): Promise<{ times: number[], rows: number }> {
  const client = frameworks ? ch.frameworksClient : ch.client
  const run = async (): Promise<{ ms: number, rows: number }> => {
    const started = performance.now()
    const res = await client.query({ query: built.query, query_params: built.params, format: 'JSONEachRow' })
    const rows = (await res.json()).length
    return { ms: performance.now() - started, rows }
  }
  const warm = await run()
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push((await run()).ms)
  return { times, rows: warm.rows }
}

/** Seeds one scale and times the floor. */
async function phaseSeed (dataDir: string, scale: Scale, args: Args): Promise<SeedResult> {
  const { migrateClickHouse } = await import('../src/clickhouse/migrations.ts')
  const { countSeededRows, seedDemoData } = await import('../src/seed/index.ts')
  // Seeding takes its own snapshot (a full upkeep build); a run on seeded files keeps the one it finds.
  const ch = await openEngine(dataDir)
  try {
    if (!args.skipSeed) {
      const migrated = await migrateClickHouse(ch)
      if (migrated.error !== undefined) throw migrated.error
    }
    // Held while seeding, so the early refreshes are still there, unmerged, as in FrameWorks.
    for (const store of STORES) await ch.frameworksClient.command({ query: `SYSTEM STOP MERGES ${store}` })
    // Seeding ends with a full upkeep build of the usage snapshot, timed apart in its summary.
    const summary = args.skipSeed
      ? { elapsedMs: 0, refreshMs: 0, rows: await countSeededRows(ch.frameworksClient) }
      : await seedDemoData(ch, { ...scale, end: args.end, replace: true })
    if (!args.skipSeed) {
      console.log(`   first full build of the usage snapshot (upkeep, one month at a time) in ${(summary.refreshMs / 1000).toFixed(1)} s; peak RSS of the seed process so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (seeding included)`)
      const started = performance.now()
      for (const table of MERGE_TABLES) await ch.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` })
      console.log(`   the package's tables merged (OPTIMIZE … FINAL) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
    const { from, to } = rangeOf(args.end)
    const countRes = await ch.frameworksClient.query({ query: ROWS_IN_RANGE, query_params: { from, to }, format: 'JSONEachRow' })
    const counted = (await countRes.json<{ n: string | number, keys: string | number }>())[0]
    const floor = (await timeQuery(ch, { query: FLOOR_QUERY, params: { from, to } }, args.runs, true)).times
    // Released only now: until the floor is timed the stores hold their early refreshes, unmerged.
    for (const store of STORES) await ch.frameworksClient.command({ query: `SYSTEM START MERGES ${store}` })
    return { seedMs: summary.elapsedMs, refreshMs: summary.refreshMs, rows: summary.rows, rowsInRange: Number(counted?.n), keysInRange: Number(counted?.keys), floor }
  } finally {
    await ch.close()
  }
}

/** Times one report (its own process, so a runaway one costs only its own figures). */
async function phaseReport (dataDir: string, index: number, args: Args): Promise<ReportResult> {
  const ch = await openEngine(dataDir)
  try {
    const { from, to } = rangeOf(args.end)
    const report = reportQueries(from, to)[index]
    if (report === undefined) throw new RangeError(`no report ${index}`)
    const t = await timeQuery(ch, report.built, args.runs)
    return { times: t.times, resultRows: t.rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }
  } finally {
    await ch.close()
  }
}

/**
 * FrameWorks' usual hour, as its refreshable views write it (APPEND, one new
 * `refresh_version_ms` for every rewritten key): every key of the last 8 days with changed
 * values, every metric of 1 tenant in 50 zeroed on one of those days (tombstoned buckets),
 * and a late rewrite of 1 % of the tenants on a day 75 days back.
 */
async function phaseFrameworksHour (dataDir: string, args: Args): Promise<{ ms: number }> {
  const ch = await openEngine(dataDir)
  try {
    const started = performance.now()
    const recent = `day > toDate({end:String}) - 8`
    const late = `day = toDate({end:String}) - 75 AND cityHash64(tenant_id) % 100 = 0`
    const zero = `day = toDate({end:String}) - 3 AND cityHash64(tenant_id) % 50 = 7`
    const params = { end: args.end }
    for (const where of [recent, late]) {
      await ch.frameworksClient.command({ query: `INSERT INTO tenant_viewer_daily_store (day, tenant_id, cluster_id, viewer_hours, egress_gb, unique_viewers_state, total_sessions, refresh_version_ms)
        SELECT day, tenant_id, cluster_id, if(${zero}, 0, viewer_hours * 1.1), if(${zero}, 0, egress_gb), if(${zero}, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')), unique_viewers_state), if(${zero}, 0, total_sessions + 1), now64(3)
        FROM tenant_viewer_daily WHERE ${where}`, query_params: params })
      await ch.frameworksClient.command({ query: `INSERT INTO processing_daily_store (day, tenant_id, cluster_id, process_type, output_codec, track_type, media_seconds, segment_count, refresh_version_ms)
        SELECT day, tenant_id, cluster_id, process_type, output_codec, track_type, if(${zero}, 0, media_seconds * 1.1), if(${zero}, 0, segment_count), now64(3)
        FROM processing_daily WHERE ${where}`, query_params: params })
      await ch.frameworksClient.command({ query: `INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, duration_ms, complexity, unique_users_state, unique_tokens_state, refresh_version_ms)
        SELECT day, tenant_id, auth_type, operation_type, operation_name, if(${zero}, 0, requests + 1), if(${zero}, 0, errors), duration_ms, complexity, unique_users_state, unique_tokens_state, now64(3)
        FROM api_usage_daily WHERE ${where}`, query_params: params })
      await ch.frameworksClient.command({ query: `INSERT INTO tenant_analytics_daily_store (day, tenant_id, total_streams, total_views, unique_viewers_state, egress_bytes, refresh_version_ms)
        SELECT day, tenant_id, total_streams, total_views, unique_viewers_state, if(${zero}, 0, egress_bytes + 1048576), now64(3)
        FROM tenant_analytics_daily WHERE ${where}`, query_params: params })
    }
    return { ms: performance.now() - started }
  } finally {
    await ch.close()
  }
}

interface UpkeepResult { ms: number, maxRssMb: number, startRssMb: number, mode: string, days: number, partitions: number, rowsWritten: number }

/** One upkeep pass, timed, with the process's peak RSS (the engine runs in this process). */
async function phaseUpkeep (dataDir: string): Promise<UpkeepResult> {
  const ch = await openEngine(dataDir)
  try {
    const { runUsageUpkeep } = await import('../src/clickhouse/usage-upkeep.ts')
    const startRssMb = process.memoryUsage().rss / MB
    const started = performance.now()
    const r = await runUsageUpkeep(ch)
    return { ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024, startRssMb, mode: r.mode, days: r.days, partitions: r.partitions, rowsWritten: r.rowsWritten }
  } finally {
    await ch.close()
  }
}

/**
 * The example gateway on this data directory (its DATA_DIR holds `chdb` → this directory and
 * a fresh PGlite): time from the start of `buildGateway` until it listens; then it is closed
 * (which waits for the upkeep pass it started in the background).
 */
async function phaseGateway (dataDir: string): Promise<{ readyMs: number, closeMs: number, maxRssMb: number }> {
  const { mkdtempSync: mkd, symlinkSync } = await import('node:fs')
  const home = mkd(join(tmpdir(), 'fw-bench-gateway-'))
  symlinkSync(dataDir, join(home, 'chdb'))
  try {
    const { loadConfig } = await import('../example/config.ts')
    const { buildGateway } = await import('../example/app.ts')
    const started = performance.now()
    const app = await buildGateway(loadConfig({ DATA_DIR: home, OPERATOR_TOKENS: TOKEN, COOKIE_SECRETS: 'bench-cookie-secret-0123456789abcdef0123', SEED_DEMO: '0' }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const readyMs = performance.now() - started
    const closing = performance.now()
    await app.close()
    return { readyMs, closeMs: performance.now() - closing, maxRssMb: process.resourceUsage().maxRSS / 1024 }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

interface StreamResult { ms: number, bytes: number, rows: number, maxRssMb: number, startRssMb: number }

/** chDB's own CSV stream of the export's queries, one after the other, in this process. */
async function phaseRawStream (dataDir: string, args: Args): Promise<StreamResult> {
  const ch = await openEngine(dataDir)
  try {
    const startRssMb = process.memoryUsage().rss / MB
    const { from, to } = rangeOf(args.end)
    let bytes = 0
    let rows = 0
    const started = performance.now()
    for (const built of exportQueries(from, to)) {
      const counted = await countStream(ch.streamQuery({ query: built.query, params: built.params, format: 'CSV' }))
      bytes += counted.bytes
      rows += counted.lines
    }
    const ms = performance.now() - started
    return { ms, bytes, rows, maxRssMb: process.resourceUsage().maxRSS / 1024, startRssMb }
  } finally {
    await ch.close()
  }
}

async function runPhase (phase: string): Promise<void> {
  const { dataDir, scale, args, report } = JSON.parse(process.env.FW_BENCH_REPORTS_INPUT ?? '{}') as PhaseInput
  const result = phase === 'seed'
    ? await phaseSeed(dataDir, scale, args)
    : phase === 'frameworks-hour'
      ? await phaseFrameworksHour(dataDir, args)
      : phase === 'upkeep'
        ? await phaseUpkeep(dataDir)
        : phase === 'gateway'
          ? await phaseGateway(dataDir)
          : phase === 'report' ? await phaseReport(dataDir, report ?? -1, args) : await phaseRawStream(dataDir, args)
  process.send?.({ type: 'result', result })
  process.disconnect?.()
}

// ── Orchestrator ─────────────────────────────────────────────────────────────

/** Resident set size of a process from /proc (Linux), in MB; 0 where unavailable. */
function sampleRssMb (pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) / 1024
  } catch {
    return 0
  }
}

/**
 * Forks a phase. A watchdog samples the child's RSS every 100 ms and kills it above
 * `rssCapMb` (a runaway query must not take the shared machine down with it).
 */
function spawnPhase (phase: string, input: PhaseInput): ChildProcess {
  // The HTTP server is the built package on plain node (bench/reports-server.js); the rest runs here under tsx.
  const server = phase === 'server'
  const child = fork(server ? SERVER : SELF, [], {
    execArgv: server ? [] : ['--import', 'tsx'],
    env: { ...process.env, [PHASE_ENV]: phase, FW_BENCH_REPORTS_INPUT: JSON.stringify(server ? { ...input, token: TOKEN } : input) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const cap = phase === 'seed' ? input.args.seedRssCapMb : input.args.rssCapMb
  const watchdog = setInterval(() => {
    const rss = sampleRssMb(child.pid)
    if (rss > cap) {
      console.log(`   ${phase}: RSS ${rss.toFixed(0)} MB above the cap of ${cap} MB — killed`)
      child.kill('SIGKILL')
    }
  }, 100)
  child.once('exit', () => clearInterval(watchdog))
  // A message to a child the watchdog killed fails with EPIPE: its phase is then reported as
  // not measured (its exit rejects the wait), not a crash of the whole run.
  child.on('error', (err) => { console.log(`   ${phase}: ${err.message}`) })
  return child
}

function nextMessage<T> (child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { type: string } & Record<string, unknown>): void => {
      if (msg.type !== type) return
      cleanup()
      resolve((msg.result ?? msg) as T)
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`phase exited with code ${code} before "${type}"`)) }
    const cleanup = (): void => { child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

async function runChild<T> (phase: string, input: PhaseInput): Promise<T> {
  const child = spawnPhase(phase, input)
  const result = await nextMessage<T>(child, 'result')
  await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve) })
  return result
}

/** Streams the export over HTTP from the server child; returns time, bytes, rows and the server's peak RSS. */
async function httpExport (input: PhaseInput, from: string, to: string): Promise<StreamResult & { status: number }> {
  const child = spawnPhase('server', input)
  try {
    const { port, rssMb } = await nextMessage<{ port: number, rssMb: number }>(child, 'listening')
    const path = `/reports/tenant-usage?from=${from}&to=${to}&granularity=day&format=csv`
    const started = performance.now()
    const { status, bytes, lines } = await new Promise<{ status: number, bytes: number, lines: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/csv' } }, (res) => {
        countStream(res).then((c) => resolve({ status: res.statusCode ?? 0, ...c }), reject)
      })
      req.once('error', reject)
      req.end()
    })
    const ms = performance.now() - started
    child.send({ type: 'rss' })
    const { maxRssMb } = await nextMessage<{ maxRssMb: number }>(child, 'rss')
    return { status, ms, bytes, rows: lines - 1, maxRssMb, startRssMb: rssMb }
  } finally {
    if (child.exitCode === null) {
      child.send({ type: 'exit' })
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

function parseCli (): Args {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '3' },
      end: { type: 'string', default: DEFAULT_END },
      'skip-small': { type: 'boolean', default: false },
      'skip-csv': { type: 'boolean', default: false },
      'rss-cap-mb': { type: 'string', default: '6000' },
      'seed-rss-cap-mb': { type: 'string', default: '16000' },
      'data-dir': { type: 'string' },
      'skip-seed': { type: 'boolean', default: false }
    }
  })
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new TypeError('--runs must be a positive integer')
  const rssCapMb = Number(values['rss-cap-mb'])
  if (!(rssCapMb > 0)) throw new TypeError('--rss-cap-mb must be a positive number')
  const seedRssCapMb = Number(values['seed-rss-cap-mb'])
  if (!(seedRssCapMb > 0)) throw new TypeError('--seed-rss-cap-mb must be a positive number')
  if (values['skip-seed'] && values['data-dir'] === undefined) throw new TypeError('--skip-seed needs --data-dir')
  return { quick: values.quick, runs, end: values.end, skipSmall: values['skip-small'], skipCsv: values['skip-csv'], rssCapMb, seedRssCapMb, dataDir: values['data-dir'], skipSeed: values['skip-seed'] }
}

async function orchestrate (): Promise<void> {
  const args = parseCli()
  const scales = args.quick ? QUICK_SCALES : FULL_SCALES
  const dataDir = args.dataDir ?? mkdtempSync(join(tmpdir(), 'fw-bench-reports-'))
  const { from, to } = rangeOf(args.end)
  console.log(`bench:reports — embedded chDB, ${args.quick ? 'QUICK scales' : 'full scales'}, range ${from} … ${to} (exclusive, ${RANGE_DAYS} days), median of ${args.runs} runs after a warm-up`)
  const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ')
  console.log(`load average at start: ${load()} (the machine may be shared: compare ratios, not absolute times)`)
  const misses: string[] = []
  try {
    for (const [i, scale] of scales.entries()) {
      const larger = i === scales.length - 1
      if (!larger && args.skipSmall) continue
      const label = `${fmtN(scale.tenants)} tenants × ${scale.days} days`
      const q = await runChild<SeedResult>('seed', { dataDir, scale, args })
      const total = Object.values(q.rows).reduce((a, b) => a + b, 0)
      console.log(`\n## ${label}: ${fmtN(total)} rows (${Object.entries(q.rows).map(([t, n]) => `${t} ${fmtN(n)}`).join(', ')}), seeded in ${(q.seedMs / 1000).toFixed(1)} s`)
      console.log(`   ${fmtN(q.rowsInRange)} store rows in the range for ${fmtN(q.keysInRange)} rollup keys (${(q.rowsInRange / q.keysInRange).toFixed(2)} refresh versions per key)`)
      const floorMs = median(q.floor)
      console.log(`   floor (plain sum over FrameWorks' three public views): ${fmtS(floorMs)} (runs ${q.floor.map((x) => (x / 1000).toFixed(3)).join(', ')}), ${fmtRate(q.rowsInRange / (floorMs / 1000))} store rows`)
      console.log(`   ${'report'.padEnd(42)} ${'median'.padStart(9)} ${'rows/s'.padStart(10)} ${'× floor'.padStart(8)}  target`)
      for (const [index, { name, maxRatio }] of reportQueries(from, to).entries()) {
        let r: ReportResult
        try {
          r = await runChild<ReportResult>('report', { dataDir, scale, args, report: index })
        } catch (err) {
          misses.push(`${label} ${name}: not measured`)
          console.log(`   ${name.padEnd(42)} not measured: ${(err as Error).message}`)
          continue
        }
        const ms = median(r.times)
        const ratio = ms / floorMs
        const reference = maxRatio === Infinity
        const ratioOk = ratio <= maxRatio
        const timeOk = ms < 1500
        if (!ratioOk) misses.push(`${label} ${name}: ${ratio.toFixed(2)}× > ${maxRatio}×`)
        if (larger && !timeOk && !reference) misses.push(`${label} ${name}: ${fmtS(ms)} ≥ 1.5 s`)
        const target = reference ? 'reference, no target' : `≤${maxRatio}× ${verdict(ratioOk)}${larger ? `, <1.5 s ${verdict(timeOk)}` : ''}`
        console.log(`   ${name.padEnd(42)} ${fmtS(ms).padStart(9)} ${fmtRate(q.rowsInRange / (ms / 1000)).padStart(10)} ${`${ratio.toFixed(2)}×`.padStart(8)}  ${target}   (runs ${r.times.map((x) => (x / 1000).toFixed(3)).join(', ')}; ${fmtN(r.resultRows)} result rows; peak RSS ${r.maxRssMb.toFixed(0)} MB)`)
      }
      if (!larger) continue

      console.log(`\n## usage upkeep at ${label}`)
      try {
        const fw = await runChild<{ ms: number }>('frameworks-hour', { dataDir, scale, args })
        console.log(`   FrameWorks' hour simulated in ${fmtS(fw.ms)} (new versions of the last 8 days, 1 tenant in 50 zeroed on one day, 1 % rewritten 75 days back)`)
        const u = await runChild<UpkeepResult>('upkeep', { dataDir, scale, args })
        const okTime = u.ms <= 20_000
        const okMem = u.maxRssMb <= 1536
        if (!okTime) misses.push(`upkeep pass ${fmtS(u.ms)} > 20 s`)
        if (!okMem) misses.push(`upkeep pass peak RSS ${u.maxRssMb.toFixed(0)} MB > 1.5 GB`)
        console.log(`   one upkeep pass (${u.mode}): ${fmtS(u.ms)} ≤20 s ${verdict(okTime)}; peak RSS ${u.maxRssMb.toFixed(0)} MB (engine open: ${u.startRssMb.toFixed(0)} MB) ≤1.5 GB ${verdict(okMem)}; ${u.days} days in ${u.partitions} months, ${fmtN(u.rowsWritten)} rows written`)
      } catch (err) {
        misses.push('upkeep not measured')
        console.log(`   upkeep not measured: ${(err as Error).message}`)
      }
      try {
        const g = await runChild<{ readyMs: number, closeMs: number, maxRssMb: number }>('gateway', { dataDir, scale, args })
        const ok = g.readyMs <= 30_000
        if (!ok) misses.push(`example gateway ready in ${fmtS(g.readyMs)} > 30 s`)
        console.log(`   example gateway on this data directory: listening after ${fmtS(g.readyMs)} ≤30 s ${verdict(ok)}; closed in ${fmtS(g.closeMs)} (after its first upkeep pass); peak RSS ${g.maxRssMb.toFixed(0)} MB`)
      } catch (err) {
        misses.push('gateway start not measured')
        console.log(`   gateway start not measured: ${(err as Error).message}`)
      }
      if (args.skipCsv) continue

      console.log(`\n## tenant-usage CSV export at ${label}: ${from} … ${to} by day`)
      let raw: StreamResult | null = null
      try {
        raw = await runChild<StreamResult>('raw', { dataDir, scale, args })
        console.log(`   raw chDB stream (streamQuery)     ${fmtS(raw.ms).padStart(9)} ${fmtN(raw.rows).padStart(12)} rows ${(raw.bytes / MB).toFixed(0).padStart(6)} MB ${fmtRate(raw.rows / (raw.ms / 1000)).padStart(10)}  peak RSS ${raw.maxRssMb.toFixed(0)} MB (engine open: ${raw.startRssMb.toFixed(0)} MB)`)
      } catch (err) {
        console.log(`   raw chDB stream not measured: ${(err as Error).message}`)
        misses.push('raw CSV stream not measured')
      }
      let http: Awaited<ReturnType<typeof httpExport>> | null = null
      try {
        http = await httpExport({ dataDir, scale, args }, from, to)
        console.log(`   HTTP (Fastify + reports plugin)   ${fmtS(http.ms).padStart(9)} ${fmtN(http.rows).padStart(12)} rows ${(http.bytes / MB).toFixed(0).padStart(6)} MB ${fmtRate(http.rows / (http.ms / 1000)).padStart(10)}  peak RSS ${http.maxRssMb.toFixed(0)} MB (listening: ${http.startRssMb.toFixed(0)} MB), status ${http.status}`)
      } catch (err) {
        console.log(`   HTTP export not measured: ${(err as Error).message}`)
        misses.push('HTTP CSV export not measured')
      }
      if (raw === null || http === null) continue
      const ratio = (http.rows / http.ms) / (raw.rows / raw.ms)
      const rateOk = ratio >= 0.8 && http.status === 200 && http.rows === raw.rows
      const rssOk = http.maxRssMb < 500
      if (!rateOk) misses.push(`CSV throughput ${ratio.toFixed(2)}× the raw stream (status ${http.status}, ${fmtN(http.rows)} rows vs ${fmtN(raw.rows)})`)
      if (!rssOk) misses.push(`CSV server peak RSS ${http.maxRssMb.toFixed(0)} MB ≥ 500 MB`)
      console.log(`   HTTP / raw throughput ${ratio.toFixed(2)}×  ≥0.8× ${verdict(rateOk)}; server peak RSS < 500 MB ${verdict(rssOk)}`)
    }
  } finally {
    if (args.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
  }
  console.log(`\nload average at the end: ${load()}`)
  console.log(misses.length === 0 ? '\nall targets PASS' : `\nMISS:\n${misses.map((m) => `  - ${m}`).join('\n')}`)
}

const phase = process.env[PHASE_ENV]
if (phase !== undefined) {
  await runPhase(phase)
} else {
  await orchestrate()
}
