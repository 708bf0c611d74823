import { test } from 'tap'
import type { AttributionSnapshot, SignupAttribution } from '../../src/contracts.ts'
import { buildApp, CookieJar, NAVIGATE, OLD_SECRET, SECRET, UA } from './fixtures.ts'

async function listening (t: { teardown: (fn: () => unknown) => void }, options: Parameters<typeof buildApp>[0] = {}): Promise<string> {
  const app = await buildApp({ publicBaseUrl: 'http://localhost:8080/', ...options })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return address
}

test('over real HTTP, land, navigate, touch and a later campaign keep the first touch', async (t) => {
  const base = await listening(t)
  const jar = new CookieJar()
  const land = await jar.request(`${base}/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch`, { headers: { ...NAVIGATE, referer: 'https://mail.google.com/' } })
  t.equal(land.status, 200)
  t.equal(land.setCookies.length, 1)
  const first = jar.get('fw_attr')
  t.ok(first)

  const nav = await jar.request(`${base}/`, { headers: { ...NAVIGATE, referer: `${base}/pricing` } })
  t.same(nav.setCookies, [], 'navigating inside the site writes nothing')
  const api = await jar.request(`${base}/api/items`, { headers: { accept: 'application/json', 'user-agent': UA.chrome } })
  t.same(api.setCookies, [], 'an API call writes nothing')

  const touch = await jar.request(`${base}/attribution/touch`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA.chrome }, body: JSON.stringify({ url: `${base}/docs`, referrer: `${base}/` }) })
  t.equal(touch.status, 200)
  t.same(touch.setCookies, [])
  const snap = touch.json<AttributionSnapshot>()
  t.match(snap.first_touch, { utm_source: 'newsletter', utm_campaign: 'launch', http_referer: 'https://mail.google.com/', channel_group: 'email' })
  t.equal(jar.get('fw_attr'), first)

  const later = await jar.request(`${base}/?utm_source=twitter&utm_medium=social`, { headers: NAVIGATE })
  t.equal(later.setCookies.length, 1)
  t.not(jar.get('fw_attr'), first)

  const signup = await jar.request(`${base}/signup`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA.firefox }, body: JSON.stringify({ channel: 'web', method: 'email_password' }) })
  const sa = signup.json<SignupAttribution>()
  t.match(sa, { signup_channel: 'web', signup_method: 'email_password', utm_source: 'newsletter', utm_campaign: 'launch', channel_group: 'email', client_kind: 'browser', is_agent: false })
  t.type(sa.first_touch_at, 'string')
  t.equal(sa.last_touch?.utm_source, 'twitter')
  t.equal(sa.last_touch?.channel_group, 'organic_social')
})

test('over real HTTP, a referral link redirects to the public base URL with the code in the cookie', async (t) => {
  const base = await listening(t)
  const jar = new CookieJar()
  const res = await jar.request(`${base}/r/SPRING-24?to=${encodeURIComponent('//evil.com/')}`, { headers: { 'user-agent': UA.chrome } })
  t.equal(res.status, 302)
  t.equal(res.headers.location, 'http://localhost:8080/')
  const snap = (await jar.request(`${base}/api/attribution`)).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.referral_code, 'SPRING-24')
  t.equal(snap.channel_group, 'referral_program')
})

test('over real HTTP, crawlers get no cookie', async (t) => {
  const base = await listening(t)
  for (const ua of [UA.googlebot, UA.claudeBot]) {
    const jar = new CookieJar()
    const res = await jar.request(`${base}/?utm_source=google`, { headers: { ...NAVIGATE, 'user-agent': ua } })
    t.equal(res.status, 200)
    t.same(res.setCookies, [], ua)
  }
})

test('over real HTTP, a cookie from before a secret rotation is re-signed with the newest secret', async (t) => {
  const before = await listening(t, { secrets: [OLD_SECRET] })
  const jar = new CookieJar()
  await jar.request(`${before}/?utm_source=google&utm_medium=cpc`, { headers: NAVIGATE })
  const oldValue = jar.get('fw_attr')
  const after = await listening(t, { secrets: [SECRET, OLD_SECRET] })
  const res = await jar.request(`${after}/`, { headers: NAVIGATE })
  t.equal(res.setCookies.length, 1)
  t.not(jar.get('fw_attr'), oldValue)
  const newestOnly = await listening(t, { secrets: [SECRET] })
  const snap = (await jar.request(`${newestOnly}/api/attribution`)).json<AttributionSnapshot>()
  t.equal(snap.first_touch?.utm_source, 'google')
  t.equal(snap.first_touch?.channel_group, 'paid_search')
})
