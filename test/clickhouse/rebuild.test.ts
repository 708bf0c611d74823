/**
 * The package's ClickHouse database rebuilt from what FrameWorks keeps: drop it, rebuild it
 * from FrameWorks' acquisition table, Quartermaster's `tenant_attribution` and the usage
 * views, and every report answers byte for byte as before — including a tenant acquired
 * more than 730 days ago, whose row FrameWorks' TTL has deleted, and without the tenant
 * that was erased although a stray row of it is in FrameWorks' table again.
 */
import t, { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { rebuildAttribution } from '../../src/clickhouse/rebuild.ts'
import { runUsageUpkeep } from '../../src/clickhouse/usage-upkeep.ts'
import { createRelay } from '../../src/ingest/relay.ts'
import { openPostgres } from '../../src/postgres/client.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import type { Database } from '../../src/store/database.ts'
import { eraseTenantAttribution } from '../../src/store/erasure.repository.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import { createFrameworksPeriscope } from '../helpers/frameworks-periscope.ts'
import { attribution } from '../ingest/fixtures.ts'
import { loadFixture } from '../routes/reports/fixture.ts'
import { AUTH, buildReportsApp } from '../routes/reports/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-ch-rebuild-'))
const ch = await openClickHouse({ dataDir: dir, database: 'periscope' })
const pg = await openPostgres<Database>({})
t.teardown(async () => { await ch.close(); await pg.close(); rmSync(dir, { recursive: true, force: true }) })
const db = pg.db as unknown as Kysely<Database>

const REPORTS = [
  '/reports/network-usage?from=2026-01-01&to=2026-04-01&granularity=month',
  '/reports/network-usage?from=2026-01-01&to=2026-04-01&granularity=day&format=csv',
  '/reports/acquisition-funnel?from=2024-01-01&to=2026-12-31',
  '/reports/acquisition-funnel?from=2024-01-01&to=2026-12-31&group_by=channel_group&format=csv',
  '/reports/cohort-usage?from=2024-01-01&to=2026-04-01&granularity=month&cohort=month',
  '/reports/cohort-usage?from=2024-01-01&to=2026-04-01&granularity=month&cohort=month&group_by=utm_source&format=csv',
  '/reports/referral-codes?from=2024-01-01&to=2026-12-31',
  '/reports/tenant-usage?from=2026-01-01&to=2026-04-01&granularity=month',
  '/reports/tenant-usage?from=2026-01-01&to=2026-04-01&granularity=day&format=csv'
]

test('drop our database, rebuild it, and every report answers byte for byte as before', async (t) => {
  await createFrameworksPeriscope(ch.frameworksClient)
  await loadFixture(ch.frameworksClient)
  t.equal((await migrateClickHouse(ch)).error, undefined)
  t.equal((await migrateToLatest(pg.db)).error, undefined)

  // Three signups through the package: one 800 days ago (its FrameWorks row will expire),
  // one recent, one that is erased. No TTL merge until the relay has written them.
  await ch.frameworksClient.command({ query: 'SYSTEM STOP TTL MERGES tenant_acquisition_events' })
  const [old, recent, erased] = [randomUUID(), randomUUID(), randomUUID()]
  const oldAt = new Date(Date.now() - 800 * 86_400_000)
  oldAt.setUTCMilliseconds(0)
  for (const [tenantId, source] of [[old, 'oldsource'], [recent, 'recentsource'], [erased, 'erasedsource']] as const) {
    await db.transaction().execute((trx) => recordSignup(trx, { tenantId, attribution: attribution({ utm_source: source, channel_group: 'email' }) }))
  }
  // The old signup happened 800 days ago: its Quartermaster row and its event say so.
  await db.updateTable('tenant_attribution').set({ created_at: oldAt.toISOString() }).where('tenant_id', '=', old).execute()
  const [outbox] = await db.selectFrom('attribution_outbox').select(['id', 'payload']).where('tenant_id', '=', old).execute()
  await db.updateTable('attribution_outbox').set({ payload: JSON.stringify({ ...(outbox?.payload as object), timestamp: oldAt.toISOString() }) }).where('tenant_id', '=', old).execute()
  const relay = createRelay({ db, clickhouse: ch, erasureSettleMs: 1 })
  t.equal((await relay.runUntilIdle()).transientError, undefined)
  await db.transaction().execute((trx) => eraseTenantAttribution(trx, erased, 'test'))
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    await relay.runUntilIdle()
  }
  await relay.drain()
  // Usage for the old and the recent tenant, then FrameWorks' TTL deletes the old row.
  for (const tenant of [old, recent, erased]) {
    await ch.frameworksClient.command({ query: `INSERT INTO tenant_viewer_daily_store SELECT toDate('2026-02-14'), toUUID('${tenant}'), 'eu', 3, 1, uniqCombinedState(toString(number)), 2, now64(3) FROM numbers(2)` })
  }
  await ch.frameworksClient.command({ query: 'SYSTEM START TTL MERGES tenant_acquisition_events' })
  await ch.frameworksClient.command({ query: 'OPTIMIZE TABLE tenant_acquisition_events FINAL' })
  const inFrameworks = async (tenant: string): Promise<number> => Number((await (await ch.frameworksClient.query({
    query: 'SELECT count() AS n FROM tenant_acquisition_events WHERE tenant_id = {t:UUID}', query_params: { t: tenant }, format: 'JSONEachRow'
  })).json<{ n: string }>())[0]?.n)
  t.equal(await inFrameworks(old), 0, 'FrameWorks\' TTL deleted the old tenant\'s row')
  t.equal(await inFrameworks(erased), 0)
  await runUsageUpkeep(ch)

  const app = await buildReportsApp(ch)
  t.teardown(() => app.close())
  const answers = async (): Promise<string[]> => {
    const out: string[] = []
    for (const url of REPORTS) {
      const res = await app.inject({ method: 'GET', url, headers: AUTH })
      t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
      // Only the answer's own time differs between two calls.
      out.push(res.body.replace(/"generated_at":"[^"]+"/, '"generated_at":""'))
    }
    return out
  }
  const before = await answers()
  const funnel = JSON.parse(before[2] as string) as { data: Array<{ signups: number }> }
  t.ok(before[5]?.includes('oldsource'), 'the old tenant has its own cohort')
  t.notOk(before.some((a) => a.includes('erasedsource')), 'the erased tenant is nowhere')
  t.ok((funnel.data[0]?.signups ?? 0) > 0)

  // A stray row of the erased tenant lands in FrameWorks' table again (an insert whose outcome
  // its relay never learnt), then our database is lost.
  await ch.frameworksClient.command({
    query: `INSERT INTO tenant_acquisition_events (timestamp, tenant_id, signup_channel, signup_method, utm_source, is_agent, event_data)
      VALUES (now(), '${erased}', 'web', 'email_password', 'erasedsource', 0, '{"source":"outbox"}')`
  })
  await ch.client.command({ query: 'DROP DATABASE attribution SYNC' })

  const rebuilt = await rebuildAttribution({ clickhouse: ch, db })
  t.equal(rebuilt.fromQuartermaster, 1, 'the old tenant came back from Quartermaster')
  t.ok(rebuilt.fromFrameworks >= 4)
  t.equal(rebuilt.erased, 1)
  t.equal(rebuilt.usage.mode, 'full')
  t.same(await answers(), before, 'every report answers byte for byte as before')
  t.same(rebuilt.legacyDropped, [])
})

test('the old objects in FrameWorks\' database are dropped by exact name, and nothing else there', async (t) => {
  // What the previous release left in periscope (a table and a view by those names).
  await ch.frameworksClient.command({ query: 'CREATE TABLE attribution_signups AS tenant_acquisition_events' })
  await ch.frameworksClient.command({ query: 'CREATE VIEW attribution_acquisitions AS SELECT tenant_id FROM attribution_signups' })
  const before = (await (await ch.frameworksClient.query({ query: "SELECT name FROM system.tables WHERE database = 'periscope' AND NOT startsWith(name, 'attribution_') ORDER BY name", format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name)
  const rebuilt = await rebuildAttribution({ clickhouse: ch, db, dropLegacy: true })
  t.same(rebuilt.legacyDropped, ['attribution_acquisitions', 'attribution_signups'])
  const after = (await (await ch.frameworksClient.query({ query: "SELECT name FROM system.tables WHERE database = 'periscope' ORDER BY name", format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name)
  t.same(after, before, 'FrameWorks\' own objects are all still there, and only they')
})
