import t, { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { countSeededRows, demoDataChecksums, parseSeedDemoMode, seedDemoIfEmpty } from '../../src/seed/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-seed-once-'))
const ch = await openClickHouse({ dataDir: dir })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error

const empty = { tenant_acquisition_events: 0, tenant_viewer_daily_store: 0, processing_daily_store: 0, api_usage_daily_store: 0 }

test('mode never and a server under mode auto leave an empty engine empty', async (t) => {
  t.same(await seedDemoIfEmpty(ch, { mode: 'never' }), { seeded: false, reason: 'disabled' })
  t.same(await seedDemoIfEmpty({ ...ch, engine: 'server' }), { seeded: false, reason: 'server' })
  t.same(await countSeededRows(ch.frameworksClient), empty)
})

test('an empty embedded engine is seeded once and not again', async (t) => {
  const first = await seedDemoIfEmpty(ch, { tenants: 120, days: 60, end: '2026-01-31' })
  t.equal(first.seeded, true)
  t.equal(first.reason, 'seeded')
  const rows = await countSeededRows(ch.frameworksClient)
  t.same(first.summary?.rows, rows)
  for (const [table, n] of Object.entries(rows)) t.ok(n > 0, `${table} has rows`)
  const before = await demoDataChecksums(ch.frameworksClient)

  const second = await seedDemoIfEmpty(ch, { tenants: 120, days: 60, end: '2026-01-31' })
  t.same(second, { seeded: false, reason: 'not_empty' })
  t.same(await demoDataChecksums(ch.frameworksClient), before)
})

test('a single row in any one of FrameWorks\' tables counts as not empty', async (t) => {
  for (const table of ['tenant_acquisition_events', 'tenant_viewer_daily_store', 'processing_daily_store', 'api_usage_daily_store']) {
    await ch.frameworksClient.command({ query: `TRUNCATE TABLE ${table}` })
  }
  // One refresh of FrameWorks' API rollup, all zeros: a database with data all the same.
  await ch.frameworksClient.command({ query: "INSERT INTO api_usage_daily_store (day, tenant_id, auth_type, operation_type, operation_name, requests, refresh_version_ms) VALUES ('2026-01-01', generateUUIDv4(), 'jwt', 'query', 'streams', 0, now64(3))" })
  t.same(await seedDemoIfEmpty(ch, { mode: 'always' }), { seeded: false, reason: 'not_empty' })
  t.same(await countSeededRows(ch.frameworksClient), { ...empty, api_usage_daily_store: 1 })
})

test('SEED_DEMO values map to modes and a bad one is refused', async (t) => {
  t.equal(parseSeedDemoMode(undefined), 'auto')
  t.equal(parseSeedDemoMode(''), 'auto')
  t.equal(parseSeedDemoMode('0'), 'never')
  t.equal(parseSeedDemoMode('false'), 'never')
  t.equal(parseSeedDemoMode('1'), 'always')
  t.equal(parseSeedDemoMode('ALWAYS'), 'always')
  t.throws(() => parseSeedDemoMode('maybe'), { code: 'FW_ATTR_INVALID_OPTION', message: /SEED_DEMO/ })
})
