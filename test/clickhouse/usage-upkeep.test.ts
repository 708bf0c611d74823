/**
 * The usage upkeep on FrameWorks' layout (chDB): FrameWorks rewrites recent days with a new
 * refresh version (changed values, a key gone to zero) and never touches older days; one
 * pass brings the reports to the hand-computed figures, cohorts plus unattributed equal the
 * network total, and the failure paths hold: a crash between two month swaps, a month left
 * empty (DROP PARTITION), a watermark gap (full build), a full build cut short (resumed).
 */
import t, { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { runUsageUpkeep } from '../../src/clickhouse/usage-upkeep.ts'
import { createUsageUpkeep, UPKEEP_LOCK_KEY } from '../../src/clickhouse/usage-upkeep-scheduler.ts'
import { createAttributionMetrics } from '../../src/operations/metrics.ts'
import { insertAcquisitionRows } from '../../src/ingest/acquisition-writer.ts'
import { toAcquisitionRow } from '../../src/ingest/acquisition-row.ts'
import { createFrameworksPeriscope } from '../helpers/frameworks-periscope.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { attribution } from '../ingest/fixtures.ts'
import type { Database } from '../../src/store/database.ts'
import { COHORT_USAGE_METRICS } from '../../src/routes/reports/cohort-usage.query.ts'
import { buildReportsApp, AUTH } from '../routes/reports/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-ch-upkeep-'))
const ch = await openClickHouse({ dataDir: dir, database: 'periscope' })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
await createFrameworksPeriscope(ch.frameworksClient)
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error
const app = await buildReportsApp(ch)
t.teardown(() => app.close())

type Row = Record<string, unknown>
const GIB = 1073741824
const DAY = 86_400_000
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate())
// A recent day FrameWorks rewrites, and an old one (200 days back) it never touches again.
const RECENT = iso(today - 2 * DAY)
const OLD = iso(today - 200 * DAY)
const [A, B, C] = [randomUUID(), randomUUID(), randomUUID()]
/** Every metric the cohort report carries (COHORT_USAGE_METRICS), and active tenants. */
const METRICS = [...COHORT_USAGE_METRICS, 'active_tenants']

/** FrameWorks' hourly refresh of one key, as its refreshable view appends it (`version` in SQL). */
const fw = {
  viewer: (day: string, tenant: string, hours: number, sessions: number, version: string): string =>
    `INSERT INTO tenant_viewer_daily_store SELECT toDate('${day}'), toUUID('${tenant}'), 'eu', ${hours}, ${hours}, uniqCombinedState(toString(number)), ${sessions}, ${version} FROM numbers(${sessions})`,
  processing: (day: string, tenant: string, type: string, seconds: number, version: string): string =>
    `INSERT INTO processing_daily_store (day, tenant_id, cluster_id, process_type, output_codec, track_type, media_seconds, segment_count, refresh_version_ms) VALUES ('${day}', '${tenant}', 'eu', '${type}', 'h264', 'video', ${seconds}, 1, ${version})`,
  api: (day: string, tenant: string, requests: number, errors: number, version: string): string =>
    `INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, refresh_version_ms) VALUES ('${day}', '${tenant}', 'jwt', 'query', 'streams', ${requests}, ${errors}, ${version})`,
  egress: (day: string, tenant: string, bytes: number, version: string): string =>
    `INSERT INTO tenant_analytics_daily_store (day, tenant_id, egress_bytes, unique_viewers_state, refresh_version_ms) SELECT toDate('${day}'), toUUID('${tenant}'), ${bytes}, uniqCombinedState(''), ${version} FROM numbers(1)`
}
const write = async (...queries: string[]): Promise<void> => { for (const query of queries) await ch.frameworksClient.command({ query }) }
const EARLIER = 'now64(3) - INTERVAL 1 DAY'
const NOW = 'now64(3)'

async function report (path: string): Promise<Row[]> {
  const res = await app.inject({ method: 'GET', url: path, headers: AUTH })
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`)
  return (res.json() as { data: Row[] }).data
}
const byDay = async (day: string): Promise<Row | undefined> => {
  const rows = await report(`/reports/network-usage?from=${day}&to=${iso(Date.parse(day) + DAY)}&granularity=day`)
  return rows[0]
}
const pick = (row: Row | undefined, keys: string[]): Row => Object.fromEntries(keys.map((k) => [k, row?.[k] ?? null]))

/**
 * Where cohorts plus unattributed differ from the network total (per month in the reports,
 * per day in the BI views), as `period metric: cohorts ≠ network`; empty when all add up.
 */
async function cohortMismatches (from: string, to: string): Promise<string[]> {
  const out: string[] = []
  const network = await report(`/reports/network-usage?from=${from}&to=${to}&granularity=month`)
  const cohorts = await report(`/reports/cohort-usage?from=${from}&to=${to}&granularity=month&cohort=month`)
  if (network.length === 0) out.push('no network rows')
  for (const period of network) {
    const inPeriod = cohorts.filter((r) => r.period_start === period.period_start)
    for (const m of METRICS) {
      const sum = inPeriod.reduce((acc, r) => acc + Number(r[m]), 0)
      if (sum !== period[m]) out.push(`${String(period.period_start)} ${m}: ${sum} ≠ ${String(period[m])}`)
    }
  }
  // The BI views carry every metric: per day, the cohorts add up to the network too.
  const bi = await (await ch.client.query({
    query: `SELECT toString(n.day) AS day, ${BI_METRICS.map((m) => `n.${m} AS n_${m}, c.${m} AS c_${m}`).join(', ')}
      FROM attribution_bi_network_usage_daily AS n
      INNER JOIN (SELECT day, ${BI_METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')} FROM attribution_bi_cohort_usage_daily GROUP BY day) AS c ON n.day = c.day
      WHERE n.day >= {from:Date} AND n.day < {to:Date} SETTINGS output_format_json_quote_64bit_integers = 0`,
    query_params: { from, to },
    format: 'JSONEachRow'
  })).json<Row>()
  if (bi.length === 0) out.push('no BI rows')
  for (const r of bi) for (const m of BI_METRICS) if (r[`c_${m}`] !== r[`n_${m}`]) out.push(`BI ${String(r.day)} ${m}: ${String(r[`c_${m}`])} ≠ ${String(r[`n_${m}`])}`)
  return out
}
const BI_METRICS = ['viewer_hours', 'egress_gb', 'sessions', 'livepeer_seconds', 'native_seconds', 'other_processing_seconds', 'api_requests', 'api_errors']

test('after FrameWorks rewrites a recent day, one pass recomputes that day only, and the old day never changes', async (t) => {
  // A is attributed; B and C are not.
  await insertAcquisitionRows(ch, [toAcquisitionRow({
    event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date(today - 300 * DAY).toISOString(), tenant_id: A, user_id: null,
    attribution: attribution({ utm_source: 'newsletter', utm_medium: 'email' }), referral_status: null
  })])
  await write(
    fw.viewer(OLD, A, 5, 4, EARLIER), fw.api(OLD, A, 10, 1, EARLIER), fw.processing(OLD, B, 'Livepeer', 100, EARLIER),
    fw.viewer(RECENT, A, 2, 3, EARLIER), fw.egress(RECENT, A, GIB, EARLIER), fw.api(RECENT, B, 7, 0, EARLIER),
    fw.viewer(RECENT, C, 1, 1, EARLIER), fw.processing(RECENT, C, 'AV', 30, EARLIER)
  )
  const first = await runUsageUpkeep(ch)
  t.equal(first.mode, 'full', 'the first pass builds everything')
  const keys = ['viewer_hours', 'egress_gb', 'total_sessions', 'livepeer_seconds', 'native_seconds', 'api_requests', 'api_errors', 'active_tenants']
  t.same(pick(await byDay(OLD), keys), { viewer_hours: 5, egress_gb: 0, total_sessions: 4, livepeer_seconds: 100, native_seconds: 0, api_requests: 10, api_errors: 1, active_tenants: 2 })
  t.same(pick(await byDay(RECENT), keys), { viewer_hours: 3, egress_gb: 1, total_sessions: 4, livepeer_seconds: 0, native_seconds: 30, api_requests: 7, api_errors: 0, active_tenants: 3 })
  const oldRows = async (): Promise<unknown> => (await ch.client.query({ query: 'SELECT tenant_id, refreshed_at FROM attribution_usage_daily WHERE day = {d:Date} ORDER BY tenant_id', query_params: { d: OLD }, format: 'JSONEachRow' })).json()
  const oldBefore = await oldRows()

  // FrameWorks' next hour: A's viewer hours and egress change, B's API key goes to zero
  // (tombstoned), C is rewritten unchanged; all with a newer version. The old day is not touched.
  await write(
    fw.viewer(RECENT, A, 3, 3, NOW), fw.egress(RECENT, A, 3 * GIB, NOW), fw.api(RECENT, B, 0, 0, NOW),
    fw.viewer(RECENT, C, 1, 1, NOW), fw.processing(RECENT, C, 'AV', 30, NOW)
  )
  const second = await runUsageUpkeep(ch)
  t.match(second, { mode: 'incremental', days: 1, partitions: 1 }, 'only the rewritten day is recomputed')
  t.same(pick(await byDay(RECENT), keys), { viewer_hours: 4, egress_gb: 3, total_sessions: 4, livepeer_seconds: 0, native_seconds: 30, api_requests: 0, api_errors: 0, active_tenants: 2 },
    'A changed, B (all zeros now) is no longer active, C unchanged')
  t.same(pick(await byDay(OLD), keys), { viewer_hours: 5, egress_gb: 0, total_sessions: 4, livepeer_seconds: 100, native_seconds: 0, api_requests: 10, api_errors: 1, active_tenants: 2 })
  t.same(await oldRows(), oldBefore, 'the old day\'s rows were not even rewritten')
  t.same(await cohortMismatches(iso(today - 400 * DAY), iso(today + DAY)), [], 'cohorts plus unattributed equal the network total for every metric')

  const third = await runUsageUpkeep(ch)
  t.match(third, { mode: 'incremental', partitions: 1 }, 'the margin takes the same rewritten day again, harmlessly')
  t.same(pick(await byDay(RECENT), keys), pick(await byDay(RECENT), keys))
})

test('a pass cut short between two months changes nothing the reports read, and the next pass does the work', async (t) => {
  const lastMonth = iso(Date.parse(RECENT) - 40 * DAY)
  await write(fw.viewer(lastMonth, C, 2, 2, NOW))
  await runUsageUpkeep(ch)
  t.equal((await byDay(lastMonth))?.viewer_hours, 2)
  const recentBefore = (await byDay(RECENT))?.viewer_hours
  await write(fw.viewer(lastMonth, C, 6, 2, NOW), fw.viewer(RECENT, C, 5, 1, NOW))
  let swapped = 0
  await t.rejects(runUsageUpkeep(ch, { afterPartition: () => { swapped++; throw new Error('killed') } }), { message: 'killed' })
  t.equal(swapped, 1)
  // The earlier month was built in the shadow only: the reports still read the previous pass whole.
  t.equal((await byDay(lastMonth))?.viewer_hours, 2)
  t.equal((await byDay(RECENT))?.viewer_hours, recentBefore)
  const next = await runUsageUpkeep(ch)
  t.equal(next.mode, 'incremental')
  t.equal((await byDay(RECENT))?.viewer_hours, Number(recentBefore) - 1 + 5, 'C now has 5 hours instead of 1')
  t.equal((await byDay(lastMonth))?.viewer_hours, 6)
})

test('while a pass rebuilds two months, the reports read the previous pass for both; after it, this pass for both', async (t) => {
  const lastMonth = iso(Date.parse(RECENT) - 40 * DAY)
  await runUsageUpkeep(ch)
  const before = [(await byDay(lastMonth))?.viewer_hours, (await byDay(RECENT))?.viewer_hours]
  await write(fw.viewer(lastMonth, C, 7, 2, NOW), fw.viewer(RECENT, C, 8, 1, NOW))
  const during: unknown[][] = []
  const pass = await runUsageUpkeep(ch, { afterPartition: async () => { during.push([(await byDay(lastMonth))?.viewer_hours, (await byDay(RECENT))?.viewer_hours]) } })
  t.equal(pass.partitions, 2)
  t.same(during, [before, before], 'mid-pass, every month is the previous pass\'s')
  const after = [(await byDay(lastMonth))?.viewer_hours, (await byDay(RECENT))?.viewer_hours]
  t.not(after[0], before[0])
  t.not(after[1], before[1])
})

test('a month whose only usage FrameWorks zeroed is dropped (DROP PARTITION, not an empty REPLACE)', async (t) => {
  const lonely = iso(today - 500 * DAY)
  const month = Number(lonely.slice(0, 7).replace('-', ''))
  await write(fw.viewer(lonely, B, 1, 1, NOW))
  await runUsageUpkeep(ch)
  const parts = async (): Promise<number> => Number((await (await ch.client.query({
    query: "SELECT count() AS n FROM system.parts WHERE database = 'attribution' AND table = 'attribution_usage_daily' AND partition = {p:String} AND active",
    query_params: { p: String(month) }, format: 'JSONEachRow'
  })).json<{ n: string }>())[0]?.n)
  t.ok(await parts() > 0)
  await write(fw.viewer(lonely, B, 0, 0, NOW))
  const pass = await runUsageUpkeep(ch)
  t.equal(pass.mode, 'incremental')
  t.equal(await parts(), 0, 'the month is gone')
  t.match(await byDay(lonely), { viewer_hours: 0, active_tenants: 0 })
})

test('a watermark gap longer than allowed makes the pass a full build, which also catches a change with no new version', async (t) => {
  // FrameWorks mutates a row in place (no new version): the watermark cannot see it.
  await ch.frameworksClient.command({ query: `ALTER TABLE tenant_viewer_daily_store UPDATE viewer_hours = 50 WHERE day = '${OLD}' AND tenant_id = '${A}' SETTINGS mutations_sync = 2` })
  const normal = await runUsageUpkeep(ch)
  t.equal(normal.mode, 'incremental')
  t.equal((await byDay(OLD))?.viewer_hours, 5, 'an incremental pass does not see it')
  await new Promise((resolve) => setTimeout(resolve, 20))
  const gap = await runUsageUpkeep(ch, { maxGapMs: 10 })
  t.equal(gap.mode, 'full')
  t.equal(gap.watermark, null)
  t.equal((await byDay(OLD))?.viewer_hours, 50)
  t.same(await cohortMismatches(iso(today - 600 * DAY), iso(today + DAY)), [], 'cohorts plus unattributed equal the network total for every metric')
})

test('a full build cut short resumes from the first month it did not finish', async (t) => {
  const whole = await runUsageUpkeep(ch, { full: true })
  t.ok(whole.partitions >= 3)
  let done = 0
  await t.rejects(runUsageUpkeep(ch, { full: true, afterPartition: () => { if (++done === 2) throw new Error('killed') } }))
  const resumed = await runUsageUpkeep(ch)
  t.equal(resumed.mode, 'resumed')
  t.equal(resumed.partitions, whole.partitions - 2, 'the two finished months are not rebuilt')
  t.equal((await runUsageUpkeep(ch)).mode, 'incremental', 'then the hourly passes go on')
})

test('the scheduler runs one pass at a time, reports its status, and calls onRun', async (t) => {
  const outcomes: string[] = []
  const upkeep = createUsageUpkeep({ clickhouse: ch, intervalMs: 3_600_000, onRun: (o) => { outcomes.push(o.result?.mode ?? (o.skipped === true ? 'skipped' : 'error')) } })
  t.same(upkeep.status(), { running: false, lastSuccessAt: null, lastDurationMs: null, failures: 0, lastError: null })
  const [a, b] = await Promise.all([upkeep.runOnce(), upkeep.runOnce()])
  t.equal(a?.mode, 'incremental')
  t.equal(b?.mode, 'incremental')
  t.ok(Date.parse(String(b?.startedAt).replace(' ', 'T') + 'Z') > Date.parse(String(a?.startedAt).replace(' ', 'T') + 'Z'), 'the second pass started after the first ended')
  const status = upkeep.status()
  t.equal(status.failures, 0)
  t.ok(status.lastSuccessAt !== null && status.lastDurationMs !== null)
  t.same(outcomes, ['incremental', 'incremental'])
  await upkeep.stop()
})

test('each pass reports into the metrics: runs, the last success and its duration, failures', async (t) => {
  const metrics = createAttributionMetrics({ processMetrics: false })
  const value = async (name: string): Promise<number> => (await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? Number.NaN
  const upkeep = createUsageUpkeep({ clickhouse: ch, telemetry: metrics.telemetry })
  const before = Date.now() / 1000
  await upkeep.runOnce()
  t.equal(await value('attribution_usage_snapshot_runs_total'), 1)
  t.equal(await value('attribution_usage_snapshot_failures_total'), 0)
  t.ok(await value('attribution_usage_snapshot_last_success_timestamp_seconds') >= Math.floor(before), 'the last success is this pass')
  t.ok(await value('attribution_usage_snapshot_duration_seconds') > 0)
  // A pass that fails (its run log gone) counts as a failure and a ClickHouse error.
  await ch.client.command({ query: 'RENAME TABLE attribution_usage_upkeep_log TO attribution_usage_upkeep_log_away' })
  await t.rejects(upkeep.runOnce())
  await ch.client.command({ query: 'RENAME TABLE attribution_usage_upkeep_log_away TO attribution_usage_upkeep_log' })
  t.equal(await value('attribution_usage_snapshot_failures_total'), 1)
  const errors = (await metrics.registry.getSingleMetric('attribution_clickhouse_errors_total')?.get())?.values ?? []
  t.equal(errors.filter((v) => v.labels.operation === 'usage_upkeep').reduce((n, v) => n + v.value, 0), 1)
  await upkeep.stop()
})

for (const target of postgresTargets().filter((p) => p.name === 'postgres')) {
  test('on a Postgres server a pass is skipped while another process holds the upkeep lock', async (t) => {
    const pg = await target.open<Database>()
    t.teardown(() => pg.close())
    const outcomes: unknown[] = []
    const upkeep = createUsageUpkeep({ clickhouse: ch, db: pg.db, onRun: (o) => outcomes.push(o.skipped === true ? 'skipped' : o.result?.mode) })
    await pg.db.connection().execute(async (other) => {
      await sql`SELECT pg_advisory_lock(${UPKEEP_LOCK_KEY.toString()}::bigint)`.execute(other)
      t.equal(await upkeep.runOnce(), null, 'another gateway runs it')
      await sql`SELECT pg_advisory_unlock(${UPKEEP_LOCK_KEY.toString()}::bigint)`.execute(other)
    })
    t.equal((await upkeep.runOnce())?.mode, 'incremental')
    t.same(outcomes, ['skipped', 'incremental'])
    await upkeep.stop()
  })
}
