import { test } from 'tap'
import Fastify from 'fastify'
import { operatorAuthHook } from '../../src/routes/operator-auth.ts'
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
