// The public network stats on a real engine: seeded demo data (usage in the last 30 days and
// before), the reports plugin with `publicStats`, Fastify inject.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import SwaggerParser from '@apidevtools/swagger-parser'
import { openClickHouse, type ClickHouseHandle } from '../../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../../src/clickhouse/migrations.ts'
import { problemErrorHandler } from '../../../src/errors.ts'
import { seedDemoData } from '../../../src/seed/index.ts'
import reportsPlugin, { type ReportsPluginOptions } from '../../../src/routes/reports/index.ts'
import { hoursOf } from '../../../src/routes/public-stats/answer.ts'
import { buildOpenApiDocument } from '../../../src/openapi-document.ts'
import { AUTH, TOKEN } from '../reports/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-stats-'))
const ch = await openClickHouse({ dataDir: dir, database: 'periscope' })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error
await seedDemoData(ch, { tenants: 80, days: 75 })

/** The same engine, counting the queries that reach it. */
function counting (handle: ClickHouseHandle): { handle: ClickHouseHandle, queries: () => number } {
  let n = 0
  const client = new Proxy(handle.client, {
    get (target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (prop === 'query') return (...args: Parameters<typeof target.query>) => { n++; return target.query(...args) }
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { handle: { ...handle, client } as ClickHouseHandle, queries: () => n }
}

async function appWith (options: Partial<ReportsPluginOptions>, handle: ClickHouseHandle = ch): Promise<FastifyInstance> {
  const app = Fastify()
  app.setErrorHandler(problemErrorHandler)
  await app.register(reportsPlugin, { clickhouse: handle, operatorTokens: [TOKEN], ...options })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

type Figures = Record<string, number | string | null>
interface Stats { generated_at: string, data_from: string | null, last_30_days: Figures, all_time: Figures }

t.test('the stats are off unless enabled', async (t) => {
  const app = await appWith({})
  t.equal((await app.inject({ url: '/stats/network' })).statusCode, 404)
})

t.test('the stats need no authentication and carry network totals only', async (t) => {
  const app = await appWith({ publicStats: true })
  const res = await app.inject({ url: '/stats/network' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json<Stats>()
  t.same(Object.keys(body).sort(), ['all_time', 'data_from', 'generated_at', 'last_30_days'])
  const figures = ['active_tenants', 'egress_gb', 'from', 'livepeer_hours', 'native_hours', 'to', 'viewer_hours']
  t.same(Object.keys(body.last_30_days).sort(), figures)
  t.same(Object.keys(body.all_time).sort(), figures)
  for (const range of [body.last_30_days, body.all_time]) {
    for (const key of ['viewer_hours', 'egress_gb', 'livepeer_hours', 'native_hours', 'active_tenants']) t.type(range[key], 'number', key)
    t.ok(Number(range.viewer_hours) > 0, 'the seeded usage shows')
  }
  t.notMatch(res.body, /tenant_id|cohort|campaign|referral|utm_|[0-9a-f]{8}-[0-9a-f]{4}-/i, 'no per-tenant, cohort, campaign or referral field, no tenant id')
  t.ok(Number(body.all_time.active_tenants) >= Number(body.last_30_days.active_tenants))
  t.ok(Number(body.all_time.viewer_hours) > Number(body.last_30_days.viewer_hours), 'usage before the last 30 days counts in all time')
})

t.test('the figures equal network-usage\'s totals for the same ranges', async (t) => {
  const app = await appWith({ publicStats: true })
  const stats = (await app.inject({ url: '/stats/network' })).json<Stats>()
  t.ok(String(stats.all_time.from) <= String(stats.data_from).slice(0, 10), 'all time starts at the first data, acquisition or usage')
  for (const range of [stats.last_30_days, stats.all_time]) {
    const res = await app.inject({ url: `/reports/network-usage?from=${String(range.from)}&to=${String(range.to)}&granularity=month`, headers: AUTH })
    t.equal(res.statusCode, 200)
    const { totals, meta } = res.json<{ totals: Record<string, number>, meta: { data_from: string | null } }>()
    t.same({
      viewer_hours: range.viewer_hours,
      egress_gb: range.egress_gb,
      livepeer_hours: range.livepeer_hours,
      native_hours: range.native_hours,
      active_tenants: range.active_tenants
    }, {
      viewer_hours: totals.viewer_hours,
      egress_gb: totals.egress_gb,
      livepeer_hours: hoursOf(Number(totals.livepeer_seconds)),
      native_hours: hoursOf(Number(totals.native_seconds)),
      active_tenants: totals.active_tenants
    }, `${String(range.from)} to ${String(range.to)}`)
    t.equal(stats.data_from, meta.data_from)
  }
  // The recent window is the reports' default range: the last 30 days, today included.
  const byDefault = (await app.inject({ url: '/reports/network-usage', headers: AUTH })).json<{ meta: { request: { from: string, to: string } } }>()
  t.same({ from: stats.last_30_days.from, to: stats.last_30_days.to }, { from: byDefault.meta.request.from, to: byDefault.meta.request.to })
})

t.test('a hundred concurrent requests cause one engine query, and the period\'s later requests none', async (t) => {
  const { handle, queries } = counting(ch)
  const app = await appWith({ publicStats: { rateLimit: { max: 1000 } } }, handle)
  const answers = await Promise.all(Array.from({ length: 100 }, () => app.inject({ url: '/stats/network' })))
  t.same([...new Set(answers.map((a) => a.statusCode))], [200])
  t.equal(new Set(answers.map((a) => a.body)).size, 1, 'one answer for all')
  t.equal(new Set(answers.map((a) => a.headers.etag)).size, 1)
  t.equal(queries(), 1)
  await Promise.all(Array.from({ length: 100 }, () => app.inject({ url: '/stats/network' })))
  t.equal(queries(), 1, 'still one: the period has not ended')
})

t.test('answers are cacheable and a matching If-None-Match gets 304', async (t) => {
  const app = await appWith({ publicStats: { maxAgeSeconds: 600 } })
  const first = await app.inject({ url: '/stats/network' })
  t.equal(first.headers['cache-control'], 'public, max-age=600')
  const etag = String(first.headers.etag)
  t.match(etag, /^"[A-Za-z0-9_-]+"$/)
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const again = await app.inject({ url: '/stats/network', headers: { 'if-none-match': header } })
    t.equal(again.statusCode, 304, header)
    t.equal(again.body, '')
    t.equal(again.headers.etag, etag)
    t.equal(again.headers['cache-control'], 'public, max-age=600')
  }
  const stale = await app.inject({ url: '/stats/network', headers: { 'if-none-match': '"not-it"' } })
  t.equal(stale.statusCode, 200)
  t.equal(stale.body, first.body)
})

t.test('past the limit a client gets 429 with Retry-After, another client does not', async (t) => {
  const app = await appWith({ publicStats: { rateLimit: { max: 3, timeWindowMs: 60_000 } } })
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/stats/network' })).statusCode, 200)
  const refused = await app.inject({ url: '/stats/network' })
  t.equal(refused.statusCode, 429)
  t.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After in seconds')
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.equal(refused.json<{ code: string }>().code, 'FW_ATTR_RATE_LIMITED')
  t.equal((await app.inject({ url: '/stats/network', remoteAddress: '203.0.113.9' })).statusCode, 200)
  t.equal((await app.inject({ url: '/reports/network-usage', headers: AUTH })).statusCode, 200, 'the reports are not limited by it')
})

t.test('CORS answers the configured origins only', async (t) => {
  const app = await appWith({ publicStats: { corsOrigins: ['https://frameworks.network'] } })
  const allowed = await app.inject({ url: '/stats/network', headers: { origin: 'https://frameworks.network' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://frameworks.network')
  t.match(String(allowed.headers.vary), /Origin/i)
  const other = await app.inject({ url: '/stats/network', headers: { origin: 'https://evil.example' } })
  t.equal(other.statusCode, 200)
  t.equal(other.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({ method: 'OPTIONS', url: '/stats/network', headers: { origin: 'https://frameworks.network', 'access-control-request-method': 'GET' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://frameworks.network')
  const reports = await app.inject({ method: 'OPTIONS', url: '/reports/network-usage', headers: { origin: 'https://frameworks.network', 'access-control-request-method': 'GET' } })
  t.not(reports.headers['access-control-allow-origin'], 'https://frameworks.network', 'CORS stays on the stats')
})

t.test('registration stops with the option name when a stats option is wrong', async (t) => {
  for (const [publicStats, name] of [
    [{ corsOrigins: ['https://frameworks.network/path'] }, 'publicStats.corsOrigins'],
    [{ maxAgeSeconds: 60 }, 'publicStats.maxAgeSeconds'],
    [{ rateLimit: { max: 0 } }, 'publicStats.rateLimit.max']
  ] as const) {
    const app = Fastify()
    app.register(reportsPlugin, { clickhouse: ch, operatorTokens: [TOKEN], publicStats: publicStats as never })
    await t.rejects(async () => { await app.ready() }, { code: 'FW_ATTR_INVALID_OPTION', message: new RegExp(name.replaceAll('.', '\\.')) })
    await app.close()
  }
})

t.test('the OpenAPI document describes the stats as public', async (t) => {
  const document = await SwaggerParser.validate(structuredClone(await buildOpenApiDocument()) as never) as unknown as { paths: Record<string, Record<string, { operationId?: string, security?: unknown[], responses?: Record<string, unknown> }>> }
  const op = document.paths['/stats/network']?.get
  t.equal(op?.operationId, 'getNetworkStats')
  t.same(op?.security, [], 'no authentication')
  t.same(Object.keys(op?.responses ?? {}).sort(), ['200', '304', '429', '503'])
  t.notOk(Object.keys(document.paths).some((p) => p.startsWith('/dashboard')), 'the dashboard\'s files are not API routes')
})
