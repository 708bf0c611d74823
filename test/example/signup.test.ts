import { randomBytes } from 'node:crypto'
import { test, type Test } from 'tap'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { authorizationTypedData, type Authorization } from '../../example/signup/x402.ts'
import { buildTestGateway, gatewayTargets, type GatewayTarget } from '../helpers/gateway.ts'

const OPERATOR = 'operator-token-for-tests'
const API_KEY = 'api-key-for-tests-0123456789'
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const PAY_TO = '0x000000000000000000000000000000000000dEaD'

interface Gateway {
  url: string
  /** fetch against the gateway, JSON in and out. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  call: (path: string, init?: { method?: string, body?: unknown, headers?: Record<string, string> }) => Promise<{ status: number, headers: Headers, body: any }>
  attribution: (tenantId: string) => Promise<Record<string, unknown>>
}


/** Starts the example gateway on a free port with fresh storage; stops and cleans up on teardown. */
async function startGateway (t: Test, target: GatewayTarget): Promise<Gateway> {
  const { app } = await buildTestGateway(t, target, {
    OPERATOR_TOKENS: OPERATOR,
    API_KEYS: `other-key-for-tests-0000000000,${API_KEY}`,
    COOKIE_SECRETS: 'c'.repeat(40)
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const call: Gateway['call'] = async (path, init = {}) => {
    const headers: Record<string, string> = { 'user-agent': BROWSER_UA, ...init.headers }
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(address + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      redirect: 'manual',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
  }
  const attribution = async (tenantId: string) => {
    const res = await call(`/tenants/${tenantId}/attribution`, { headers: { authorization: `Bearer ${OPERATOR}` } })
    if (res.status !== 200) throw new Error(`attribution of ${tenantId}: ${res.status}`)
    return res.body
  }
  return { url: address, call, attribution }
}

/** Everything of a stored row but its generated values. */
function stable (row: Record<string, unknown>): Record<string, unknown> {
  const { created_at: _c, tenant_id: _t, metadata: _m, user_id: _u, ...rest } = row
  return rest
}

const blankRow = {
  utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null,
  http_referer: null, landing_page: null, referral_code: null, referral_status: null, first_touch_at: null, last_touch: null
}

async function walletSignup (gw: Gateway, account: PrivateKeyAccount, chainId: number, headers: Record<string, string> = {}) {
  const challenge = await gw.call('/auth/wallet-challenge', { body: { address: account.address, chain_id: chainId }, headers })
  if (challenge.status !== 200) throw new Error(`challenge: ${challenge.status}`)
  const signature = await account.signMessage({ message: challenge.body.message })
  return { challenge, signature, login: await gw.call('/auth/wallet-login', { body: { message: challenge.body.message, signature }, headers }) }
}

async function paymentHeader (payer: PrivateKeyAccount, version: 1 | 2, overrides: Partial<Authorization> = {}, signer: PrivateKeyAccount = payer): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const authorization: Authorization = {
    from: payer.address,
    to: PAY_TO,
    value: '10000',
    validAfter: String(now - 60),
    validBefore: String(now + 120),
    nonce: `0x${randomBytes(32).toString('hex')}`,
    ...overrides
  }
  const signature = await signer.signTypedData(authorizationTypedData(authorization))
  const payload = version === 1
    ? { x402Version: 1, scheme: 'exact', network: 'base', payload: { signature, authorization } }
    : {
        x402Version: 2,
        resource: { url: 'http://localhost:3000/x402/provision' },
        accepted: { scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo: PAY_TO, maxTimeoutSeconds: 300 },
        payload: { signature, authorization }
      }
  return Buffer.from(JSON.stringify(payload)).toString('base64')
}

for (const target of gatewayTargets()) {
  test(`${target.name}: the example gateway's signup paths`, async (t) => {
    const gw = await startGateway(t, target)

    t.test('e-mail registration stores a web / email_password row with the campaign of the request', async (t) => {
      const res = await gw.call('/auth/register?utm_source=newsletter&utm_medium=email&utm_campaign=launch', { body: { email: 'Ada@Example.com', password: 'correct horse battery' } })
      t.equal(res.status, 201)
      t.match(res.body.tenant_id, /^[0-9a-f-]{36}$/)
      const row = await gw.attribution(res.body.tenant_id)
      const landing = `${gw.url}/auth/register`
      t.same(stable(row), {
        ...blankRow,
        signup_channel: 'web', signup_method: 'email_password', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch',
        landing_page: landing, is_agent: false, channel_group: 'email', client_kind: 'browser',
        last_touch: {
          at: (row.last_touch as { at: string }).at, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch', utm_content: null, utm_term: null,
          click_id_type: null, referral_code: null, http_referer: null, landing_page: landing, channel_group: 'email'
        }
      })
      t.match(row.user_id, /^[0-9a-f-]{36}$/)
      t.notMatch(JSON.stringify(row), /ada@example\.com/i)
    })

    t.test('a registered e-mail answers 409 and malformed input 400 problem+json', async (t) => {
      const again = await gw.call('/auth/register', { body: { email: 'ada@example.com', password: 'another password' } })
      t.equal(again.status, 409)
      t.equal(again.body.code, 'FW_ATTR_CONFLICT')
      for (const [body, param] of [
        [{ email: 'not-an-email', password: 'long enough pw' }, 'email'],
        [{ email: 'bob@example.com', password: 'short' }, 'password'],
        [{ email: 'bob@example.com' }, 'password'],
        [{ email: 'bob@example.com', password: 'long enough pw', referral_code: 'no spaces' }, 'referral_code']
      ] as const) {
        const res = await gw.call('/auth/register', { body })
        t.equal(res.status, 400, JSON.stringify(body))
        t.match(res.headers.get('content-type'), /application\/problem\+json/)
        t.equal(res.body.param, param)
      }
      const notJson = await fetch(gw.url + '/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' })
      t.equal(notJson.status, 400)
    })

    t.test('a referral code from the referral link cookie is applied at registration', async (t) => {
      const created = await gw.call('/referral-codes', { body: { code: 'LAUNCH-50', max_uses: 50 }, headers: { authorization: `Bearer ${OPERATOR}` } })
      t.equal(created.status, 201)
      const link = await gw.call('/r/launch-50')
      t.equal(link.status, 302)
      const cookie = link.headers.get('set-cookie')?.split(';')[0]
      t.ok(cookie)
      const res = await gw.call('/auth/register', { body: { email: 'ref@example.com', password: 'correct horse battery' }, headers: { cookie: cookie as string } })
      t.equal(res.status, 201)
      const row = await gw.attribution(res.body.tenant_id)
      t.match(row, { referral_code: 'LAUNCH-50', referral_status: 'applied', channel_group: 'referral_program', signup_channel: 'web' })
      t.match(row.first_touch_at, /^\d{4}-\d\d-\d\dT/)
      const code = await gw.call('/referral-codes/launch-50', { headers: { authorization: `Bearer ${OPERATOR}` } })
      t.equal(code.body.current_uses, 1)
    })

    t.test('an unknown referral code in the body leaves the signup successful and says why', async (t) => {
      const res = await gw.call('/auth/register', { body: { email: 'unknown@example.com', password: 'correct horse battery', referral_code: 'NOPE-1' } })
      t.equal(res.status, 201)
      t.match(await gw.attribution(res.body.tenant_id), { referral_code: 'NOPE-1', referral_status: 'unknown', channel_group: 'referral_program' })
    })

    t.test('a browser wallet on Base signs in with SIWE and stores wallet / wallet_base without its address', async (t) => {
      const account = privateKeyToAccount(generatePrivateKey())
      const { challenge, signature, login } = await walletSignup(gw, account, 8453)
      t.match(challenge.body.message, /^http:\/\/localhost:3000 wants you to sign in with your Ethereum account:\n0x/)
      t.match(challenge.body.message, /Chain ID: 8453/)
      t.equal(login.status, 201)
      const row = await gw.attribution(login.body.tenant_id)
      t.same(stable(row), {
        ...blankRow, signup_channel: 'wallet', signup_method: 'wallet_base', landing_page: `${gw.url}/auth/wallet-login`,
        is_agent: false, channel_group: 'direct', client_kind: 'browser'
      })
      t.match(row.user_id, /^[0-9a-f-]{36}$/)
      t.equal((row.metadata as Record<string, unknown>).chain_id, 8453)
      t.notMatch(JSON.stringify(row).toLowerCase(), account.address.toLowerCase().slice(2))

      const replay = await gw.call('/auth/wallet-login', { body: { message: challenge.body.message, signature } })
      t.equal(replay.status, 401, 'a nonce is single use')
      t.equal(replay.body.code, 'FW_ATTR_AUTHENTICATION_FAILED')

      const again = await walletSignup(gw, account, 8453)
      t.equal(again.login.status, 200, 'a returning wallet signs in without a new signup')
      t.equal(again.login.body.tenant_id, login.body.tenant_id)
    })

    t.test('an agent driving the wallet routes is the wallet-agent path', async (t) => {
      const account = privateKeyToAccount(generatePrivateKey())
      const { login } = await walletSignup(gw, account, 1, { 'user-agent': 'node', 'mcp-protocol-version': '2025-06-18' })
      t.equal(login.status, 201)
      t.same(stable(await gw.attribution(login.body.tenant_id)), {
        ...blankRow, signup_channel: 'wallet', signup_method: 'wallet_ethereum', landing_page: `${gw.url}/auth/wallet-login`,
        is_agent: true, channel_group: 'direct', client_kind: 'mcp_client'
      })
      const arbitrum = await walletSignup(gw, privateKeyToAccount(generatePrivateKey()), 42161)
      t.equal(arbitrum.login.status, 201)
      t.equal((await gw.attribution(arbitrum.login.body.tenant_id)).signup_method, 'wallet_arbitrum')
    })

    t.test('wallet sign-in refuses bad signatures, foreign messages and unsupported chains', async (t) => {
      const account = privateKeyToAccount(generatePrivateKey())
      const other = privateKeyToAccount(generatePrivateKey())
      const challenge = await gw.call('/auth/wallet-challenge', { body: { address: account.address, chain_id: 1 } })
      const forged = await gw.call('/auth/wallet-login', { body: { message: challenge.body.message, signature: await other.signMessage({ message: challenge.body.message }) } })
      t.equal(forged.status, 401)
      const foreign = challenge.body.message.replace('localhost:3000 wants', 'evil.example wants')
      const foreignLogin = await gw.call('/auth/wallet-login', { body: { message: foreign, signature: await account.signMessage({ message: foreign }) } })
      t.equal(foreignLogin.status, 401)
      const garbage = await gw.call('/auth/wallet-login', { body: { message: 'hello', signature: '0x' + '1'.repeat(130) } })
      t.equal(garbage.status, 401)
      t.equal((await gw.call('/auth/wallet-challenge', { body: { address: account.address, chain_id: 10 } })).status, 400)
      t.equal((await gw.call('/auth/wallet-challenge', { body: { address: '0x1234', chain_id: 1 } })).status, 400)
      t.equal((await gw.call('/auth/wallet-login', { body: { message: challenge.body.message, signature: '0xabc' } })).status, 400)
    })

    t.test('x402 provisioning without payment answers 402 with v1 and v2 requirements', async (t) => {
      const res = await gw.call('/x402/provision', { method: 'POST' })
      t.equal(res.status, 402)
      t.match(res.body, {
        status: 402, code: 'FW_ATTR_PAYMENT_REQUIRED', x402Version: 1,
        accepts: [{ scheme: 'exact', network: 'base', maxAmountRequired: '10000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo: PAY_TO }]
      })
      const v2 = JSON.parse(Buffer.from(res.headers.get('payment-required') as string, 'base64').toString('utf8'))
      t.match(v2, { x402Version: 2, accepts: [{ scheme: 'exact', network: 'eip155:8453', amount: '10000' }] })
    })

    t.test('a valid x402 v1 payment provisions an x402 / x402_usdc tenant once, without the payer', async (t) => {
      const payer = privateKeyToAccount(generatePrivateKey())
      const header = await paymentHeader(payer, 1)
      const res = await gw.call('/x402/provision', { method: 'POST', headers: { 'x-payment': header, 'user-agent': 'python-httpx/0.27' } })
      t.equal(res.status, 201)
      const row = await gw.attribution(res.body.tenant_id)
      t.same(stable(row), {
        ...blankRow, signup_channel: 'x402', signup_method: 'x402_usdc', landing_page: `${gw.url}/x402/provision`,
        is_agent: true, channel_group: 'direct', client_kind: 'x402_client'
      })
      t.equal(row.user_id, null)
      t.match(row.metadata, { x402_version: 1, x402_scheme: 'exact', x402_network: 'base', x402_asset: 'USDC' })
      t.notMatch(JSON.stringify(row).toLowerCase(), payer.address.toLowerCase().slice(2))

      const replay = await gw.call('/x402/provision', { method: 'POST', headers: { 'x-payment': header } })
      t.equal(replay.status, 200, 'the same authorization never provisions a second tenant')
      t.equal(replay.body.tenant_id, res.body.tenant_id)
    })

    t.test('a valid x402 v2 payment records version 2 and the CAIP-2 network', async (t) => {
      const res = await gw.call('/x402/provision', { method: 'POST', headers: { 'payment-signature': await paymentHeader(privateKeyToAccount(generatePrivateKey()), 2) } })
      t.equal(res.status, 201)
      t.match((await gw.attribution(res.body.tenant_id)).metadata, { x402_version: 2, x402_scheme: 'exact', x402_network: 'eip155:8453', x402_asset: 'USDC' })
    })

    t.test('x402 payments that do not pay are refused and malformed ones get 400', async (t) => {
      const payer = privateKeyToAccount(generatePrivateKey())
      const now = Math.floor(Date.now() / 1000)
      const cases: Array<[string, Promise<string>]> = [
        ['too little', paymentHeader(payer, 1, { value: '9999' })],
        ['expired', paymentHeader(payer, 1, { validAfter: String(now - 600), validBefore: String(now - 1) })],
        ['other recipient', paymentHeader(payer, 1, { to: payer.address })],
        ['wrong signer', paymentHeader(payer, 1, {}, privateKeyToAccount(generatePrivateKey()))]
      ]
      for (const [name, header] of cases) {
        const res = await gw.call('/x402/provision', { method: 'POST', headers: { 'x-payment': await header } })
        t.equal(res.status, 402, name)
        t.match(res.body.error, /^Payment refused/, name)
      }
      const malformed = await gw.call('/x402/provision', { method: 'POST', headers: { 'x-payment': 'not base64 json' } })
      t.equal(malformed.status, 400)
      t.match(malformed.headers.get('content-type'), /application\/problem\+json/)
      const wrongVersion = await gw.call('/x402/provision', { method: 'POST', headers: { 'payment-signature': await paymentHeader(payer, 1) } })
      t.equal(wrongVersion.status, 400)
    })

    t.test('an API-key signup stores api / api_key with UTM from the body or the query', async (t) => {
      const auth = { authorization: `Bearer ${API_KEY}` }
      const fromBody = await gw.call('/api/tenants', { body: { name: 'Acme', utm_source: 'partner-portal', utm_medium: 'referral' }, headers: { ...auth, 'user-agent': 'Go-http-client/1.1' } })
      t.equal(fromBody.status, 201)
      const row = await gw.attribution(fromBody.body.tenant_id)
      t.same(stable(row), {
        ...blankRow, signup_channel: 'api', signup_method: 'api_key', utm_source: 'partner-portal', utm_medium: 'referral',
        landing_page: `${gw.url}/api/tenants`, is_agent: true, channel_group: 'referral', client_kind: 'automation'
      })
      t.match(row.metadata, { api_client: 'key_2' })

      const fromQuery = await gw.call('/api/tenants?utm_source=google&utm_medium=cpc', { method: 'POST', headers: auth })
      t.equal(fromQuery.status, 201)
      t.match(await gw.attribution(fromQuery.body.tenant_id), { utm_source: 'google', utm_medium: 'cpc', channel_group: 'paid_search' })

      t.equal((await gw.call('/api/tenants', { body: {} })).status, 401)
      const wrong = await gw.call('/api/tenants', { body: {}, headers: { authorization: 'Bearer nope' } })
      t.equal(wrong.status, 401)
      t.equal(wrong.body.code, 'FW_ATTR_AUTHENTICATION_FAILED')
      t.equal((await gw.call('/api/tenants', { body: { name: '' }, headers: auth })).status, 400)
      t.equal((await gw.call('/api/tenants', { body: { referral_code: 'bad code' }, headers: auth })).status, 400)
    })

    t.test('concurrent signups over HTTP all succeed', async (t) => {
      const results = await Promise.all(Array.from({ length: 20 }, () =>
        gw.call('/api/tenants', { body: {}, headers: { authorization: `Bearer ${API_KEY}` } })))
      t.same(results.map((r) => r.status), Array(20).fill(201))
      t.equal(new Set(results.map((r) => r.body.tenant_id)).size, 20)
    })

    if (target.name === 'postgres') {
      t.test('a code with max_uses 50 is applied exactly 50 times under 200 concurrent signups', async (t) => {
        const op = { authorization: `Bearer ${OPERATOR}` }
        t.equal((await gw.call('/referral-codes', { body: { code: 'RUSH-50', max_uses: 50 }, headers: op })).status, 201)
        const results = await Promise.all(Array.from({ length: 200 }, () =>
          gw.call('/api/tenants', { body: { referral_code: 'rush-50' }, headers: { authorization: `Bearer ${API_KEY}` } })))
        t.same(results.map((r) => r.status), Array(200).fill(201))
        const statuses = await Promise.all(results.map(async (r) => (await gw.attribution(r.body.tenant_id)).referral_status))
        t.equal(statuses.filter((s) => s === 'applied').length, 50)
        t.equal(statuses.filter((s) => s === 'exhausted').length, 150)
        t.equal((await gw.call('/referral-codes/RUSH-50', { headers: op })).body.current_uses, 50)
      })
    }
  })
}
