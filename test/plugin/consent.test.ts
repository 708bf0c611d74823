import { test } from 'tap'
import type { AttributionSnapshot, SignupAttribution } from '../../src/contracts.ts'
import type { AttributionConsent } from '../../src/plugin/index.ts'
import { buildApp, cookiePair, NAVIGATE, UA } from './fixtures.ts'

const GPC = { 'sec-gpc': '1' }
const CLEAR = /^fw_attr=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$/

async function visitorCookie (app: Awaited<ReturnType<typeof buildApp>>): Promise<string> {
  return cookiePair((await app.inject({ url: '/?utm_source=google&utm_medium=cpc', headers: NAVIGATE })).headers['set-cookie'])!
}

test('Sec-GPC: 1 sets no cookie, and a request carrying one gets only the header that clears it', async (t) => {
  const app = await buildApp()
  const cookie = await visitorCookie(app)
  const fresh = await app.inject({ url: '/pricing?utm_source=newsletter', headers: { ...NAVIGATE, ...GPC } })
  t.equal(fresh.statusCode, 200)
  t.equal(fresh.headers['set-cookie'], undefined, 'a request without the cookie gets no Set-Cookie')
  for (const [url, headers] of [['/pricing?utm_source=newsletter', NAVIGATE], ['/api/items', { accept: 'application/json' }]] as const) {
    const res = await app.inject({ url, headers: { ...headers, ...GPC, cookie } })
    t.match(res.headers['set-cookie'], CLEAR, `${url}: only the clearing header`)
  }
  const api = await app.inject({ url: '/api/items', headers: { accept: 'application/json', ...GPC } })
  t.equal(api.headers['set-cookie'], undefined)
})

test('a denied hook means no cookie, and a granted one overrides Sec-GPC', async (t) => {
  let answer: AttributionConsent = 'denied'
  const app = await buildApp({ consent: () => answer })
  const cookie = await (async () => { answer = 'granted'; const c = await visitorCookie(app); answer = 'denied'; return c })()
  t.equal((await app.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie'], undefined)
  t.match((await app.inject({ url: '/?utm_source=x', headers: { ...NAVIGATE, cookie } })).headers['set-cookie'], CLEAR)
  const snap = (await app.inject({ url: '/api/attribution?utm_source=newsletter', headers: { cookie } })).json<AttributionSnapshot>()
  t.match(snap, { first_touch: null, last_touch: null, channel_group: 'email' }, 'the snapshot comes from the request alone')
  answer = 'granted'
  t.ok(cookiePair((await app.inject({ url: '/?utm_source=x', headers: { ...NAVIGATE, ...GPC } })).headers['set-cookie']), 'the host said granted')
  answer = 'unknown'
  t.equal((await app.inject({ url: '/?utm_source=x', headers: { ...NAVIGATE, ...GPC } })).headers['set-cookie'], undefined, 'unknown with Sec-GPC is denied')
})

test('unknown counts as granted by default and as denied with unknownConsent: denied', async (t) => {
  const strict = await buildApp({ unknownConsent: 'denied' })
  t.equal((await strict.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie'], undefined)
  const granted = await buildApp({ unknownConsent: 'denied', consent: () => 'granted' })
  t.ok(cookiePair((await granted.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie']))
  const lenient = await buildApp()
  t.ok(cookiePair((await lenient.inject({ url: '/?utm_source=x', headers: NAVIGATE })).headers['set-cookie']))
})

test('a hook that throws counts as denied and never fails the request', async (t) => {
  const app = await buildApp({ consent: () => { throw new Error('banner state unreadable') } })
  const res = await app.inject({ url: '/?utm_source=x', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], undefined)
})

test('a signup under denied consent records the request alone, marked consent denied', async (t) => {
  const app = await buildApp()
  const cookie = await visitorCookie(app)
  const res = await app.inject({
    method: 'POST', url: '/signup?utm_source=partner&utm_medium=referral',
    headers: { ...GPC, cookie, 'user-agent': UA.chrome, referer: 'https://blog.example.org/post' },
    payload: { referralCode: 'FRIEND-7', metadata: { plan: 'pro', consent: 'granted' } }
  })
  t.match(res.headers['set-cookie'], CLEAR)
  const sa = res.json<SignupAttribution>()
  t.match(sa, {
    utm_source: 'partner', utm_medium: 'referral', http_referer: 'https://blog.example.org/post', landing_page: 'http://localhost/signup',
    referral_code: 'FRIEND-7', first_touch_at: null, last_touch: null, client_kind: 'browser', channel_group: 'referral'
  })
  t.same(JSON.parse(sa.metadata_json), { plan: 'pro', client_rule: 'ua:browser', channel_rules: 1, consent: 'denied' })
  const granted = (await app.inject({ method: 'POST', url: '/signup', headers: { cookie }, payload: { metadata: { plan: 'pro' } } })).json<SignupAttribution>()
  t.equal(granted.utm_source, 'google', 'with consent the cookie\'s first touch counts')
  t.equal(JSON.parse(granted.metadata_json).consent, undefined)
})

test('the beacon and the referral link set no cookie under denied consent', async (t) => {
  const app = await buildApp({ consent: () => 'denied' })
  const beacon = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'user-agent': UA.chrome }, payload: { url: 'https://app.example.com/?utm_source=x' } })
  t.equal(beacon.headers['set-cookie'], undefined)
  t.match(beacon.json(), { first_touch: null, last_touch: null })
  const link = await app.inject({ url: '/r/FRIEND-7', headers: { 'user-agent': UA.chrome } })
  t.equal(link.statusCode, 302)
  t.equal(link.headers['set-cookie'], undefined)
})

test('bad consent options stop registration', async (t) => {
  await t.rejects(buildApp({ consent: 'denied' as never }), { code: 'FW_ATTR_INVALID_OPTION', message: /consent/ })
  await t.rejects(buildApp({ unknownConsent: 'maybe' as never }), { code: 'FW_ATTR_INVALID_OPTION', message: /unknownConsent/ })
})
