import { test } from 'tap'
import Fastify from 'fastify'
import fastifyCookie, { sign, unsign } from '@fastify/cookie'
import type { AttributionSnapshot, SignupAttribution } from '../../src/contracts.ts'
import { encodePayload } from '../../src/plugin/cookie-codec.ts'
import { buildTouch } from '../../src/plugin/touch.ts'
import { attributionCapturePlugin, skipAttribution } from '../../src/plugin/index.ts'
import { buildApp, cookiePair, NAVIGATE, OLD_SECRET, OTHER_SECRET, SECRET, UA } from './fixtures.ts'

const DAY = 24 * 3600 * 1000

test('a campaign landing sets one signed cookie with the first touch', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ url: '/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch&gclid=SECRETVALUE', headers: { ...NAVIGATE, referer: 'https://mail.google.com/mail/u/0/?q=1' } })
  t.equal(res.statusCode, 200)
  const setCookie = res.headers['set-cookie'] as string
  t.match(setCookie, /^fw_attr=[^;]+; Max-Age=7776000; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
  t.notMatch(setCookie, /SECRETVALUE/, 'the click id value never enters the cookie')
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(setCookie)!, 'user-agent': UA.chrome } })).json<AttributionSnapshot>()
  t.match(snap.first_touch, {
    utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch', click_id_type: 'gclid',
    http_referer: 'https://mail.google.com/mail/u/0/', landing_page: 'http://localhost/pricing', channel_group: 'paid_search'
  })
  t.same(snap.last_touch, snap.first_touch)
  t.equal(snap.client_kind, 'browser')
  t.equal(snap.is_agent, false)
})

test('land, navigate and touch keep the first touch and set no cookie without a new signal', async (t) => {
  const app = await buildApp()
  const land = await app.inject({ url: '/?utm_source=google&utm_medium=cpc', headers: NAVIGATE })
  const cookie = cookiePair(land.headers['set-cookie'])!
  t.ok(cookie)
  const nav = await app.inject({ url: '/pricing', headers: { ...NAVIGATE, cookie, referer: 'http://localhost/' } })
  t.equal(nav.headers['set-cookie'], undefined, 'internal navigation writes nothing')
  const touch = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { cookie, 'user-agent': UA.chrome }, payload: { url: 'https://app.example.com/pricing', referrer: 'https://app.example.com/' } })
  t.equal(touch.statusCode, 200)
  t.equal(touch.headers['set-cookie'], undefined, 'a beacon without a new signal writes nothing')
  const snap = touch.json<AttributionSnapshot>()
  t.equal(snap.first_touch?.utm_source, 'google')
  t.equal(snap.channel_group, 'paid_search')
})

test('a later campaign updates the last touch only', async (t) => {
  let now = Date.parse('2026-03-01T10:00:00Z')
  const app = await buildApp({ now: () => now })
  const land = await app.inject({ url: '/?utm_source=google&utm_medium=organic', headers: NAVIGATE })
  const first = cookiePair(land.headers['set-cookie'])!
  now += 3 * DAY
  const back = await app.inject({ url: '/pricing?utm_source=twitter&utm_medium=paid_social&utm_campaign=spring', headers: { ...NAVIGATE, cookie: first } })
  const second = cookiePair(back.headers['set-cookie'])!
  t.ok(second)
  t.not(second, first)
  t.match(back.headers['set-cookie'], /Max-Age=7516800;/, 'the cookie still expires 90 days after the first touch')
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: second } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.at, '2026-03-01T10:00:00.000Z')
  t.equal(snap.first_touch?.utm_source, 'google')
  t.equal(snap.first_touch?.channel_group, 'organic_search')
  t.equal(snap.last_touch?.at, '2026-03-04T10:00:00.000Z')
  t.equal(snap.last_touch?.utm_campaign, 'spring')
  t.equal(snap.last_touch?.channel_group, 'paid_social')
  t.equal(snap.channel_group, 'organic_search', 'the snapshot group is the first touch group')
})

test('an external referrer on a navigation is a new last touch', async (t) => {
  const app = await buildApp()
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=newsletter', headers: NAVIGATE })).headers['set-cookie'])!
  const res = await app.inject({ url: '/', headers: { ...NAVIGATE, cookie, referer: 'https://www.perplexity.ai/search/abc?q=video+platform' } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.last_touch?.http_referer, 'https://www.perplexity.ai/search/abc')
  t.equal(snap.last_touch?.channel_group, 'ai_assistant')
  t.equal(snap.first_touch?.utm_source, 'newsletter')
})

test('an ordinary API request with a valid cookie gets no Set-Cookie', async (t) => {
  const app = await buildApp()
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie'])!
  const res = await app.inject({ url: '/api/items', headers: { cookie, accept: 'application/json', 'user-agent': UA.chrome } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], undefined)
})

test('an ordinary request leaves the Cookie header unparsed', async (t) => {
  const app = await buildApp()
  app.get('/api/parsed', async (request) => ({ parsed: request.cookies !== null && request.cookies !== undefined }))
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie'])!
  const res = await app.inject({ url: '/api/parsed', headers: { cookie: `${cookie}; other=1`, accept: 'application/json' } })
  t.same(res.json(), { parsed: false }, 'nothing parses the Cookie header of an ordinary request')
  t.equal(app.hasPlugin('@fastify/cookie'), false, 'the library\'s per-reply hook is not on the gateway\'s routes')
})

test('the attribution cookie is found among other cookies and never by a longer name', async (t) => {
  const app = await buildApp()
  const value = cookiePair((await app.inject({ url: '/?utm_source=google', headers: NAVIGATE })).headers['set-cookie'])!.slice('fw_attr='.length)
  const among = await app.inject({ url: '/api/attribution', headers: { cookie: `a=1; fw_attr=${value}; b=2` } })
  t.equal(among.json<AttributionSnapshot>().first_touch?.utm_source, 'google')
  const lookalike = await app.inject({ url: '/api/attribution', headers: { cookie: `xfw_attr=${value}` } })
  t.equal(lookalike.json<AttributionSnapshot>().first_touch, null)
})

test('a gateway that registered @fastify/cookie first with the same secrets keeps it', async (t) => {
  const app = Fastify()
  await app.register(fastifyCookie, { secret: [SECRET, OLD_SECRET], parseOptions: { domain: 'other.example.org', priority: 'high', httpOnly: false } })
  await app.register(attributionCapturePlugin, { secrets: [SECRET, OLD_SECRET], publicBaseUrl: 'https://app.example.com/' })
  app.get('/api/attribution', async (request) => request.attribution)
  app.get('/', async (request) => ({ parsed: request.cookies !== null }))
  const land = await app.inject({ url: '/?utm_source=google', headers: NAVIGATE })
  const cookie = cookiePair(land.headers['set-cookie'])!
  t.match(cookie, /^fw_attr=3\|/)
  t.match(land.headers['set-cookie'], /^fw_attr=[^;]+; Max-Age=7776000; Path=\/; HttpOnly; Secure; SameSite=Lax$/, 'the gateway\'s cookie defaults do not leak into the attribution cookie')
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>().first_touch?.utm_source, 'google')
  t.same((await app.inject({ url: '/', headers: { cookie: 'a=1' } })).json(), { parsed: true }, 'its own parsing hook stays on')
})

test('a gateway\'s own @fastify/cookie with other secrets or none leaves the attribution cookie alone', async (t) => {
  for (const secret of [[OTHER_SECRET], undefined]) {
    const app = Fastify()
    await app.register(fastifyCookie, secret === undefined ? {} : { secret })
    await app.register(attributionCapturePlugin, { secrets: [SECRET, OLD_SECRET], publicBaseUrl: 'https://app.example.com/' })
    app.get('/api/attribution', async (request) => request.attribution)
    app.get('/session', async (_request, reply) => { void reply.setCookie('session', 'abc', { path: '/' }); return { ok: true } })
    const land = await app.inject({ url: '/session?utm_source=google', headers: NAVIGATE })
    const lines = land.headers['set-cookie'] as string[]
    t.equal(lines.length, 2, 'the gateway\'s cookie and the attribution cookie')
    const cookie = cookiePair(lines)!
    t.equal((await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>().first_touch?.utm_source, 'google')
    t.equal(unsign(cookie.slice('fw_attr='.length), SECRET).valid, true, 'signed with the plugin\'s newest secret')
  }
})

test('a plain navigation of a new visitor records a direct first touch', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ url: '/', headers: NAVIGATE })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.channel_group, 'direct')
  t.equal(snap.first_touch?.landing_page, 'http://localhost/')
})

test('an API request carrying campaign parameters is captured', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ url: '/api/items?utm_source=partner&utm_medium=referral', headers: { accept: 'application/json', 'user-agent': UA.chrome } })
  t.ok(cookiePair(res.headers['set-cookie']))
})

test('a route with config.attribution false is never captured', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ url: '/opted-out?utm_source=google', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], undefined)
})

test('navigation capture can be turned off while campaign requests still count', async (t) => {
  const app = await buildApp({ captureNavigations: false })
  t.equal((await app.inject({ url: '/', headers: NAVIGATE })).headers['set-cookie'], undefined)
  t.ok(cookiePair((await app.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie']))
})

test('crawlers and AI crawlers get no cookie but a snapshot with their kind', async (t) => {
  const app = await buildApp()
  for (const [ua, kind] of [[UA.googlebot, 'crawler'], [UA.gptBot, 'ai_crawler']] as const) {
    const res = await app.inject({ url: '/?utm_source=google', headers: { ...NAVIGATE, 'user-agent': ua } })
    t.equal(res.headers['set-cookie'], undefined, kind)
    const beacon = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'user-agent': ua }, payload: { url: 'https://app.example.com/?utm_source=x' } })
    t.equal(beacon.headers['set-cookie'], undefined)
    t.match(beacon.json(), { first_touch: null, last_touch: null, client_kind: kind, is_agent: true })
  }
})

test('our own hosts and auth, payment and wallet hops never count as a referrer', async (t) => {
  const app = await buildApp({ ownHosts: ['example.com'] })
  for (const referer of [
    'https://app.example.com/dashboard', 'https://docs.example.com/', 'https://checkout.stripe.com/c/pay/cs_live_1',
    'https://accounts.google.com/o/oauth2/v2/auth', 'https://github.com/login/oauth/authorize', 'https://verify.walletconnect.com/x'
  ]) {
    const res = await app.inject({ url: '/', headers: { ...NAVIGATE, referer } })
    const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
    t.equal(snap.first_touch?.http_referer, null, referer)
    t.equal(snap.first_touch?.channel_group, 'direct', referer)
  }
  const repo = await app.inject({ url: '/', headers: { ...NAVIGATE, referer: 'https://github.com/livepeer/frameworks' } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(repo.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.http_referer, 'https://github.com/livepeer/frameworks', 'github outside its login paths is a real referrer')
})

test('a tampered cookie counts as absent and is replaced', async (t) => {
  const app = await buildApp()
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=google', headers: NAVIGATE })).headers['set-cookie'])!
  const tampered = cookie.replace('google', 'bing!!')
  const api = await app.inject({ url: '/api/attribution', headers: { cookie: tampered } })
  t.equal(api.json<AttributionSnapshot>().first_touch, null)
  const nav = await app.inject({ url: '/?utm_source=twitter', headers: { ...NAVIGATE, cookie: tampered } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(nav.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.utm_source, 'twitter')
})

test('a cookie signed with an unknown secret counts as absent', async (t) => {
  const other = await buildApp({ secrets: [OTHER_SECRET] })
  const cookie = cookiePair((await other.inject({ url: '/?utm_source=google', headers: NAVIGATE })).headers['set-cookie'])!
  const app = await buildApp()
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>().first_touch, null)
})

test('a cookie signed with an older secret still verifies and is re-signed with the newest', async (t) => {
  const before = await buildApp({ secrets: [OLD_SECRET] })
  const oldCookie = cookiePair((await before.inject({ url: '/?utm_source=google&utm_medium=cpc', headers: NAVIGATE })).headers['set-cookie'])!
  const rotated = await buildApp({ secrets: [SECRET, OLD_SECRET] })
  const api = await rotated.inject({ url: '/api/attribution', headers: { cookie: oldCookie } })
  t.equal(api.json<AttributionSnapshot>().first_touch?.utm_source, 'google')
  const nav = await rotated.inject({ url: '/pricing', headers: { ...NAVIGATE, cookie: oldCookie } })
  const renewed = cookiePair(nav.headers['set-cookie'])!
  t.ok(renewed, 'the old cookie is re-signed on the next captured request')
  const newestOnly = await buildApp({ secrets: [SECRET] })
  const snap = (await newestOnly.inject({ url: '/api/attribution', headers: { cookie: renewed } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.utm_source, 'google', 'the re-signed cookie verifies with the newest secret alone')
  t.same(snap.first_touch, api.json<AttributionSnapshot>().first_touch, 'with the same touches')
})

test('an expired cookie counts as absent', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const app = await buildApp({ now: () => now, maxAgeSeconds: 30 * 24 * 3600 })
  const cookie = cookiePair((await app.inject({ url: '/?utm_source=google', headers: NAVIGATE })).headers['set-cookie'])!
  now += 29 * DAY
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>().first_touch?.utm_source, 'google')
  now += 2 * DAY
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>().first_touch, null)
  const nav = await app.inject({ url: '/', headers: { ...NAVIGATE, cookie } })
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(nav.headers['set-cookie'])! } })).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.channel_group, 'direct', 'a new first touch starts after expiry')
})

test('a validly signed cookie whose first touch is older than the window counts as absent', async (t) => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  const app = await buildApp({ now: () => now })
  const touch = buildTouch(now - 91 * DAY, { utm_source: 'old', utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null, click_id_type: null, referral_code: null, extra: [] }, null, null)
  const value = sign(encodePayload({ first: touch, last: touch }, now - DAY), SECRET)
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie: `fw_attr=${value}` } })).json<AttributionSnapshot>().first_touch, null)
})

test('an oversized or garbage cookie counts as absent and never fails the request', async (t) => {
  const app = await buildApp()
  for (const cookie of [`fw_attr=${'a'.repeat(8000)}`, 'fw_attr=', 'fw_attr=1|2|3.abc', 'fw_attr="quoted"', `fw_attr=${sign('2|x', SECRET)}`, `fw_attr=${sign('1|zz|' + '|'.repeat(10), SECRET)}`]) {
    const res = await app.inject({ url: '/api/attribution', headers: { cookie } })
    t.equal(res.statusCode, 200)
    t.equal(res.json<AttributionSnapshot>().first_touch, null)
    const nav = await app.inject({ url: '/?utm_source=x', headers: { ...NAVIGATE, cookie } })
    t.equal(nav.statusCode, 200)
    t.ok(cookiePair(nav.headers['set-cookie']))
  }
})

test('huge campaign values are bounded and the Set-Cookie line stays within 1 KB', async (t) => {
  const app = await buildApp()
  const long = 'é'.repeat(400)
  const first = await app.inject({ url: `/docs/${'p'.repeat(300)}?utm_source=${encodeURIComponent(long)}&utm_medium=${encodeURIComponent(long)}&utm_campaign=${encodeURIComponent(long)}&utm_content=${encodeURIComponent(long)}&utm_term=${encodeURIComponent(long)}`, headers: { ...NAVIGATE, referer: `https://news.example.org/${'q'.repeat(500)}` } })
  const line1 = first.headers['set-cookie'] as string
  t.ok(Buffer.byteLength(line1) <= 1024, `first: ${Buffer.byteLength(line1)} bytes`)
  const second = await app.inject({ url: `/?utm_source=${encodeURIComponent(long)}&utm_campaign=${encodeURIComponent('ü'.repeat(300))}`, headers: { ...NAVIGATE, cookie: cookiePair(line1)!, referer: `https://blog.example.net/${'r'.repeat(500)}` } })
  const line2 = second.headers['set-cookie'] as string
  t.ok(Buffer.byteLength(line2) <= 1024, `second: ${Buffer.byteLength(line2)} bytes`)
  t.ok(Buffer.byteLength(line2) > 900, 'the budget is used, not wasted')
  t.notMatch(line2, /%/, 'the value goes on the wire unexpanded')
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(line2)! } })).json<AttributionSnapshot>()
  t.ok(snap.first_touch!.utm_source!.length <= 100)
  t.ok(snap.last_touch!.utm_source!.startsWith('é'))
  t.equal(snap.first_touch?.channel_group, 'referral')
})

test('the cookie is Secure only when the public base URL is https, with an optional Domain', async (t) => {
  const plain = await buildApp({ publicBaseUrl: 'http://localhost:3000/' })
  t.notMatch((await plain.inject({ url: '/', headers: NAVIGATE })).headers['set-cookie'], /Secure/)
  const shared = await buildApp({ cookieDomain: '.example.com', cookieName: 'attr' })
  t.match((await shared.inject({ url: '/', headers: NAVIGATE })).headers['set-cookie'], /^attr=[^;]+; Max-Age=\d+; Domain=example\.com; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
})

test('the plugin appends its cookie beside cookies the handler sets', async (t) => {
  const app = await buildApp()
  app.get('/with-cookie', async (_req, reply) => {
    void reply.header('set-cookie', 'session=abc; Path=/')
    return { ok: true }
  })
  const res = await app.inject({ url: '/with-cookie?utm_source=x', headers: NAVIGATE })
  const lines = res.headers['set-cookie'] as string[]
  t.equal(lines.length, 2)
  t.ok(lines.some((l) => l.startsWith('session=abc')))
  t.ok(lines.some((l) => l.startsWith('fw_attr=')))
})

test('signupAttribution seeds from the first touch and records the signup request client', async (t) => {
  let now = Date.parse('2026-04-01T08:00:00Z')
  const app = await buildApp({ now: () => now })
  const land = await app.inject({ url: '/?utm_source=chatgpt.com&ref=PARTNER1', headers: NAVIGATE })
  now += DAY
  const back = await app.inject({ url: '/?utm_source=newsletter&utm_medium=email', headers: { ...NAVIGATE, cookie: cookiePair(land.headers['set-cookie'])! } })
  const cookie = cookiePair(back.headers['set-cookie'])!
  const res = await app.inject({
    method: 'POST',
    url: '/signup',
    headers: { cookie, 'user-agent': UA.claudeCode, referer: 'https://app.example.com/signup' },
    payload: { channel: 'wallet', method: 'wallet_base', metadata: { chain_id: 8453, wallet_connector: 'coinbase', email: 'x@y.z', wallet_address: '0x' + 'a'.repeat(40), agent_name: 'agent me@example.com', nested: { a: 1 } } }
  })
  t.equal(res.statusCode, 200)
  const sa = res.json<SignupAttribution>()
  t.match(sa, {
    signup_channel: 'wallet',
    signup_method: 'wallet_base',
    utm_source: 'chatgpt.com',
    utm_medium: null,
    referral_code: 'PARTNER1',
    landing_page: 'http://localhost/',
    http_referer: null,
    is_agent: true,
    client_kind: 'ai_coding_agent',
    channel_group: 'ai_assistant',
    first_touch_at: '2026-04-01T08:00:00.000Z'
  })
  t.equal(sa.last_touch?.utm_source, 'newsletter')
  const metadata = JSON.parse(sa.metadata_json) as Record<string, unknown>
  t.same(metadata, { chain_id: 8453, wallet_connector: 'coinbase', agent_name: '(redacted)', client_rule: 'ua:claude-code', channel_rules: 1 })
})

test('signupAttribution falls back to the signup request when the visitor has no touch', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ method: 'POST', url: '/signup?utm_source=partner&via=FRIEND-7', headers: { 'user-agent': UA.curl, referer: 'https://partner.example.org/deals?id=1' }, payload: { channel: 'api', method: 'api_key' } })
  const sa = res.json<SignupAttribution>()
  t.match(sa, { utm_source: 'partner', referral_code: 'FRIEND-7', http_referer: 'https://partner.example.org/deals', landing_page: 'http://localhost/signup', first_touch_at: null, client_kind: 'automation', channel_group: 'referral_program' })
  t.equal(res.headers['set-cookie'] !== undefined, true, 'the signup request itself was a campaign touch')
  const plain = await app.inject({ method: 'POST', url: '/signup', headers: { 'user-agent': UA.chrome }, payload: {} })
  t.match(plain.json<SignupAttribution>(), { first_touch_at: null, last_touch: null, channel_group: 'direct', landing_page: 'http://localhost/signup', utm_source: null })
})

test('signupAttribution rejects a bad channel or method with a coded error', async (t) => {
  const app = await buildApp()
  const bad = await app.inject({ method: 'POST', url: '/signup', payload: { channel: 'fax' } })
  t.equal(bad.statusCode, 500)
  t.equal(bad.json().code, 'FW_ATTR_INVALID_OPTION')
  const badMethod = await app.inject({ method: 'POST', url: '/signup', payload: { channel: 'web', method: 'Email Password' } })
  t.equal(badMethod.json().code, 'FW_ATTR_INVALID_OPTION')
})

test('a HEAD navigation gets exactly one cookie', async (t) => {
  const app = await buildApp()
  const res = await app.inject({ method: 'HEAD', url: '/pricing?utm_source=x', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.type(res.headers['set-cookie'], 'string')
})

test('a failure inside the capture hook never fails the request', async (t) => {
  let broken = false
  const app = await buildApp({ now: () => { if (broken) throw new Error('clock failure'); return Date.now() } })
  broken = true
  const res = await app.inject({ url: '/pricing?utm_source=x', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], undefined)
})

test('skipAttribution turns capture off for a whole scope', async (t) => {
  const app = await buildApp()
  await app.register(async (scope) => {
    scope.addHook('onRoute', skipAttribution)
    scope.get('/reports/usage', async () => ({ rows: [] }))
  })
  const res = await app.inject({ url: '/reports/usage?utm_source=google', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], undefined)
  t.ok(cookiePair((await app.inject({ url: '/pricing?utm_source=google', headers: NAVIGATE })).headers['set-cookie']), 'routes outside the scope are still captured')
})

test('a typed referral code and body UTM fields give the same channel group as the same values arriving through the cookie', async (t) => {
  const app = await buildApp()
  const cases: Array<{ utm: Record<string, string>, code?: string }> = [
    { utm: {}, code: 'FRIEND-7' },
    { utm: { utm_source: 'partner-portal', utm_medium: 'referral' } },
    { utm: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' }, code: 'PARTNER1' },
    { utm: { utm_source: 'google', utm_medium: 'cpc', utm_term: 'video api' }, code: 'PARTNER1' },
    { utm: { utm_source: 'chatgpt.com' }, code: 'AGENT-9' },
    { utm: { utm_source: 'partner', utm_content: 'banner_v2' }, code: 'BLOG-2' }
  ]
  for (const c of cases) {
    const query = new URLSearchParams({ ...c.utm, ...(c.code !== undefined ? { ref: c.code } : {}) })
    const land = await app.inject({ url: `/?${query}`, headers: NAVIGATE })
    const viaCookie = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie: cookiePair(land.headers['set-cookie'])!, 'user-agent': UA.curl }, payload: {} })).json<SignupAttribution>()
    const typed = (await app.inject({ method: 'POST', url: '/signup', headers: { 'user-agent': UA.curl }, payload: { utm: c.utm, referralCode: c.code } })).json<SignupAttribution>()
    t.equal(typed.channel_group, viaCookie.channel_group, `${query}: ${viaCookie.channel_group}`)
    for (const f of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'referral_code'] as const) t.equal(typed[f], viaCookie[f], `${query}: ${f}`)
  }
})

test('body UTM fields replace the signup request\'s own UTM values only when one is usable', async (t) => {
  const app = await buildApp()
  const replaced = (await app.inject({ method: 'POST', url: '/signup?utm_source=google&utm_medium=cpc&gclid=x', headers: { 'user-agent': UA.curl }, payload: { channel: 'api', method: 'api_key', utm: { utm_source: ' partner\u0000portal ', utm_campaign: 'q4' } } })).json<SignupAttribution>()
  t.match(replaced, { utm_source: 'partnerportal', utm_medium: null, utm_campaign: 'q4', channel_group: 'paid_search' }, 'the click id of the query still counts')
  t.equal(JSON.parse(replaced.metadata_json).click_id_type, 'gclid')
  const blank = (await app.inject({ method: 'POST', url: '/signup?utm_source=google&utm_medium=cpc', headers: { 'user-agent': UA.curl }, payload: { utm: { utm_source: '  ', utm_medium: '\u0007' } } })).json<SignupAttribution>()
  t.match(blank, { utm_source: 'google', utm_medium: 'cpc', channel_group: 'paid_search' })
})

test('a typed referral code wins over the cookie\'s and an invalid one is ignored', async (t) => {
  const app = await buildApp()
  const cookie = cookiePair((await app.inject({ url: '/?ref=FIRST-1', headers: NAVIGATE })).headers['set-cookie'])!
  const typed = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie }, payload: { referralCode: 'TYPED-2' } })).json<SignupAttribution>()
  t.match(typed, { referral_code: 'TYPED-2', channel_group: 'referral_program', first_touch_at: /T/ })
  t.equal(typed.last_touch?.referral_code, 'TYPED-2', 'the typed code is the signup request\'s touch')
  const invalid = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie }, payload: { referralCode: 'not a code!' } })).json<SignupAttribution>()
  t.equal(invalid.referral_code, 'FIRST-1')
  const bad = await app.inject({ method: 'POST', url: '/signup', payload: { referralCode: 42 } })
  t.equal(bad.json().code, 'FW_ATTR_INVALID_OPTION')
})

test('the real links of issue 12 show the marker in the snapshot, the cookie and the signup attribution', async (t) => {
  const app = await buildApp()
  const wallet = '0x52908400098527886E0F7030069857D2E4169EE7'
  const land = await app.inject({
    url: `/pricing?utm_source=newsletter&utm_medium=email&utm_content=john.doe@example.com&utm_campaign=airdrop_${wallet}`,
    headers: { ...NAVIGATE, referer: 'https://partner.example.org/invite/jane@corp.example' }
  })
  const line = land.headers['set-cookie'] as string
  for (const pii of ['john.doe', 'jane', wallet.slice(2), '%40']) t.notMatch(line.toLowerCase(), pii.toLowerCase(), `no ${pii} in the cookie`)
  const cookie = cookiePair(line)!
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie } })).json<AttributionSnapshot>()
  t.match(snap.first_touch, { utm_content: '(redacted)', utm_campaign: '(redacted)', utm_source: 'newsletter', http_referer: 'https://partner.example.org/invite/(redacted)', channel_group: 'email' })
  const sa = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie }, payload: { utm: { utm_term: 'jane@corp.example' }, metadata: { agent_name: wallet } } })).json<SignupAttribution>()
  t.match(sa, { utm_content: '(redacted)', utm_campaign: '(redacted)', http_referer: 'https://partner.example.org/invite/(redacted)' })
  t.equal(sa.last_touch?.utm_term, '(redacted)', 'body UTM fields are redacted too')
  t.equal(JSON.parse(sa.metadata_json).agent_name, '(redacted)')
})

test('a cookie written before redaction is read redacted and rewritten on its next capture', async (t) => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  const app = await buildApp({ now: () => now })
  const params = { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: null, utm_content: 'john.doe@example.com', utm_term: null, click_id_type: null, referral_code: null, extra: [] }
  const touch = buildTouch(now - DAY, params, null, 'https://app.example.com/invite/jane@corp.example')
  const legacy = `fw_attr=${sign('2' + encodePayload({ first: touch, last: touch }, now - DAY).slice(1), SECRET)}`
  const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: legacy } })).json<AttributionSnapshot>()
  t.match(snap.first_touch, { utm_source: 'newsletter', utm_content: '(redacted)', landing_page: 'https://app.example.com/invite/(redacted)' })
  const nav = await app.inject({ url: '/pricing', headers: { ...NAVIGATE, cookie: legacy } })
  const line = nav.headers['set-cookie'] as string
  t.match(line, /^fw_attr=3\|/, 'rewritten without a new signal')
  t.notMatch(line, /john|jane/)
  t.equal((await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(line)! } })).json<AttributionSnapshot>().first_touch?.at, touch.at, 'the first touch is kept')
})
