import { test } from 'tap'
import fc from 'fast-check'
import { sign } from '@fastify/cookie'
import { CHANNEL_GROUPS, CLIENT_KINDS, type AttributionSnapshot, type Touch } from '../../src/contracts.ts'
import { CLICK_ID_PARAMS } from '../../src/plugin/params.ts'
import { DEFAULT_REFERRAL_CODE_PATTERN } from '../../src/plugin/options.ts'
import { buildApp, cookiePair, SECRET, UA } from './fixtures.ts'

const PARAM_NAMES = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'utm_id', 'gad_source', 'mc_cid',
  'ref', 'via', 'referral_code', 'source', 'utm_referrer', 'to', ...CLICK_ID_PARAMS, 'q', '__proto__', 'constructor']

// Raw query fragments: percent-encoded arbitrary text, invalid UTF-8, lone escapes, control characters.
const rawValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
  fc.constantFrom('%FF', '%E2%82', '%', '%%41', '%C0%AF', '%00', '%0d%0a', '%E2%80%AE', '%EF%BF%BD', '+', ''),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', '~', '%', '+', '&', '='), maxLength: 40 })
)
const queryString = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 8 }).map(encodeURIComponent)), rawValue), { maxLength: 12 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 400 })
const referer = fc.oneof(headerText, fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constant('https://user:pw@evil.example/p?q=1#f'))
const userAgent = fc.oneof(headerText, fc.constantFrom(...Object.values(UA)))

// eslint-disable-next-line no-control-regex
const SAFE_TEXT = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffd]*$/u
const SAFE_URL = /^https?:\/\/[a-z0-9.\-[\]:]+(\/[^?#\s]*)?$/

function checkTouch (t: { fail: (message: string) => void }, touch: Touch | null): void {
  if (touch === null) return
  for (const f of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const) {
    const v = touch[f]
    if (v !== null) {
      if (!SAFE_TEXT.test(v) || [...v].length > 100 || v !== v.trim() || v.length === 0) t.fail(`unsanitized ${f}: ${JSON.stringify(v)}`)
    }
  }
  for (const f of ['http_referer', 'landing_page'] as const) {
    const v = touch[f]
    if (v !== null && (!SAFE_URL.test(v) || v.length > 200 || v.includes('@'))) t.fail(`unsanitized ${f}: ${JSON.stringify(v)}`)
  }
  if (touch.click_id_type !== null && !(CLICK_ID_PARAMS as readonly string[]).includes(touch.click_id_type)) t.fail(`click id ${touch.click_id_type}`)
  if (touch.referral_code !== null && !DEFAULT_REFERRAL_CODE_PATTERN.test(touch.referral_code)) t.fail(`referral code ${touch.referral_code}`)
  if (!(CHANNEL_GROUPS as readonly string[]).includes(touch.channel_group)) t.fail(`channel ${touch.channel_group}`)
  if (Number.isNaN(Date.parse(touch.at))) t.fail(`time ${touch.at}`)
}

function checkSnapshot (t: { fail: (message: string) => void }, snap: AttributionSnapshot): void {
  checkTouch(t, snap.first_touch)
  checkTouch(t, snap.last_touch)
  if (!(CLIENT_KINDS as readonly string[]).includes(snap.client_kind)) t.fail(`client kind ${snap.client_kind}`)
  if (!(CHANNEL_GROUPS as readonly string[]).includes(snap.channel_group)) t.fail(`channel ${snap.channel_group}`)
}

function checkSetCookie (t: { fail: (message: string) => void }, header: string | string[] | undefined): void {
  for (const line of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    if (Buffer.byteLength(line) > 1024) t.fail(`Set-Cookie of ${Buffer.byteLength(line)} bytes`)
  }
}

test('arbitrary navigations, headers and cookies never give a 5xx, an unsanitized snapshot or an oversized cookie', async (t) => {
  const app = await buildApp()
  const validCookie = cookiePair((await app.inject({ url: '/?utm_source=seed', headers: { 'sec-fetch-mode': 'navigate', 'user-agent': UA.chrome } })).headers['set-cookie'])!
  const cookie = fc.oneof(
    headerText,
    fc.constant(validCookie),
    headerText.map((s) => `fw_attr=${s}`),
    fc.string({ maxLength: 400 }).map((s) => `fw_attr=${sign(s.replace(/[;\s]/g, ''), SECRET)}`),
    fc.nat({ max: validCookie.length - 1 }).map((i) => validCookie.slice(0, i) + 'x' + validCookie.slice(i + 1))
  )
  await fc.assert(fc.asyncProperty(queryString, fc.option(referer), userAgent, fc.option(cookie), fc.boolean(), fc.option(headerText), async (query, ref, ua, ck, navigate, extra) => {
    const headers: Record<string, string> = { 'user-agent': ua }
    if (ref !== null) headers.referer = ref
    if (ck !== null) headers.cookie = ck
    if (navigate) headers['sec-fetch-mode'] = 'navigate'
    if (extra !== null) { headers['x-payment'] = extra; headers['mcp-protocol-version'] = extra }
    const res = await app.inject({ url: `/docs/page?${query}`, headers })
    if (res.statusCode >= 500) t.fail(`5xx for ${query}`)
    checkSetCookie(t, res.headers['set-cookie'])
    const next = cookiePair(res.headers['set-cookie']) ?? ck ?? undefined
    const snap = await app.inject({ url: '/api/attribution', headers: { ...(next !== undefined ? { cookie: next } : {}), 'user-agent': ua } })
    if (snap.statusCode !== 200) t.fail(`snapshot status ${snap.statusCode}`)
    checkSnapshot(t, snap.json<AttributionSnapshot>())
    const signup = await app.inject({ method: 'POST', url: `/signup?${query}`, headers: { ...(next !== undefined ? { cookie: next } : {}), 'user-agent': ua }, payload: { channel: 'web', method: 'email_password' } })
    if (signup.statusCode !== 200) t.fail(`signup status ${signup.statusCode}`)
    JSON.parse(signup.json<{ metadata_json: string }>().metadata_json)
  }), { numRuns: 300 })
  t.pass('no counterexample')
})

test('arbitrary beacon bodies and referral links never give a 5xx or an unsanitized snapshot', async (t) => {
  const app = await buildApp()
  const body = fc.oneof(
    fc.record({ url: fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true }), headerText, queryString.map((q) => `https://app.example.com/x?${decodeURIComponentSafe(q)}`))), referrer: fc.option(referer) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 })
  )
  const contentType = fc.constantFrom('application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8')
  await fc.assert(fc.asyncProperty(body, contentType, userAgent, async (payload, type, ua) => {
    const res = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'content-type': type, 'user-agent': ua }, payload })
    if (res.statusCode >= 500) t.fail(`5xx for ${type} ${payload}`)
    checkSetCookie(t, res.headers['set-cookie'])
    if (res.statusCode === 200) checkSnapshot(t, res.json<AttributionSnapshot>())
    else if (!/application\/problem\+json/.test(String(res.headers['content-type']))) t.fail(`non-problem ${res.statusCode}`)
  }), { numRuns: 300 })
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 80 }), queryString, async (code, query) => {
    const res = await app.inject({ url: `/r/${encodeURIComponent(code)}?${query}`, headers: { 'user-agent': UA.chrome } })
    if (res.statusCode >= 500) t.fail(`5xx for ${code} ${query}`)
    checkSetCookie(t, res.headers['set-cookie'])
    if (res.statusCode === 302 && !String(res.headers.location).startsWith('https://app.example.com/')) t.fail(`redirect to ${res.headers.location}`)
  }), { numRuns: 300 })
  t.pass('no counterexample')
})

function decodeURIComponentSafe (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}
