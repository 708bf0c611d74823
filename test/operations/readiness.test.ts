import t, { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { healthPlugin } from '../../src/operations/routes.ts'
import { createReadinessCheck } from '../../src/operations/readiness.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import type { HostKysely } from '../../src/store/database.ts'
import { closedPort } from '../helpers/closed-port.ts'
import { postgresTargets } from '../helpers/postgres.ts'

// One chDB for the file (one engine per process): the first test sees it before its
// migrations, the next ones after.
const dir = mkdtempSync(join(tmpdir(), 'fw-ready-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL !== undefined ? { url: process.env.CLICKHOUSE_URL } : { dataDir: join(dir, 'chdb') })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const downPort = await closedPort()
const downClickHouse = await openClickHouse({ url: `http://127.0.0.1:${downPort}` })
t.teardown(() => downClickHouse.close())
const downPool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${downPort}/test`, connectionTimeoutMillis: 1_000 })
const downPostgres = new Kysely({ dialect: new PostgresDialect({ pool: downPool }) }) as unknown as HostKysely
t.teardown(() => downPostgres.destroy())

async function probe (options: Parameters<typeof healthPlugin>[1]) {
  const app = Fastify()
  await app.register(healthPlugin, { ...options, cacheMs: 0 })
  const [live, ready] = [await app.inject({ url: '/healthz' }), await app.inject({ url: '/readyz' })]
  await app.close()
  return { live, ready }
}

test('before its migrations ClickHouse is not ready, with Postgres migrated', async (t) => {
  const [target] = postgresTargets()
  const postgres = await target!.open()
  t.teardown(() => postgres.close())
  await migrateToLatest(postgres.db as HostKysely, { schema: postgres.schema })
  const { ready } = await probe({ db: postgres.db as HostKysely, schema: postgres.schema, clickhouse: ch })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { checks: { postgres: { status: 'up' }, clickhouse: { status: 'not_migrated', detail: /001_attribution_signups\.sql/ } }, detail: /clickhouse is not migrated/ })
})

for (const target of postgresTargets()) {
  test(`${target.name}: /readyz answers 503 until both databases are migrated, then 200`, async (t) => {
    const postgres = await target.open()
    t.teardown(() => postgres.close())
    const options = { db: postgres.db as HostKysely, schema: postgres.schema, clickhouse: ch }

    const before = await probe(options)
    t.equal(before.live.statusCode, 200, 'liveness answers whatever the databases')
    t.equal(before.ready.statusCode, 503)
    t.match(before.ready.headers['content-type'], /^application\/problem\+json/)
    const body = before.ready.json()
    t.match(body, { status: 503, code: 'FW_ATTR_NOT_READY', checks: { postgres: { status: 'not_migrated' } } })
    t.match(body.detail, /postgres is not migrated \(pending migrations: 0001_referral_codes\.sql/)

    const migrated = await migrateToLatest(postgres.db as HostKysely, { schema: postgres.schema })
    t.equal(migrated.error, undefined)
    const chMigrated = await migrateClickHouse(ch)
    t.equal(chMigrated.error, undefined)
    const after = await probe(options)
    t.equal(after.ready.statusCode, 200)
    t.same(after.ready.json(), { status: 'ready', checks: { postgres: { status: 'up' }, clickhouse: { status: 'up' } } })

    const pgDown = await probe({ ...options, db: downPostgres })
    t.equal(pgDown.live.statusCode, 200)
    t.equal(pgDown.ready.statusCode, 503)
    t.match(pgDown.ready.json(), { checks: { postgres: { status: 'down', detail: 'unreachable' }, clickhouse: { status: 'up' } }, detail: /postgres is down/ })

    const chDown = await probe({ ...options, clickhouse: downClickHouse })
    t.equal(chDown.live.statusCode, 200)
    t.equal(chDown.ready.statusCode, 503)
    t.match(chDown.ready.json(), { checks: { postgres: { status: 'up' }, clickhouse: { status: 'down' } }, detail: /clickhouse is down/ })
  })
}

test('readiness is cached and probes share one check in flight', async (t) => {
  const [target] = postgresTargets()
  const postgres = await target!.open()
  t.teardown(() => postgres.close())
  let reads = 0
  const counted = (inner: typeof ch.client): typeof ch.client => new Proxy(inner, {
    get (client, key) {
      if (key === 'query') return (...args: Parameters<typeof client.query>) => { reads++; return client.query(...args) }
      return Reflect.get(client, key) as unknown
    }
  })
  const counting = { ...ch, client: counted(ch.client), frameworksClient: counted(ch.frameworksClient) }
  const check = createReadinessCheck({ db: postgres.db as HostKysely, schema: postgres.schema, clickhouse: counting, cacheMs: 60_000 })
  const results = await Promise.all(Array.from({ length: 20 }, () => check()))
  await check()
  t.equal(new Set(results).size, 1, 'twenty probes, one result')
  t.ok(reads > 0 && reads <= 2, `one check ran (${reads} ClickHouse queries)`)
  t.throws(() => createReadinessCheck({ db: postgres.db as HostKysely, clickhouse: ch, timeoutMs: 0 }), { code: 'FW_ATTR_INVALID_OPTION' })
})
