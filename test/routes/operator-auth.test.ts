import { test } from 'tap'
import Fastify from 'fastify'
import { operatorAuthHook, operatorOf, tokenFingerprint } from '../../src/routes/operator-auth.ts'
import reportsPlugin from '../../src/routes/reports/index.ts'
import { referralCodeRoutes } from '../../src/routes/referral-codes.ts'
import { tenantAttributionRoutes } from '../../src/routes/tenant-attribution.ts'
import { ingestRoutes } from '../../src/ingest/ingest-routes.ts'
import { problemErrorHandler } from '../../src/errors.ts'

function build (opts: Parameters<typeof operatorAuthHook>[0]) {
  const app = Fastify()
  app.setErrorHandler(problemErrorHandler)
  app.register(async (scope) => {
    scope.addHook('onRequest', operatorAuthHook(opts))
    scope.get('/secret', async () => ({ ok: true }))
  })
  return app
}

test('a request without credentials gets 401 problem+json', async (t) => {
  const app = build({ operatorTokens: ['tok-1'] })
  const res = await app.inject('/secret')
  t.equal(res.statusCode, 401)
  t.match(res.headers['content-type'], /application\/problem\+json/)
  t.equal(res.json().code, 'FW_ATTR_UNAUTHORIZED')
})

test('a wrong bearer token gets 403 and a right one passes', async (t) => {
  const app = build({ operatorTokens: ['tok-1', 'tok-2'] })
  t.equal((await app.inject({ url: '/secret', headers: { authorization: 'Bearer nope' } })).statusCode, 403)
  t.equal((await app.inject({ url: '/secret', headers: { authorization: 'Bearer tok-2' } })).statusCode, 200)
  t.equal((await app.inject({ url: '/secret', headers: { authorization: 'Basic dG9rLTE=' } })).statusCode, 401)
})

test('a host authorize hook decides instead of tokens', async (t) => {
  const app = build({ authorize: (req) => req.headers['x-op'] === 'yes' ? true : (req.headers['x-op'] === undefined ? 'unauthenticated' : false) })
  t.equal((await app.inject('/secret')).statusCode, 401)
  t.equal((await app.inject({ url: '/secret', headers: { 'x-op': 'no' } })).statusCode, 403)
  t.equal((await app.inject({ url: '/secret', headers: { 'x-op': 'yes' } })).statusCode, 200)
})

test('registration without tokens or authorize fails with a message naming the option', async (t) => {
  t.throws(() => operatorAuthHook({}), /operatorTokens/)
})

// Every operator plugin of the package, with the least options it needs besides auth. The
// engines are never reached: auth answers before any handler runs.
const unusedClickHouse = { client: {}, engine: 'server', database: 'default', streamQuery: () => { throw new Error('unused') }, close: async () => {} }
const operatorPlugins = [
  { name: 'reports', plugin: reportsPlugin, options: { clickhouse: unusedClickHouse }, url: '/reports/network-usage' },
  { name: 'referral codes', plugin: referralCodeRoutes, options: { db: {} }, url: '/referral-codes' },
  { name: 'tenant attribution', plugin: tenantAttributionRoutes, options: { db: {} }, url: '/tenants/00000000-0000-4000-8000-000000000000/attribution' },
  { name: 'ingest', plugin: ingestRoutes, options: { db: {} }, url: '/ingest/status' }
] as const

for (const { name, plugin, options, url } of operatorPlugins) {
  test(`the ${name} plugin refuses to register at the root without auth options, and guards itself with them`, async (t) => {
    const open = Fastify()
    t.teardown(() => open.close())
    open.register(plugin as never, options as never)
    await t.rejects(async () => { await open.ready() }, /operatorTokens/)

    const guarded = Fastify()
    guarded.setErrorHandler(problemErrorHandler)
    t.teardown(() => guarded.close())
    await guarded.register(plugin as never, { ...options, operatorTokens: ['right-token'] } as never)
    const none = await guarded.inject(url)
    t.equal(none.statusCode, 401)
    t.match(none.headers['content-type'], /application\/problem\+json/)
    const wrong = await guarded.inject({ url, headers: { authorization: 'Bearer wrong-token' } })
    t.equal(wrong.statusCode, 403)
    t.match(wrong.headers['content-type'], /application\/problem\+json/)
  })
}

test('the credential that passed is remembered for audit records, never the token itself', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (scope) => {
    scope.addHook('onRequest', operatorAuthHook({ operatorTokens: ['tok-1', 'tok-2'] }))
    scope.get('/who', async (request) => ({ operator: operatorOf(request) }))
  })
  const who = (await app.inject({ url: '/who', headers: { authorization: 'Bearer tok-2' } })).json().operator
  t.equal(who, tokenFingerprint('tok-2'))
  t.match(who, /^token:[0-9a-f]{12}$/)
  t.not(who, tokenFingerprint('tok-1'))

  const hosted = Fastify()
  t.teardown(() => hosted.close())
  await hosted.register(async (scope) => {
    scope.addHook('onRequest', operatorAuthHook({ authorize: () => ({ operator: 'ops@sso:42' }) }))
    scope.get('/who', async (request) => ({ operator: operatorOf(request) }))
  })
  t.equal((await hosted.inject('/who')).json().operator, 'ops@sso:42')
})
