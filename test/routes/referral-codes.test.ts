import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import Fastify from 'fastify'
import { problemErrorHandler } from '../../src/errors.ts'
import { referralCodeRoutes } from '../../src/routes/referral-codes.ts'
import { tenantAttributionRoutes } from '../../src/routes/tenant-attribution.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { attribution, openStore } from '../helpers/store.ts'

const auth = { authorization: 'Bearer op-token' }

for (const target of postgresTargets()) {
  test(`${target.name}: operator routes`, async (t) => {
    const handle = await openStore(target)
    t.teardown(() => handle.close())
    const app = Fastify()
    app.setErrorHandler(problemErrorHandler)
    await app.register(referralCodeRoutes, { db: handle.db, operatorTokens: ['op-token'] })
    await app.register(tenantAttributionRoutes, { db: handle.db, operatorTokens: ['op-token'] })
    t.teardown(() => app.close())

    t.test('creating a code answers 201 with the stored row', async (t) => {
      const owner = randomUUID()
      const res = await app.inject({
        method: 'POST', url: '/referral-codes', headers: auth,
        payload: { code: 'Launch-2026', partner_name: 'Acme', owner_tenant_id: owner, max_uses: 50, expires_at: '2030-01-01T00:00:00Z' }
      })
      t.equal(res.statusCode, 201)
      t.match(res.json(), {
        code: 'Launch-2026', partner_name: 'Acme', owner_tenant_id: owner, is_active: true,
        max_uses: 50, current_uses: 0, expires_at: '2030-01-01T00:00:00.000Z', created_at: String
      })
    })

    t.test('a code that exists in another letter case answers 409', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/referral-codes', headers: auth, payload: { code: 'LAUNCH-2026' } })
      t.equal(res.statusCode, 409)
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.equal(res.json().code, 'FW_ATTR_CONFLICT')
    })

    t.test('a malformed code or field answers 400 naming the parameter', async (t) => {
      for (const [payload, param] of [
        [{ code: 'a b' }, 'code'],
        [{ code: 'x' }, 'code'],
        [{ code: 'ok-code', max_uses: -1 }, 'max_uses'],
        [{ code: 'ok-code', expires_at: 'tomorrow' }, 'expires_at'],
        [{ code: 'ok-code', owner_tenant_id: 'tenant-1' }, 'owner_tenant_id'],
        [{ code: 'ok-code', owner_tenant_id: `urn:uuid:${randomUUID()}` }, 'owner_tenant_id'],
        [{ code: 'ok-code', expires_at: '0000-01-01T00:00:00Z' }, 'expires_at'],
        [{ code: 'ok-code', expires_at: '0001-01-01T00:00:00Z' }, 'expires_at'],
        [{ code: 'ok-code', expires_at: '9999-12-31T23:59:59-14:00' }, 'expires_at'],
        [{ code: 'ok-code', partner_name: 'a\u0000b' }, 'partner_name']
      ] as const) {
        const res = await app.inject({ method: 'POST', url: '/referral-codes', headers: auth, payload })
        t.equal(res.statusCode, 400, JSON.stringify(payload))
        t.equal(res.json().param, param)
      }
    })

    t.test('showing a code is case-insensitive and includes current_uses after a signup', async (t) => {
      const tenantId = randomUUID()
      await handle.db.transaction().execute((trx) => recordSignup(trx, { tenantId, attribution: attribution({ referral_code: 'launch-2026' }) }))
      const res = await app.inject({ url: '/referral-codes/LAUNCH-2026', headers: auth })
      t.equal(res.statusCode, 200)
      t.match(res.json(), { code: 'Launch-2026', current_uses: 1 })
      t.equal((await app.inject({ url: '/referral-codes/nope-nope', headers: auth })).statusCode, 404)
    })

    t.test('deactivating a code is idempotent and later signups record it as inactive', async (t) => {
      for (let i = 0; i < 2; i++) {
        const res = await app.inject({ method: 'POST', url: '/referral-codes/launch-2026/deactivate', headers: auth })
        t.equal(res.statusCode, 200)
        t.equal(res.json().is_active, false)
      }
      const result = await handle.db.transaction().execute((trx) => recordSignup(trx, { tenantId: randomUUID(), attribution: attribution({ referral_code: 'Launch-2026' }) }))
      t.equal(result.referralStatus, 'inactive')
      t.equal((await app.inject({ method: 'POST', url: '/referral-codes/nope-nope/deactivate', headers: auth })).statusCode, 404)
    })

    t.test('listing pages through codes in code order', async (t) => {
      for (const code of ['b-code', 'A-code', 'c-code']) {
        t.equal((await app.inject({ method: 'POST', url: '/referral-codes', headers: auth, payload: { code } })).statusCode, 201)
      }
      const first = await app.inject({ url: '/referral-codes?limit=2', headers: auth })
      t.equal(first.statusCode, 200)
      t.same(first.json().items.map((c: { code: string }) => c.code), ['A-code', 'b-code'])
      t.equal(first.json().next_after, 'b-code')
      const second = await app.inject({ url: '/referral-codes?limit=2&after=b-code', headers: auth })
      t.same(second.json().items.map((c: { code: string }) => c.code), ['c-code', 'Launch-2026'])
      const inactive = await app.inject({ url: '/referral-codes?active=false', headers: auth })
      t.same(inactive.json(), { items: [inactive.json().items[0]], next_after: null })
      t.equal(inactive.json().items[0].code, 'Launch-2026')
      t.equal((await app.inject({ url: '/referral-codes?limit=0', headers: auth })).statusCode, 400)
    })

    t.test("a tenant's attribution is shown with the contract's field names", async (t) => {
      const tenantId = randomUUID()
      await handle.db.transaction().execute((trx) => recordSignup(trx, {
        tenantId,
        attribution: attribution({
          signup_channel: 'wallet', signup_method: 'wallet_base', utm_source: 'x', is_agent: true, client_kind: 'mcp_client',
          metadata_json: '{"chain_id":8453}', channel_group: 'organic_social'
        })
      }))
      const res = await app.inject({ url: `/tenants/${tenantId}/attribution`, headers: auth })
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.same(Object.keys(body).sort(), [
        'channel_group', 'client_kind', 'created_at', 'first_touch_at', 'http_referer', 'is_agent', 'landing_page', 'last_touch',
        'metadata', 'referral_code', 'referral_status', 'signup_channel', 'signup_method', 'tenant_id', 'user_id',
        'utm_campaign', 'utm_content', 'utm_medium', 'utm_source', 'utm_term'
      ])
      t.match(body, {
        tenant_id: tenantId, signup_channel: 'wallet', signup_method: 'wallet_base', utm_source: 'x', is_agent: true,
        client_kind: 'mcp_client', channel_group: 'organic_social', metadata: { chain_id: 8453 }, referral_status: null, first_touch_at: null
      })
      t.equal((await app.inject({ url: `/tenants/${randomUUID()}/attribution`, headers: auth })).statusCode, 404)
      const bad = await app.inject({ url: '/tenants/not-a-uuid/attribution', headers: auth })
      t.equal(bad.statusCode, 400)
      t.equal(bad.json().param, 'tenantId')
      const urn = await app.inject({ url: `/tenants/urn:uuid:${tenantId}/attribution`, headers: auth })
      t.equal(urn.statusCode, 400)
      t.equal(urn.json().param, 'tenantId')
    })

    t.test('operator routes refuse missing and wrong credentials', async (t) => {
      t.equal((await app.inject({ url: '/referral-codes' })).statusCode, 401)
      t.equal((await app.inject({ url: '/referral-codes', headers: { authorization: 'Bearer wrong' } })).statusCode, 403)
      t.equal((await app.inject({ url: `/tenants/${randomUUID()}/attribution` })).statusCode, 401)
    })
  })
}
