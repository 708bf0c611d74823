/**
 * What a production gateway installs: the packed tarball, without optional and dev
 * dependencies, on a real Postgres and a ClickHouse URL. Neither embedded engine may be
 * installed or loaded, and the tarball carries no tests, benches or fixtures.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'tap'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')
const npmEnv = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }

test('the packed package lists no tests, benches or fixtures, and carries what it serves', async (t) => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, env: npmEnv, maxBuffer: 16 << 20 })
  const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path)
  t.ok(files.includes('package.json'))
  t.ok(files.includes('openapi.yaml'))
  t.ok(files.some((f) => f.startsWith('sql/postgres/')))
  t.ok(files.some((f) => f.startsWith('sql/clickhouse/')))
  t.ok(files.includes('monitoring/attribution-dashboard.json'), 'the Grafana dashboard')
  t.ok(files.includes('monitoring/attribution-alerts.yml'), 'the alert rules')
  t.same(files.filter((f) => /^(test|bench|example)\/|fixture|\.test\.|^\.ci\//.test(f)), [], 'nothing from tests, benches, fixtures or the example')
})

const databaseUrl = process.env.DATABASE_URL
test('a production install (--omit=optional --omit=dev) registers both plugins on Postgres and a ClickHouse URL and starts, without chDB or PGlite', { skip: databaseUrl === undefined || databaseUrl === '' ? 'needs a Postgres server (DATABASE_URL)' : false }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fw-prod-install-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  // `npm test` builds dist/ before the tests run (a publish builds it in `prepack`); packing
  // here skips that script so no other test sees dist/ being rewritten.
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)')
  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, env: npmEnv, maxBuffer: 16 << 20 })
  const tarball = join(dir, (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]!.filename)

  const app = join(dir, 'app')
  await run('mkdir', ['-p', app])
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'prod-gateway', private: true, type: 'module' }))
  await run('npm', ['install', '--omit=optional', '--omit=dev', '--no-package-lock', tarball, 'fastify@5'], { cwd: app, env: npmEnv, maxBuffer: 64 << 20, timeout: 300_000 })

  const modules = join(app, 'node_modules')
  t.notOk(existsSync(join(modules, 'chdb')), 'chDB is not installed')
  t.notOk(existsSync(join(modules, '@electric-sql', 'pglite')), 'PGlite is not installed')
  t.ok(existsSync(join(modules, '@frameworks', 'attribution', 'dist', 'index.js')), 'the package is installed with its build')
  const installed = await readdir(modules)
  t.notOk(installed.includes('tsx') || installed.includes('viem') || installed.includes('tap'), 'no dev dependency is installed')

  const schema = `prod_${randomBytes(5).toString('hex')}`
  const script = `
    import Fastify from 'fastify'
    import { createRequire } from 'node:module'
    import {
      attributionCapturePlugin, reportsPlugin, migrateToLatest, openPostgres, openClickHouse, problemErrorHandler
    } from '@frameworks/attribution'
    const postgres = await openPostgres({ url: process.env.DATABASE_URL, schema: '${schema}' })
    await postgres.db.schema.createSchema('${schema}').ifNotExists().execute()
    const migrated = await migrateToLatest(postgres.db, { schema: '${schema}' })
    if (migrated.error !== undefined) throw migrated.error
    // A ClickHouse server URL: nothing listens there, so reports answer 503 (problem+json).
    const clickhouse = await openClickHouse({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 })
    const app = Fastify()
    app.setErrorHandler(problemErrorHandler)
    await app.register(attributionCapturePlugin, { secrets: ['a-production-secret-of-at-least-32-chars'], publicBaseUrl: 'https://frameworks.example/' })
    app.get('/', async (request) => ({ channel_group: request.attribution.channel_group }))
    await app.register(reportsPlugin, { clickhouse, operatorTokens: ['prod-token'] })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const landing = await fetch(address + '/?utm_source=google&utm_medium=cpc', { headers: { accept: 'text/html' } })
    const report = await fetch(address + '/reports/network-usage', { headers: { authorization: 'Bearer prod-token' } })
    const unauthorized = await fetch(address + '/reports/network-usage')
    let embedded = []
    for (const name of ['chdb', '@electric-sql/pglite']) {
      try { import.meta.resolve(name); embedded.push(name) } catch {}
    }
    console.log(JSON.stringify({
      landing: { status: landing.status, body: await landing.json(), cookie: landing.headers.get('set-cookie') !== null },
      report: { status: report.status, type: report.headers.get('content-type') },
      unauthorized: unauthorized.status,
      migrations: migrated.results.length,
      embedded
    }))
    await app.close()
    await clickhouse.close()
    await postgres.db.schema.dropSchema('${schema}').ifExists().cascade().execute()
    await postgres.close()
  `
  await writeFile(join(app, 'start.mjs'), script)
  const { stdout } = await run(process.execPath, ['start.mjs'], { cwd: app, env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: databaseUrl }, timeout: 120_000 })
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!)
  t.same(outcome.landing, { status: 200, body: { channel_group: 'paid_search' }, cookie: true }, 'the capture plugin sets its cookie on a campaign landing')
  t.equal(outcome.report.status, 503, 'reports answer 503 while ClickHouse is unreachable')
  t.match(outcome.report.type, /application\/problem\+json/)
  t.equal(outcome.unauthorized, 401, 'reports refuse a request without the operator token')
  t.ok(outcome.migrations > 0, 'the Postgres migrations ran from the installed package')
  t.same(outcome.embedded, [], 'neither embedded engine resolves in the production install')
})
