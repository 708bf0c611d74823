import t, { test } from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { CLICKHOUSE_MIGRATIONS_DIR, migrateClickHouse, splitStatements } from '../../src/clickhouse/migrations.ts'
import { insertAcquisitionRows } from '../../src/ingest/acquisition-writer.ts'
import { toAcquisitionRow } from '../../src/ingest/acquisition-row.ts'
import { attribution } from './fixtures.ts'
import { buildNetworkUsageQuery } from '../../src/routes/reports/network-usage.query.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-ch-ddl-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL ? { url: process.env.CLICKHOUSE_URL } : { dataDir: join(dir, 'chdb') })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch.client)
if (migrated.error !== undefined) throw migrated.error

const CLUSTER_DIR = join(CLICKHOUSE_MIGRATIONS_DIR, 'cluster')
const read = (path: string): string => readFileSync(path, 'utf8')

async function rows<T> (query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const res = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return res.json<T>()
}

/** The column list of the first CREATE TABLE in a file, whitespace-normalized, comments dropped. */
function columnsOf (sqlText: string): string {
  const statement = splitStatements(sqlText)[0] as string
  const inner = statement.slice(statement.indexOf('(') + 1, statement.lastIndexOf(') ENGINE'))
  return inner.split('\n').filter((l) => !l.trim().startsWith('--')).join(' ').replace(/\s+/g, ' ').trim()
}

test('every statement of the cluster DDL parses', async (t) => {
  const files = readdirSync(CLUSTER_DIR).filter((f) => f.endsWith('.sql')).sort()
  // One cluster file for every single-server migration, under the same name.
  t.same(files, readdirSync(CLICKHOUSE_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort())
  for (const file of files) {
    for (const statement of splitStatements(read(join(CLUSTER_DIR, file)))) {
      const [formatted] = await rows<{ q: string }>('SELECT formatQuery({sql:String}) AS q', { sql: statement })
      const what = `${file}: ${statement.slice(0, 60)}`
      // A backfill INSERT runs once, through the Distributed tables; everything else on every node.
      if (statement.startsWith('INSERT INTO')) {
        t.match(formatted?.q, /^INSERT INTO \w+\n/, what)
        t.match(statement, /^INSERT INTO tenant_activity_daily\nSELECT .* FROM (tenant_viewer_daily|processing_daily|api_usage_daily) GROUP BY /s, what)
        continue
      }
      t.match(formatted?.q, /ON CLUSTER [`']\{cluster\}[`']/, what)
      if (statement.startsWith('CREATE TABLE')) t.match(formatted?.q, /ENGINE = (ReplicatedReplacingMergeTree|ReplicatedSummingMergeTree|ReplicatedAggregatingMergeTree|Distributed)\(/, what)
    }
  }
})

test('the cluster tables have the same columns as the single-server tables', async (t) => {
  t.equal(columnsOf(read(join(CLUSTER_DIR, '001_tenant_acquisition_events.sql'))), columnsOf(read(join(CLICKHOUSE_MIGRATIONS_DIR, '001_tenant_acquisition_events.sql'))))
  const single = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '002_usage_rollups.sql')))
  const cluster = splitStatements(read(join(CLUSTER_DIR, '002_usage_rollups.sql'))).filter((s) => s.includes('_local ON CLUSTER') && !s.includes('AS '))
  t.equal(cluster.length, single.length)
  single.forEach((s, i) => t.equal(columnsOf(cluster[i] as string), columnsOf(s)))
})

test('the cluster BI views are the single-server views created on every node', async (t) => {
  const single = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '003_bi_views.sql')))
  const cluster = splitStatements(read(join(CLUSTER_DIR, '003_bi_views.sql')))
  t.same(cluster, single.map((s) => s.replace(/^CREATE VIEW IF NOT EXISTS (\w+) AS/, "CREATE VIEW IF NOT EXISTS $1 ON CLUSTER '{cluster}' AS")))
})

test('the cluster acquisition view and projections are the single-server ones, on every node and on the local tables', async (t) => {
  const view = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '004_acquisition_final_view.sql')))
  t.same(splitStatements(read(join(CLUSTER_DIR, '004_acquisition_final_view.sql'))),
    view.map((s) => s.replace(/^CREATE OR REPLACE VIEW (\w+) AS/, "CREATE OR REPLACE VIEW $1 ON CLUSTER '{cluster}' AS")))
  const projections = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '005_network_day_projections.sql')))
  t.ok(projections.length > 0)
  t.same(splitStatements(read(join(CLUSTER_DIR, '005_network_day_projections.sql'))),
    projections.map((s) => s.replace(/^ALTER TABLE (\w+) /, "ALTER TABLE $1_local ON CLUSTER '{cluster}' ")))
  const tenantMonth = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '007_tenant_month_projections.sql')))
  t.ok(tenantMonth.length > 0)
  t.same(splitStatements(read(join(CLUSTER_DIR, '007_tenant_month_projections.sql'))),
    tenantMonth.map((s) => s.replace(/^ALTER TABLE (\w+) /, "ALTER TABLE $1_local ON CLUSTER '{cluster}' ")))
})

test('the cluster activity table is the single-server one per shard, filled by the same views from the local rollups and backfilled the same way', async (t) => {
  const single = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '006_tenant_activity_daily.sql')))
  const cluster = splitStatements(read(join(CLUSTER_DIR, '006_tenant_activity_daily.sql')))
  const [table, ...rest] = single
  const [localTable, distributed, ...clusterRest] = cluster
  t.equal(columnsOf(localTable as string), columnsOf(table as string))
  t.match(distributed, /^CREATE TABLE IF NOT EXISTS tenant_activity_daily ON CLUSTER '\{cluster\}'\nAS tenant_activity_daily_local\nENGINE = Distributed\('\{cluster\}', currentDatabase\(\), 'tenant_activity_daily_local', cityHash64\(tenant_id\)\)$/)
  t.same(clusterRest, rest.map((s) => s.startsWith('INSERT') ? s : s
    .replace(/^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS/, "CREATE MATERIALIZED VIEW IF NOT EXISTS $1_local ON CLUSTER '{cluster}' TO $2_local AS")
    .replace(/\nFROM (\w+) GROUP BY/, '\nFROM $1_local GROUP BY')))
})

test('BI cohorts plus the unattributed bucket add up to the network total', async (t) => {
  const day = '2031-03-04'
  const attributed = randomUUID()
  const unattributed = randomUUID()
  const row = toAcquisitionRow({ event_id: randomUUID(), event_type: 'tenant_created', timestamp: `${day}T10:00:00Z`, tenant_id: attributed, user_id: null, attribution: attribution({ channel_group: 'ai_assistant', signup_channel: 'wallet', signup_method: 'wallet_base', is_agent: true }), referral_status: null })
  await insertAcquisitionRows(ch.client, [row])
  await insertAcquisitionRows(ch.client, [row]) // a replay: still one tenant
  await ch.client.command({ query: `INSERT INTO tenant_viewer_daily SELECT toDate('${day}'), toUUID('${attributed}'), 'eu', 2, 3, uniqCombinedState(toString(number % 7)), 5 FROM numbers(20)` })
  await ch.client.command({ query: `INSERT INTO tenant_viewer_daily SELECT toDate('${day}'), toUUID('${unattributed}'), 'eu', 1, 1, uniqCombinedState(toString(number)), 1 FROM numbers(10)` })
  await ch.client.command({ query: `INSERT INTO processing_daily VALUES ('${day}', '${attributed}', 'eu', 'Livepeer', 'h264', 'video', 60, 1), ('${day}', '${unattributed}', 'eu', 'AV', 'h264', 'video', 30, 1)` })
  await ch.client.command({ query: `INSERT INTO api_usage_daily VALUES ('${day}', '${attributed}', 'jwt', 'query', 'streams', 9, 1, 100)` })

  const [network] = await rows<Record<string, number>>('SELECT * FROM bi_network_usage_daily WHERE day = {day:Date}', { day })
  const cohorts = await rows<Record<string, number | string>>('SELECT * FROM bi_cohort_usage_daily WHERE day = {day:Date} ORDER BY channel_group', { day })
  t.same(cohorts.map((c) => c.channel_group), ['ai_assistant', 'unattributed'])
  for (const metric of ['viewer_hours', 'egress_gb', 'sessions', 'livepeer_seconds', 'native_seconds', 'api_requests', 'api_errors']) {
    t.equal(cohorts.reduce((sum, c) => sum + Number(c[metric]), 0), Number(network?.[metric]), metric)
  }
  t.equal(Number(network?.viewer_hours), 3)
  t.equal(Number(network?.sessions), 6)
  t.equal(Number(network?.livepeer_seconds), 60)
  t.equal(Number(network?.native_seconds), 30)
  t.equal(Number(network?.unique_viewers), 10, 'unique viewers are merged network-wide, not added')
  t.equal(Number(network?.active_tenants), 2)
  const [acquired] = await rows<Record<string, number | string>>('SELECT * FROM bi_acquisition_daily WHERE day = {day:Date}', { day })
  t.equal(Number(acquired?.tenants), 1)
  t.equal(acquired?.signup_method, 'wallet_base')
  const [cohort] = await rows<Record<string, number | string>>('SELECT * FROM bi_tenant_cohorts WHERE tenant_id = {id:UUID}', { id: attributed })
  t.equal(cohort?.signup_week, '2031-03-03')
  t.equal(cohort?.signup_month, '2031-03-01')
})

test('tenant_activity_daily holds each day a tenant used any rollup once, streamed when it had viewer hours, from new inserts and from the backfill', async (t) => {
  const day = '2032-05-06'
  const [viewer, idle, processor, caller] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()]
  // Unmerged parts, as on a busy server: every read below must collapse them itself.
  await ch.client.command({ query: 'SYSTEM STOP MERGES tenant_activity_daily' })
  t.teardown(async () => { await ch.client.command({ query: 'SYSTEM START MERGES tenant_activity_daily' }) })
  const viewerRow = (tenant: string, hours: number): string => `INSERT INTO tenant_viewer_daily SELECT toDate('${day}'), toUUID('${tenant}'), 'eu', ${hours}, 1, uniqCombinedState(toString(number)), 1 FROM numbers(3)`
  await ch.client.command({ query: viewerRow(viewer, 2) })
  await ch.client.command({ query: viewerRow(viewer, 1) }) // a re-delivered day: still one row
  await ch.client.command({ query: viewerRow(idle, 0) }) // a viewer row without viewer hours
  await ch.client.command({ query: `INSERT INTO processing_daily VALUES ('${day}', '${viewer}', 'eu', 'Livepeer', 'h264', 'video', 60, 1), ('${day}', '${processor}', 'eu', 'AV', 'h264', 'video', 30, 1), ('${day}', '${processor}', 'eu', 'AV', 'aac', 'audio', 30, 1)` })
  await ch.client.command({ query: `INSERT INTO api_usage_daily VALUES ('${day}', '${caller}', 'jwt', 'query', 'streams', 9, 1, 100), ('${day}', '${viewer}', 'jwt', 'query', 'streams', 1, 0, 10), ('2032-05-07', '${caller}', 'jwt', 'query', 'streams', 1, 0, 10)` })
  const activity = async (): Promise<Array<{ day: string, tenant_id: string, streamed: number }>> => rows(
    'SELECT day, tenant_id, streamed FROM tenant_activity_daily FINAL WHERE day >= {day:Date} AND day < addDays({day:Date}, 7) ORDER BY day, streamed DESC, toString(tenant_id)', { day })
  const expected = [
    { day, tenant_id: viewer, streamed: 1 },
    ...[idle, processor, caller].sort().map((tenant_id) => ({ day, tenant_id, streamed: 0 })),
    { day: '2032-05-07', tenant_id: caller, streamed: 0 }
  ]
  t.same(await activity(), expected, 'filled by the materialized views as the rollups are written')
  // Network usage counts each active tenant once, although the viewer tenant has four rows.
  for (const granularity of ['day', 'week'] as const) {
    const built = buildNetworkUsageQuery({ from: day, to: '2032-05-08', granularity })
    const res = await rows<{ period_start: string, active_tenants: number }>(built.query, built.params)
    t.same(res.map((r) => [r.period_start, Number(r.active_tenants)]), granularity === 'day' ? [[day, 4], ['2032-05-07', 1]] : [['2032-05-03', 4]], granularity)
  }
  // Rows already in the rollups when the migration runs: its INSERTs rebuild the same set.
  await ch.client.command({ query: 'TRUNCATE TABLE tenant_activity_daily' })
  const backfill = splitStatements(read(join(CLICKHOUSE_MIGRATIONS_DIR, '006_tenant_activity_daily.sql'))).filter((s) => s.startsWith('INSERT'))
  t.equal(backfill.length, 3)
  for (const query of backfill) await ch.client.command({ query })
  t.same(await activity(), expected, 'rebuilt by the backfill')
  for (const query of backfill) await ch.client.command({ query })
  t.same(await activity(), expected, 'a second backfill changes nothing')
})

test('tenant_acquisition_events_final keeps the latest ingested event per tenant, also under a filter', async (t) => {
  const tenant = randomUUID()
  const event = (utm: string, ingestedAt: string): Record<string, unknown> => ({
    timestamp: '2026-03-01 10:00:00', tenant_id: tenant, signup_channel: 'web', signup_method: 'email_password',
    utm_source: utm, is_agent: 0, event_data: '{}', event_id: randomUUID(), ingested_at: ingestedAt
  })
  // Newest first, in separate inserts (separate parts, not merged): the version decides, not the order.
  await ch.client.insert({ table: 'tenant_acquisition_events', values: [event('newer', '2026-03-02 00:00:00.000')], format: 'JSONEachRow' })
  await ch.client.insert({ table: 'tenant_acquisition_events', values: [event('older', '2026-03-01 00:00:00.000')], format: 'JSONEachRow' })
  const all = await rows<{ utm_source: string }>('SELECT utm_source FROM tenant_acquisition_events_final WHERE tenant_id = {t:UUID}', { t: tenant })
  t.same(all, [{ utm_source: 'newer' }])
  // A filter on a non-key column applies after the collapse: the older event never shows through.
  const older = await rows('SELECT tenant_id FROM tenant_acquisition_events_final WHERE tenant_id = {t:UUID} AND utm_source = \'older\'', { t: tenant })
  t.same(older, [])
})
