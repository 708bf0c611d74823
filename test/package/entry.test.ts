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
