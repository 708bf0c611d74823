/**
 * FrameWorks' host-migration tool, emulated on the embedded engine (periscope.md §7): after
 * each thing the package does — the migrations, a relayed signup, an upkeep pass, an
 * erasure, the example gateway's start and stop — FrameWorks' database holds exactly
 * FrameWorks' own objects, no refreshable view of ours, and no object of ours depends on a
 * FrameWorks table; everything of ours is in our own database.
 *
 * The tool's catalog check (`verify`) reads `system.tables` for `Replicated%` engines and its
 * cut-over reads `system.view_refreshes`; chDB's database is Atomic, so the tables are the
 * non-replicated twins, and the check runs the same query with the twin engines as well.
 */
import t, { test, type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { openClickHouse, type ClickHouseHandle } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { runUsageUpkeep } from '../../src/clickhouse/usage-upkeep.ts'
import { createRelay } from '../../src/ingest/relay.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import { openPostgres } from '../../src/postgres/client.ts'
import { eraseTenantAttribution } from '../../src/store/erasure.repository.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import type { Database } from '../../src/store/database.ts'
import { buildGateway } from '../../example/app.ts'
import { loadConfig } from '../../example/config.ts'
import { createFrameworksPeriscope, FRAMEWORKS_OBJECTS } from '../helpers/frameworks-periscope.ts'
import { attribution } from '../ingest/fixtures.ts'
import { loadFixture } from '../routes/reports/fixture.ts'

const home = mkdtempSync(join(tmpdir(), 'fw-host-migration-'))
t.teardown(() => rmSync(home, { recursive: true, force: true }))
const chdbDir = join(home, 'chdb')

type Row = Record<string, unknown>
async function rows (ch: ClickHouseHandle, query: string): Promise<Row[]> {
  return (await ch.client.query({ query: `${query} SETTINGS output_format_json_quote_64bit_integers = 0`, format: 'JSONEachRow' })).json<Row>()
}

/** The checks of FrameWorks' tool, and where our objects are. */
async function hostMigrationCheck (t: Test, ch: ClickHouseHandle, step: string): Promise<void> {
  const catalog = new Set<string>(FRAMEWORKS_OBJECTS)
  // `frameworks cluster clickhouse migrate verify`, verbatim, and with the engines chDB has.
  const verify = await rows(ch, "SELECT name FROM system.tables WHERE database = 'periscope' AND engine LIKE 'Replicated%' AND NOT startsWith(name, '_')")
  const twins = await rows(ch, "SELECT name FROM system.tables WHERE database = 'periscope' AND engine LIKE '%MergeTree' AND NOT startsWith(name, '_')")
  t.same([...verify, ...twins].map((r) => r.name).filter((n) => !catalog.has(String(n))), [], `${step}: no table outside FrameWorks' catalog`)
  // The cut-over: every refreshable view in periscope must be one FrameWorks stops (none in these tests).
  t.same(await rows(ch, "SELECT view, status FROM system.view_refreshes WHERE database = 'periscope'"), [], `${step}: no refreshable view in periscope`)
  t.same((await rows(ch, "SELECT name FROM system.tables WHERE database = 'periscope' ORDER BY name")).map((r) => r.name), [...FRAMEWORKS_OBJECTS],
    `${step}: periscope holds exactly FrameWorks' objects`)
  t.same(await rows(ch, "SELECT name, dependencies_database FROM system.tables WHERE database = 'periscope' AND arrayExists((d) -> d != 'periscope', dependencies_database)"), [],
    `${step}: nothing of ours depends on (triggers on) a FrameWorks table`)
  t.same(await rows(ch, "SELECT view FROM system.view_refreshes WHERE database = 'attribution'"), [], `${step}: no refreshable view of ours either`)
  t.same(await rows(ch, "SELECT database, name FROM system.tables WHERE startsWith(name, 'attribution_') AND database != 'attribution'"), [], `${step}: every object of ours is in our database`)
  for (const r of await rows(ch, "SELECT name FROM system.tables WHERE database = 'attribution'")) t.match(r.name, /^attribution_/, `${step}: ${String(r.name)}`)
}

test('FrameWorks\' host-migration checks pass after everything the package does', async (t) => {
  let ch = await openClickHouse({ dataDir: chdbDir, database: 'periscope' })
  await createFrameworksPeriscope(ch.frameworksClient)
  await loadFixture(ch.frameworksClient)
  await hostMigrationCheck(t, ch, 'FrameWorks alone')

  const migrated = await migrateClickHouse(ch)
  t.equal(migrated.error, undefined)
  await hostMigrationCheck(t, ch, 'the migrations')

  const pg = await openPostgres<Database>({ dataDir: join(home, 'pglite') })
  const db = pg.db as unknown as Kysely<Database>
  t.equal((await migrateToLatest(pg.db)).error, undefined)
  const tenant = randomUUID()
  await db.transaction().execute((trx) => recordSignup(trx, { tenantId: tenant, attribution: attribution({ utm_source: 'newsletter' }) }))
  const relay = createRelay({ db, clickhouse: ch, erasureSettleMs: 1 })
  t.equal((await relay.runUntilIdle()).transientError, undefined)
  t.equal((await rows(ch, `SELECT count() AS n FROM attribution_signups WHERE tenant_id = '${tenant}'`))[0]?.n, 1, 'the relay wrote our row')
  t.equal((await rows(ch, `SELECT count() AS n FROM periscope.tenant_acquisition_events WHERE tenant_id = '${tenant}'`))[0]?.n, 1, 'and FrameWorks\' row')
  await hostMigrationCheck(t, ch, 'a relayed signup')

  const pass = await runUsageUpkeep(ch)
  t.ok(pass.rowsWritten > 0)
  await hostMigrationCheck(t, ch, 'an upkeep pass')

  await db.transaction().execute((trx) => eraseTenantAttribution(trx, tenant, 'test'))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await relay.runUntilIdle()
  await new Promise((resolve) => setTimeout(resolve, 20))
  await relay.runUntilIdle()
  t.equal((await rows(ch, `SELECT count() AS n FROM attribution_signups WHERE tenant_id = '${tenant}'`))[0]?.n, 0, 'erased from ours')
  await runUsageUpkeep(ch)
  t.equal((await rows(ch, `SELECT count() AS n FROM attribution_signups WHERE tenant_id = '${tenant}'`))[0]?.n, 0, 'and the upkeep did not bring it back')
  await hostMigrationCheck(t, ch, 'an erasure')
  await relay.drain()
  await pg.close()
  await ch.close()

  const app = await buildGateway(loadConfig({ DATA_DIR: home, CLICKHOUSE_DATABASE: 'periscope', SEED_DEMO: '0', OPERATOR_TOKENS: 'o'.repeat(40), COOKIE_SECRETS: 'c'.repeat(40) }))
  await app.ready()
  await app.usageUpkeep.runOnce()
  await app.close()
  ch = await openClickHouse({ dataDir: chdbDir, database: 'periscope' })
  t.teardown(() => ch.close())
  await hostMigrationCheck(t, ch, 'the example gateway\'s start and stop')
})
