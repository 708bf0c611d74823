import t, { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { demoDataChecksums, normalizeDemoDataOptions, seedDemoData, type DemoDataOptions } from '../../src/seed/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-seed-'))
const ch = await openClickHouse({ dataDir: dir })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error

const OPTIONS: DemoDataOptions = { tenants: 2000, days: 200, seed: 7, end: '2026-06-30', trackingStartFraction: 0.25 }
const FIXTURE = fileURLToPath(new URL('./fixtures/seed-checksums.ts', import.meta.url))

/** FrameWorks' objects live in FrameWorks' database, ours in the client's: qualify FrameWorks' names. */
const FRAMEWORKS_NAMES = /(?<![.\w])(tenant_acquisition_events|tenant_viewer_daily_store|tenant_viewer_daily|processing_daily_store|processing_daily|api_usage_daily_store|api_usage_daily|tenant_analytics_daily_store|tenant_analytics_daily)\b/g
async function rows<T> (query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const res = await ch.client.query({ query: query.replace(FRAMEWORKS_NAMES, `${ch.database}.$1`), query_params: params, format: 'JSONEachRow' })
  return res.json<T>()
}
async function one (query: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await rows<{ n: string | number }>(query, params)
  return Number(row?.n)
}

// Merges would collapse the early refreshes at any moment; held here so the test sees them, as a
// report sees a busy store between merges.
for (const store of ['tenant_viewer_daily_store', 'processing_daily_store', 'api_usage_daily_store']) {
  await ch.frameworksClient.command({ query: `SYSTEM STOP MERGES ${store}` })
}
const summary = await seedDemoData(ch, OPTIONS)

test('the same options give identical rows in another fresh engine', async (t) => {
  const here = await demoDataChecksums(ch.frameworksClient)
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(OPTIONS)], { maxBuffer: 1 << 20 })
  t.same(JSON.parse(stdout), here)
  t.ok(Number(here.api_usage_daily_store.rows) > 0)
})

test('another seed gives other rows', async (t) => {
  const before = await demoDataChecksums(ch.frameworksClient)
  await seedDemoData(ch, { ...OPTIONS, seed: 8, replace: true })
  const other = await demoDataChecksums(ch.frameworksClient)
  t.not(other.tenant_viewer_daily_store.checksum, before.tenant_viewer_daily_store.checksum)
  t.not(other.tenant_acquisition_events.checksum, before.tenant_acquisition_events.checksum)
  await seedDemoData(ch, { ...OPTIONS, replace: true })
  t.same(await demoDataChecksums(ch.frameworksClient), before, 'seeding again with replace restores the very same rows')
  // The package's copies hold exactly this seed's tenants and usage, none left from the other seed.
  t.equal(await one('SELECT count() AS n FROM attribution_signups FINAL'), await one('SELECT uniqExact(tenant_id) AS n FROM tenant_acquisition_events'))
  const active = `SELECT day, tenant_id FROM (
    SELECT day, tenant_id, viewer_hours AS v FROM tenant_viewer_daily UNION ALL
    SELECT day, tenant_id, media_seconds FROM processing_daily UNION ALL
    SELECT day, tenant_id, toFloat64(requests) FROM api_usage_daily) GROUP BY day, tenant_id HAVING sum(v) > 0`
  t.equal(await one('SELECT count() AS n FROM attribution_usage_daily'), await one(`SELECT count() AS n FROM (${active})`))
})

test('a second run without replace is refused and leaves the rows alone', async (t) => {
  const before = await demoDataChecksums(ch.frameworksClient)
  await t.rejects(seedDemoData(ch, OPTIONS), { code: 'FW_ATTR_CONFLICT' })
  t.same(await demoDataChecksums(ch.frameworksClient), before)
})

test('the summary reports the window and the rows written', async (t) => {
  t.equal(summary.options.start, '2025-12-13')
  t.equal(summary.options.end, '2026-06-30')
  t.equal(summary.options.trackingStart, '2026-02-01')
  t.ok(summary.rows.tenant_acquisition_events > 0 && summary.rows.tenant_acquisition_events < 2000)
  t.equal(summary.rows.processing_daily_store, await one('SELECT count() AS n FROM processing_daily_store'))
})

test('all usage lies inside the window', async (t) => {
  for (const table of ['tenant_viewer_daily', 'processing_daily', 'api_usage_daily']) {
    const [r] = await rows<{ lo: string, hi: string }>(`SELECT toString(min(day)) AS lo, toString(max(day)) AS hi FROM ${table}`)
    t.ok(r !== undefined && r.lo >= '2025-12-13' && r.hi <= '2026-06-30', table)
  }
})

test('no tenant has usage before its signup day', async (t) => {
  const early = await one(`
    SELECT count() AS n FROM (
      SELECT tenant_id, min(day) AS first_day FROM (
        SELECT tenant_id, day FROM tenant_viewer_daily UNION ALL
        SELECT tenant_id, day FROM processing_daily UNION ALL
        SELECT tenant_id, day FROM api_usage_daily)
      GROUP BY tenant_id) AS u
    INNER JOIN tenant_acquisition_events AS e USING (tenant_id)
    WHERE u.first_day < toDate(e.timestamp)`)
  t.ok(await one('SELECT count() AS n FROM tenant_viewer_daily') > 0)
  t.equal(early, 0)
})

test('tenants who signed up before tracking started have usage but no acquisition event', async (t) => {
  const unattributed = await one(`
    SELECT uniqExact(tenant_id) AS n FROM api_usage_daily
    WHERE tenant_id NOT IN (SELECT tenant_id FROM tenant_acquisition_events)`)
  t.ok(unattributed > 20, `${unattributed} unattributed tenants`)
  t.equal(await one("SELECT count() AS n FROM tenant_acquisition_events WHERE timestamp < toDateTime('2026-02-01 00:00:00', 'UTC')"), 0)
})

test('acquisition events come as FrameWorks writes them: replayed, and some without derived fields', async (t) => {
  const tenants = await one('SELECT uniqExact(tenant_id) AS n FROM tenant_acquisition_events')
  const replayed = await one('SELECT count() - uniqExact(tenant_id) AS n FROM tenant_acquisition_events')
  t.ok(replayed > tenants * 0.04 && replayed < tenants * 0.12, `${replayed} replays of ${tenants} tenants`)
  const goRows = await one("SELECT count() AS n FROM tenant_acquisition_events WHERE JSONExtractString(event_data, 'attribution', 'client_kind') = ''")
  t.ok(goRows > tenants * 0.2 && goRows < tenants * 0.5, `${goRows} rows without derived fields`)
  // Every tenant counts once in the package's view of them, whatever its copies.
  t.equal(await one('SELECT count() AS n FROM attribution_acquisitions'), tenants)
})

test('the rollup stores hold earlier refreshes of some keys and all-zero rows, and the views the latest', async (t) => {
  for (const name of ['tenant_viewer_daily', 'processing_daily', 'api_usage_daily']) {
    const stored = await one(`SELECT count() AS n FROM ${name}_store`)
    const keys = await one(`SELECT count() AS n FROM ${name}`)
    t.ok(stored / keys > 1.1 && stored / keys < 1.3, `${name}: ${(stored / keys).toFixed(2)} refresh versions per key`)
  }
  t.ok(await one('SELECT count() AS n FROM tenant_viewer_daily WHERE viewer_hours = 0 AND total_sessions = 0') > 5, 'tombstoned viewer buckets')
  t.ok(await one('SELECT count() AS n FROM api_usage_daily WHERE requests = 0') > 5, 'tombstoned API buckets')
})

test('some tenants never activate and some churn', async (t) => {
  const usage = 'SELECT tenant_id FROM api_usage_daily'
  t.ok(await one(`SELECT count() AS n FROM tenant_acquisition_events WHERE tenant_id NOT IN (${usage})`) > 50, 'never active')
  t.ok(await one("SELECT count() AS n FROM (SELECT tenant_id, max(day) AS last FROM api_usage_daily GROUP BY tenant_id) WHERE last < toDate('2026-06-30') - 45") > 20, 'churned')
})

test('signups cover every path, agents and channel groups', async (t) => {
  const methods = (await rows<{ v: string }>('SELECT DISTINCT toString(signup_method) AS v FROM tenant_acquisition_events')).map((r) => r.v).sort()
  t.same(methods, ['api_key', 'email_password', 'wallet_arbitrum', 'wallet_base', 'wallet_ethereum', 'x402_usdc'])
  const [top] = await rows<{ v: string }>('SELECT toString(signup_method) AS v FROM attribution_acquisitions GROUP BY v ORDER BY count() DESC LIMIT 1')
  t.equal(top?.v, 'email_password', 'email/password is the most common method')
  const kinds = (await rows<{ v: string }>('SELECT DISTINCT toString(client_kind) AS v FROM attribution_acquisitions WHERE is_agent = 1')).map((r) => r.v)
  for (const kind of ['mcp_client', 'ai_coding_agent', 'x402_client', 'unknown']) t.ok(kinds.includes(kind), kind)
  t.equal(await one("SELECT count() AS n FROM attribution_acquisitions WHERE client_kind != 'unknown' AND (is_agent = 1) != (client_kind != 'browser')"), 0)
  // Channel groups as the reports derive them from the rows, with the capture plugin's rules.
  const groups = (await rows<{ v: string }>('SELECT DISTINCT toString(channel_group) AS v FROM attribution_acquisitions')).map((r) => r.v)
  for (const g of ['direct', 'organic_search', 'paid_search', 'ai_assistant', 'referral_program', 'email', 'organic_social', 'referral']) t.ok(groups.includes(g), g)
  t.ok(await one("SELECT count() AS n FROM attribution_acquisitions WHERE channel_group = 'paid_search' AND utm_source IS NOT NULL AND utm_medium = 'cpc' AND utm_campaign IS NOT NULL") > 0, 'campaigns')
  t.ok(await one("SELECT count() AS n FROM attribution_acquisitions WHERE referral_code IS NOT NULL AND referral_status = 'applied'") > 0, 'applied codes')
  t.ok(await one("SELECT count() AS n FROM attribution_acquisitions WHERE referral_code IS NOT NULL AND referral_status NOT IN ('applied', '')") > 0, 'refused codes')
})

test('processing has Livepeer, native AV and other rows with codecs', async (t) => {
  const types = await rows<{ process_type: string, codecs: string[] }>('SELECT toString(process_type) AS process_type, groupUniqArray(toString(output_codec)) AS codecs FROM processing_daily GROUP BY process_type ORDER BY process_type')
  t.same(types.map((r) => r.process_type), ['AV', 'FFmpeg', 'Livepeer'])
  t.ok(types.find((r) => r.process_type === 'Livepeer')?.codecs.includes('H264'))
  t.ok(types.find((r) => r.process_type === 'AV')?.codecs.includes('opus'))
  t.ok(await one("SELECT uniqExact(tenant_id) AS n FROM processing_daily WHERE tenant_id NOT IN (SELECT tenant_id FROM tenant_viewer_daily)") > 0, 'processing without viewers (VOD)')
})

test('API usage has errors, never more errors than requests', async (t) => {
  t.ok(await one('SELECT sum(errors) AS n FROM api_usage_daily') > 0)
  t.equal(await one('SELECT count() AS n FROM api_usage_daily WHERE errors > requests OR (requests = 0 AND errors > 0)'), 0)
})

test('viewer rows carry unique-viewer states no larger than their sessions', async (t) => {
  t.equal(await one('SELECT count() AS n FROM tenant_viewer_daily WHERE unique_viewers > total_sessions OR (viewer_hours > 0) != (egress_gb > 0)'), 0)
  t.ok(await one('SELECT uniqCombinedMerge(unique_viewers_state) AS n FROM tenant_viewer_daily') > 1000)
})

test('bad options are refused with the option named', async (t) => {
  t.throws(() => normalizeDemoDataOptions({ tenants: 0 }), { code: 'FW_ATTR_INVALID_OPTION', message: /"tenants"/ })
  t.throws(() => normalizeDemoDataOptions({ days: 1.5 }), { code: 'FW_ATTR_INVALID_OPTION', message: /"days"/ })
  t.throws(() => normalizeDemoDataOptions({ end: '2026-02-30' }), { code: 'FW_ATTR_INVALID_OPTION', message: /"end"/ })
  t.throws(() => normalizeDemoDataOptions({ trackingStartFraction: 1.5 }), { code: 'FW_ATTR_INVALID_OPTION', message: /"trackingStartFraction"/ })
  t.equal(normalizeDemoDataOptions({}, new Date('2026-05-04T23:59:00Z')).end, '2026-05-04', 'the default end is today UTC')
})
