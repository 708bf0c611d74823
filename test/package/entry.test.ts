import { test } from 'tap'

test('the package entry exposes both plugins, the store, the relay and the engine factories without loading an embedded engine', async (t) => {
  const entry = await import('../../src/index.ts')
  t.equal(typeof entry.attributionCapturePlugin, 'function')
  t.equal(typeof entry.reportsPlugin, 'function')
  t.equal(typeof entry.recordSignup, 'function')
  t.equal(typeof entry.createRelay, 'function')
  t.equal(typeof entry.openPostgres, 'function')
  t.equal(typeof entry.openClickHouse, 'function')
  t.ok(entry.CHANNEL_GROUPS.includes('ai_assistant'))
  const loaded = Object.keys(await import('node:module').then((m) => m.createRequire(import.meta.url).cache))
  t.notOk(loaded.some((file) => /[\\/](chdb|@electric-sql[\\/]pglite)[\\/]/.test(file)), 'chDB and PGlite stay unloaded')
})

test('the built package (npm run build) loads under plain node by its name and exports what the source exports', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  // No tsx here: what a production gateway runs. The package imports itself by name through `exports`.
  const script = "const m = await import('@frameworks/attribution'); console.log(JSON.stringify(Object.keys(m).sort()))"
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env: { ...process.env, NODE_OPTIONS: '' } })
  const source = Object.keys(await import('../../src/index.ts')).sort()
  t.same(JSON.parse(stdout), source)
  const { CLICKHOUSE_MIGRATIONS_DIR } = await import('@frameworks/attribution' as string) as { CLICKHOUSE_MIGRATIONS_DIR: string }
  const { existsSync } = await import('node:fs')
  t.ok(existsSync(`${CLICKHOUSE_MIGRATIONS_DIR}/001_frameworks_tables.sql`), 'the built code finds the SQL migrations')
})
