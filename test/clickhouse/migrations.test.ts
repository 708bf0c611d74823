import t, { test } from 'tap'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { openClickHouse, type ClickHouseHandle } from '../../src/clickhouse/client.ts'
import {
  CLICKHOUSE_MIGRATIONS_DIR, forDatabaseEngine, migrateClickHouse, splitStatements
} from '../../src/clickhouse/migrations.ts'
import { runUsageUpkeep } from '../../src/clickhouse/usage-upkeep.ts'
import { generatedViews } from '../../src/clickhouse/views.ts'
import { insertAcquisitionRows } from '../../src/ingest/acquisition-writer.ts'
import { toAcquisitionRow } from '../../src/ingest/acquisition-row.ts'
import { buildNetworkUsageQuery } from '../../src/routes/reports/network-usage.query.ts'
import { createFrameworksPeriscope, frameworksDefinitions, FRAMEWORKS_OBJECTS } from '../helpers/frameworks-periscope.ts'
import { attribution } from '../ingest/fixtures.ts'

// One engine: `periscope` prepared as FrameWorks has it, the package's `attribution` beside it.
const dir = mkdtempSync(join(tmpdir(), 'fw-ch-migrations-'))
const periscope = await openClickHouse({ dataDir: dir, database: 'periscope' })
t.teardown(async () => { await periscope.close(); rmSync(dir, { recursive: true, force: true }) })

async function rows<T> (ch: ClickHouseHandle, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const res = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return res.json<T>()
}

const statuses = (outcome: Awaited<ReturnType<typeof migrateClickHouse>>): string[] => outcome.results.map((r) => `${r.name} ${r.status}`)

/** Every SQL file the runner applies, as `folder/file`. */
const sqlFiles = (): string[] => ['frameworks', 'attribution'].flatMap((folder) =>
  readdirSync(join(CLICKHOUSE_MIGRATIONS_DIR, folder)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort().map((f) => `${folder}/${f}`))

test('the migrations apply on a database that holds FrameWorks\' tables with data, twice, never alter them, and create nothing there', async (t) => {
  await createFrameworksPeriscope(periscope.frameworksClient)
  const tenant = randomUUID()
  await periscope.frameworksClient.command({
    query: `INSERT INTO tenant_acquisition_events (timestamp, tenant_id, signup_channel, signup_method, is_agent, event_data)
      VALUES (now() - INTERVAL 1 DAY, '${tenant}', 'web', 'email_password', 0, '{"attribution":{}}')`
  })
  await periscope.frameworksClient.command({
    query: `INSERT INTO tenant_viewer_daily_store SELECT today() - 1, toUUID('${tenant}'), 'eu', 2, 1, uniqCombinedState(toString(number)), 3, now64(3) FROM numbers(4)`
  })
  const before = await frameworksDefinitions(periscope.frameworksClient)
  const first = await migrateClickHouse(periscope)
  t.equal(first.error, undefined)
  t.same(first.results.filter((r) => r.name.startsWith('frameworks/')).map((r) => r.status), ['skipped', 'skipped'], 'FrameWorks\' objects were all there')
  t.ok(first.results.filter((r) => !r.name.startsWith('frameworks/')).every((r) => r.status === 'applied'), statuses(first).join(', '))
  const second = await migrateClickHouse(periscope)
  t.equal(second.error, undefined)
  t.ok(second.results.every((r) => r.status === 'skipped'), statuses(second).join(', '))
  t.same(await frameworksDefinitions(periscope.frameworksClient), before, 'no column, projection, setting or trigger was added to a FrameWorks object')
  const inPeriscope = await rows<{ name: string }>(periscope, "SELECT name FROM system.tables WHERE database = 'periscope' ORDER BY name")
  t.same(inPeriscope.map((r) => r.name), [...FRAMEWORKS_OBJECTS], 'FrameWorks\' database holds exactly FrameWorks\' objects')
  const own = await rows<{ name: string }>(periscope, "SELECT name FROM system.tables WHERE database = 'attribution' ORDER BY name")
  t.ok(own.length >= 8)
  for (const { name } of own) t.match(name, /^attribution_/, name)
  // The history already there is copied by the first upkeep pass, and the usage snapshot taken.
  const pass = await runUsageUpkeep(periscope)
  t.equal(pass.mode, 'full')
  t.equal(pass.signupsCopied, 1)
  t.same(await rows(periscope, 'SELECT toString(tenant_id) AS t, writer FROM attribution_signups FINAL'), [{ t: tenant, writer: 'frameworks' }])
  t.same(await rows(periscope, 'SELECT viewer_hours, total_sessions FROM attribution_usage_daily'), [{ viewer_hours: 2, total_sessions: '3' }])
})

test('the migrations create FrameWorks\' shape on an empty engine, twice', async (t) => {
  // chDB runs one engine per process: a second handle names two other databases on it.
  const fresh = await openClickHouse({ dataDir: dir, database: 'fresh_fw', attributionDatabase: 'fresh_ours' })
  t.teardown(() => fresh.close())
  const first = await migrateClickHouse(fresh)
  t.equal(first.error, undefined, statuses(first).join(', '))
  t.same(first.results.filter((r) => r.name.startsWith('frameworks/')).map((r) => r.status), ['applied', 'applied'])
  const second = await migrateClickHouse(fresh)
  t.equal(second.error, undefined)
  t.ok(second.results.every((r) => r.status === 'skipped'))
  const created = await rows<{ name: string, engine: string }>(periscope, `SELECT name, engine FROM system.tables WHERE database = 'fresh_fw' ORDER BY name`)
  t.same(created, [
    { name: 'api_usage_daily', engine: 'View' },
    { name: 'api_usage_daily_store', engine: 'ReplacingMergeTree' },
    { name: 'processing_daily', engine: 'View' },
    { name: 'processing_daily_store', engine: 'ReplacingMergeTree' },
    { name: 'tenant_acquisition_events', engine: 'MergeTree' },
    { name: 'tenant_analytics_daily', engine: 'View' },
    { name: 'tenant_analytics_daily_store', engine: 'ReplacingMergeTree' },
    { name: 'tenant_viewer_daily', engine: 'View' },
    { name: 'tenant_viewer_daily_store', engine: 'ReplacingMergeTree' }
  ], 'exactly FrameWorks\' objects, nothing of ours')
  // The same columns, with the same types, as the test's copy of FrameWorks' tables.
  const columns = async (database: string): Promise<unknown[]> => rows(periscope,
    'SELECT table, name, type FROM system.columns WHERE database = {d:String} ORDER BY table, position', { d: database })
  const mine = await columns('fresh_fw')
  t.equal(mine.filter((c) => (c as { table: string }).table === 'tenant_acquisition_events').length, 19)
  t.same(mine, await columns('periscope'))
  const ours = await rows<{ name: string }>(periscope, "SELECT name FROM system.tables WHERE database = 'fresh_ours' AND name = 'attribution_migrations'")
  t.equal(ours.length, 1, 'the ledger lives in the package\'s database')
})

test('in a Replicated database every MergeTree engine is created as its Replicated twin, with no ON CLUSTER', async (t) => {
  let tables = 0
  for (const file of sqlFiles()) {
    for (const statement of splitStatements(readFileSync(join(CLICKHOUSE_MIGRATIONS_DIR, file), 'utf8'))) {
      t.notMatch(statement, /ON CLUSTER/i, file)
      const replicated = forDatabaseEngine(statement, 'Replicated')
      // The engine's own parser accepts the statement as it would run in a Replicated database.
      const [formatted] = await rows<{ q: string }>(periscope, 'SELECT formatQuery({sql:String}) AS q', { sql: replicated })
      if (/^CREATE TABLE/.test(statement) && !/ AS attribution_/.test(statement)) {
        tables++
        t.match(formatted?.q, /ENGINE = Replicated(Replacing)?MergeTree(\(refresh_version_ms\)|\(version\))?\n/, `${file}: ${statement.slice(0, 60)}`)
        t.notMatch(formatted?.q, /Replicated\w*MergeTree\('/, 'no replica path: the database default applies')
      } else {
        t.equal(replicated, statement, 'only engines change')
      }
    }
  }
  t.equal(tables, 8, 'FrameWorks\' five tables and our signups, usage and upkeep log (the staging copies the usage table\'s engine)')
  t.equal(forDatabaseEngine('CREATE TABLE x (a UInt8) ENGINE = MergeTree ORDER BY a', 'Atomic'), 'CREATE TABLE x (a UInt8) ENGINE = MergeTree ORDER BY a')
  t.equal(forDatabaseEngine('CREATE TABLE x (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a', 'Replicated'), 'CREATE TABLE x (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a')
})

test('the SQL an operator runs from docs/production.md (the Replicated database, the grants) parses', async (t) => {
  const doc = readFileSync(join(CLICKHOUSE_MIGRATIONS_DIR, '..', '..', 'docs', 'production.md'), 'utf8')
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replace(/^ {3}/gm, ''))
  t.ok(blocks.length >= 2, 'the docs carry the operator\'s statements')
  for (const statement of blocks.flatMap(splitStatements)) {
    const [formatted] = await rows<{ q: string }>(periscope, 'SELECT formatQuery({sql:String}) AS q', { sql: statement })
    t.ok(formatted?.q !== undefined && formatted.q.length > 0, statement.slice(0, 60))
  }
})

test('generated views are replaced when their text changes and left alone otherwise', async (t) => {
  const names = generatedViews().map((v) => v.name)
  t.same(names.slice(0, 1), ['attribution_acquisitions'])
  for (const name of names) t.match(name, /^attribution_/)
  await periscope.client.command({ query: "CREATE OR REPLACE VIEW attribution_acquisitions AS SELECT 'stale' AS x" })
  await periscope.client.insert({ table: 'attribution_migrations', values: [{ name: 'view:attribution_acquisitions', checksum: 'stale' }], format: 'JSONEachRow' })
  const outcome = await migrateClickHouse(periscope)
  t.equal(outcome.error, undefined)
  t.same(outcome.results.filter((r) => r.status === 'applied').map((r) => r.name), ['view:attribution_acquisitions'])
  t.ok((await rows(periscope, 'SELECT channel_group FROM attribution_acquisitions LIMIT 1')).length >= 0)
})

test('signups through the relay land once each, however often a batch is retried or replayed', async (t) => {
  const tenants = [randomUUID(), randomUUID(), randomUUID()]
  const batch = tenants.map((tenant) => toAcquisitionRow({
    event_id: randomUUID(), event_type: 'tenant_created', timestamp: '2031-03-04T10:00:00Z', tenant_id: tenant, user_id: null,
    attribution: attribution({ channel_group: 'ai_assistant', client_kind: 'mcp_client', signup_channel: 'wallet', signup_method: 'wallet_base', is_agent: true }),
    referral_status: null
  }))
  await insertAcquisitionRows(periscope, batch)
  await insertAcquisitionRows(periscope, batch) // a retry of the same batch
  await insertAcquisitionRows(periscope, batch.slice(1)) // a batch re-formed after a crash
  const landed = await rows<{ t: string, client_kind: string, writer: string }>(periscope,
    'SELECT toString(tenant_id) AS t, client_kind, writer FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)} ORDER BY t', { ids: tenants })
  t.same(landed, [...tenants].sort().map((id) => ({ t: id, client_kind: 'mcp_client', writer: 'attribution' })))
})

test('a tenant is active on a day only when a metric is above zero, and activity follows the upkeep', async (t) => {
  const day = '2032-05-06'
  const [viewer, idle, caller] = [randomUUID(), randomUUID(), randomUUID()]
  const viewerRow = (tenant: string, hours: number, version: string): string =>
    `INSERT INTO tenant_viewer_daily_store SELECT toDate('${day}'), toUUID('${tenant}'), 'eu', ${hours}, ${hours}, uniqCombinedState(toString(number)), ${hours > 0 ? 1 : 0}, toDateTime64('${version}', 3) FROM numbers(${hours > 0 ? 3 : 0})`
  await periscope.frameworksClient.command({ query: viewerRow(viewer, 2, '2032-05-07 01:00:00') })
  await periscope.frameworksClient.command({ query: viewerRow(idle, 0, '2032-05-07 01:00:00') })
  await periscope.frameworksClient.command({ query: `INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, refresh_version_ms) VALUES ('${day}', '${caller}', 'jwt', 'query', 'streams', 0, 0, '2032-05-07 01:00:00')` })
  const active = async (): Promise<number> => {
    const built = buildNetworkUsageQuery({ from: day, to: '2032-05-07', granularity: 'day' })
    const [row] = await rows<{ active_tenants: string }>(periscope, built.query, built.params)
    return Number(row?.active_tenants)
  }
  t.equal(await active(), 0, 'nothing shows before the upkeep')
  await runUsageUpkeep(periscope)
  t.equal(await active(), 1, 'the all-zero rows of the idle tenant and the caller do not count')
  // FrameWorks' next hourly refresh tombstones the viewer's bucket and gives the caller requests.
  await periscope.frameworksClient.command({ query: viewerRow(viewer, 0, '2032-05-07 02:00:00') })
  await periscope.frameworksClient.command({ query: `INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, errors, refresh_version_ms) VALUES ('${day}', '${caller}', 'jwt', 'query', 'streams', 4, 0, '2032-05-07 02:00:00')` })
  t.equal(await active(), 1, 'the reports keep the last snapshot until the next upkeep pass')
  await runUsageUpkeep(periscope)
  t.equal(await active(), 1, 'the tombstoned viewer left, the caller arrived')
  const [who] = await rows<{ t: string }>(periscope, 'SELECT toString(tenant_id) AS t FROM attribution_usage_daily WHERE day = {day:Date}', { day })
  t.equal(who?.t, caller)
})

test('the BI views add cohorts up to the network total and count each tenant once', async (t) => {
  const day = '2033-02-03'
  const [attributed, unattributed] = [randomUUID(), randomUUID()]
  const event = toAcquisitionRow({
    event_id: randomUUID(), event_type: 'tenant_created', timestamp: `${day}T10:00:00Z`, tenant_id: attributed, user_id: null,
    attribution: attribution({ utm_source: 'chatgpt.com', utm_medium: null, utm_campaign: null, signup_channel: 'wallet', signup_method: 'wallet_base', is_agent: true }),
    referral_status: null
  })
  await insertAcquisitionRows(periscope, [event])
  await insertAcquisitionRows(periscope, [event], { token: null }) // a replay
  const version = "toDateTime64('2033-02-04 01:00:00', 3)"
  await periscope.frameworksClient.command({ query: `INSERT INTO tenant_viewer_daily_store SELECT toDate('${day}'), toUUID('${attributed}'), 'eu', 2, 3, uniqCombinedState(toString(number % 7)), 5, ${version} FROM numbers(20)` })
  await periscope.frameworksClient.command({ query: `INSERT INTO tenant_viewer_daily_store SELECT toDate('${day}'), toUUID('${unattributed}'), 'eu', 1, 1, uniqCombinedState(toString(number)), 1, ${version} FROM numbers(10)` })
  await periscope.frameworksClient.command({ query: `INSERT INTO processing_daily_store (day, tenant_id, cluster_id, process_type, output_codec, track_type, media_seconds, segment_count, refresh_version_ms) VALUES ('${day}', '${attributed}', 'eu', 'Livepeer', 'h264', 'video', 60, 1, ${version}), ('${day}', '${unattributed}', 'eu', 'FFmpeg', 'jpeg', 'image', 30, 1, ${version})` })
  await runUsageUpkeep(periscope)

  const [network] = await rows<Record<string, number>>(periscope, 'SELECT * FROM attribution_bi_network_usage_daily WHERE day = {day:Date}', { day })
  const cohorts = await rows<Record<string, number | string>>(periscope, 'SELECT * FROM attribution_bi_cohort_usage_daily WHERE day = {day:Date} ORDER BY channel_group', { day })
  t.same(cohorts.map((c) => c.channel_group), ['ai_assistant', 'unattributed'])
  for (const metric of ['viewer_hours', 'egress_gb', 'sessions', 'livepeer_seconds', 'other_processing_seconds']) {
    t.equal(cohorts.reduce((sum, c) => sum + Number(c[metric]), 0), Number(network?.[metric]), metric)
  }
  t.equal(Number(network?.unique_viewers), 10, 'unique viewers are merged network-wide, not added')
  t.equal(Number(network?.active_tenants), 2)
  const [acquired] = await rows<Record<string, number | string>>(periscope, 'SELECT * FROM attribution_bi_acquisition_daily WHERE day = {day:Date}', { day })
  t.equal(Number(acquired?.tenants), 1)
  const [cohort] = await rows<Record<string, number | string>>(periscope, 'SELECT * FROM attribution_bi_tenant_cohorts WHERE tenant_id = {id:UUID}', { id: attributed })
  t.equal(cohort?.signup_week, '2033-01-31')
  t.equal(cohort?.channel_group, 'ai_assistant')
})
