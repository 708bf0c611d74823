import { test } from 'tap'
import type { AttributionSnapshot, SignupAttribution } from '../../src/contracts.ts'
import { normalizeAttribution } from '../../src/store/record-signup.ts'
import { buildApp, cookiePair, UA } from './fixtures.ts'

test('the touch beacon records the landing URL and document.referrer and answers the snapshot', async (t) => {
  const app = await buildApp()
  const res = await app.inject({
    method: 'POST',
    url: '/attribution/touch',
    headers: { 'user-agent': UA.chrome, referer: 'https://app.example.com/welcome?utm_source=ignored' },
    payload: { url: 'https://app.example.com/welcome?utm_source=linkedin&utm_medium=paid_social&li_fat_id=123#top', referrer: 'https://www.linkedin.com/feed/?trk=x' }
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  t.ok(cookiePair(res.headers['set-cookie']))
  const snap = res.json<AttributionSnapshot>()
  t.match(snap, {
    first_touch: { utm_source: 'linkedin', utm_medium: 'paid_social', click_id_type: 'li_fat_id', http_referer: 'https://www.linkedin.com/feed/', landing_page: 'https://app.example.com/welcome', channel_group: 'paid_social' },
    client_kind: 'browser',
    is_agent: false,
    channel_group: 'paid_social'
  })
  t.same(Object.keys(snap), ['first_touch', 'last_touch', 'client_kind', 'is_agent', 'channel_group'])
  t.same(Object.keys(snap.first_touch!), ['at', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_type', 'referral_code', 'http_referer', 'landing_page', 'channel_group'])
})

test('the touch beacon falls back to its Referer header for the landing URL', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'user-agent': UA.chrome, referer: 'https://app.example.com/docs?utm_source=hn' } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { first_touch: { utm_source: 'hn', landing_page: 'https://app.example.com/docs', http_referer: null } })
})

test('the touch beacon takes sendBeacon text/plain JSON bodies', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA.chrome }, payload: JSON.stringify({ url: 'https://app.example.com/?utm_source=reddit' }) })
  t.equal(res.statusCode, 200)
  t.equal(res.json<AttributionSnapshot>().first_touch?.channel_group, 'organic_social')
})

test('a bad beacon body is a 4xx problem+json', async (t) => {
  const app = await buildApp()
  for (const [payload, type] of [
    ['not json', 'text/plain'],
    ['{"url": {"href": "x"}}', 'application/json'],
    ['[1,2]', 'application/json'],
    ['{', 'application/json'],
    [JSON.stringify({ url: 'x'.repeat(5000) }), 'application/json'],
    ['<a/>', 'application/xml']
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'content-type': type }, payload })
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${type} ${payload.slice(0, 20)} → ${res.statusCode}`)
    t.match(res.headers['content-type'], /application\/problem\+json/)
  }
})

test('a referral link records the code and redirects to the public base URL', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ url: '/r/FRIEND-42?utm_source=podcast&utm_medium=audio', headers: { 'user-agent': UA.safariIphone, referer: 'https://open.spotify.com/episode/1' } })
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, 'https://app.example.com/')
  t.equal(res.headers['cache-control'], 'no-store')
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.match(snap.first_touch, { referral_code: 'FRIEND-42', utm_source: 'podcast', landing_page: 'https://app.example.com/', http_referer: 'https://open.spotify.com/episode/1', channel_group: 'audio' })
})

test('a referral link lands on a configured path or a safe `to` path on the public site', async (t) => {
  const app = await buildApp({ publicBaseUrl: 'https://example.com/app', referralRedirectPath: '/signup' })
  t.equal((await app.inject('/r/ABC')).headers.location, 'https://example.com/app/signup')
  t.equal((await app.inject('/r/ABC?to=/pricing')).headers.location, 'https://example.com/app/pricing')
  t.equal((await app.inject('/r/ABC?to=/pricing%3Fplan%3Dpro')).headers.location, 'https://example.com/app/pricing?plan=pro')
})

test('a returning visitor following a referral link keeps the first touch and gains the code as last touch', async (t) => {
  const app = await buildApp()
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=google&utm_medium=organic', headers: { 'sec-fetch-mode': 'navigate', 'user-agent': UA.chrome } })).headers['set-cookie'])!
  const res = await app.inject({ url: '/r/PARTNER7', headers: { cookie, 'user-agent': UA.chrome } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.utm_source, 'google')
  t.equal(snap.last_touch?.referral_code, 'PARTNER7')
  t.equal(snap.last_touch?.channel_group, 'referral_program')
  const signup = await app.inject({ method: 'POST', url: '/signup', headers: { cookie: cookiePair(res.headers['set-cookie'])! }, payload: {} })
  t.equal(signup.json().referral_code, 'PARTNER7', 'the code of the last touch is used when the first has none')
})

test('referral redirects never leave the public base URL', async (t) => {
  const app = await buildApp({ publicBaseUrl: 'https://app.example.com/' })
  const attempts = [
    '//evil.com', '/\\evil.com', '/\\/evil.com', '%2F%2Fevil.com', '/%2F%2Fevil.com', '/%2F/evil.com', '%5C%5Cevil.com', '/%5Cevil.com',
    'https://evil.com', 'http://evil.com/', 'https:evil.com', '//app.example.com@evil.com', '/@evil.com', 'javascript:alert(1)',
    '/%0d%0aLocation:%20https://evil.com', '/%09/evil.com', '\t//evil.com', '/..//evil.com', '/../../evil.com', '///evil.com',
    'data:text/html,hi', '/%E3%80%82evil.com', '/x#@evil.com', 'HTTPS://EVIL.COM'
  ]
  for (const to of attempts) {
    for (const url of [`/r/CODE1?to=${encodeURIComponent(to)}`, `/r/CODE1?to=${to}`]) {
      const res = await app.inject({ url, headers: { 'user-agent': UA.chrome } })
      if (res.statusCode === 302) {
        const location = res.headers.location as string
        t.ok(location.startsWith('https://app.example.com/'), `${url} → ${location}`)
        t.equal(new URL(location).host, 'app.example.com')
        t.notMatch(location, /[\r\n\t\\]/)
      } else {
        t.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} → ${res.statusCode}`)
      }
    }
  }
})

test('a bad referral code is a 400 problem+json and sets no cookie', async (t) => {
  const app = await buildApp()
  for (const code of ['bad%20code', '%3Cscript%3E', 'x'.repeat(65), '-leading', '%E2%80%AEcode']) {
    const res = await app.inject({ url: `/r/${code}`, headers: { 'user-agent': UA.chrome } })
    t.equal(res.statusCode, 400, code)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.equal(res.headers['set-cookie'], undefined)
    t.equal(res.headers.location, undefined)
  }
})

test('a referral link whose code is an address or a token keeps it in no cookie, snapshot or stored row', async (t) => {
  const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7'
  const EMAIL = 'jane.doe@example.org'
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl'
  const TOKEN_SHAPED = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7'
  // The default pattern, and one so loose that an e-mail address matches it.
  const cases = [[undefined, [WALLET, JWT]], [/^[^\s/]{1,64}$/, [WALLET, EMAIL]]] as const
  for (const [pattern, codes] of cases) {
    const app = await buildApp(pattern === undefined ? {} : { referralCodePattern: pattern })
    for (const code of codes) {
      const res = await app.inject({ url: `/r/${encodeURIComponent(code)}`, headers: { 'user-agent': UA.chrome } })
      const pair = cookiePair(res.headers['set-cookie'])
      if (res.statusCode === 400) {
        t.equal(pair, undefined, `${code}: refused, no cookie`)
        continue
      }
      t.equal(res.statusCode, 302, code)
      t.ok(pair !== undefined && !pair.toLowerCase().includes(code.slice(0, 12).toLowerCase()), `${code}: not in the cookie`)
      const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: pair! } })).json<AttributionSnapshot>()
      const signup = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie: pair!, 'user-agent': UA.chrome }, payload: {} })).json<SignupAttribution>()
      const stored = normalizeAttribution(signup)
      for (const [where, value] of [['snapshot', JSON.stringify(snap)], ['signup attribution', JSON.stringify(signup)], ['stored row', JSON.stringify(stored)]] as const) {
        t.notOk(value.includes(code) || value.toLowerCase().includes(code.toLowerCase()), `${code}: not in the ${where}`)
      }
      t.equal(stored.referral_code, '(redacted)', `${code}: the stored code`)
    }
    await app.close()
  }
  const app = await buildApp()
  const res = await app.inject({ url: `/r/${TOKEN_SHAPED}`, headers: { 'user-agent': UA.chrome } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.referral_code, TOKEN_SHAPED, 'a valid token-shaped code is kept, as in ?ref=')
})

test('route paths and prefix are options, and routes can be left out', async (t) => {
  const app = await buildApp({ routePrefix: '/edge', touchPath: '/beacon', referralPath: '/invite/:code' })
  t.equal((await app.inject({ method: 'POST', url: '/edge/beacon', payload: {} })).statusCode, 200)
  t.equal((await app.inject('/edge/invite/ABC')).statusCode, 302)
  t.equal((await app.inject('/r/ABC')).statusCode, 404)
  const none = await buildApp({ touchPath: false, referralPath: false })
  t.equal((await none.inject({ method: 'POST', url: '/attribution/touch', payload: {} })).statusCode, 404)
})
