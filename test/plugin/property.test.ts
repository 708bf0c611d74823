import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { sign } from '@fastify/cookie'
import { CHANNEL_GROUPS, CLIENT_KINDS, type AttributionSnapshot, type SignupAttribution, type Touch } from '../../src/contracts.ts'
import { toAcquisitionRow } from '../../src/ingest/acquisition-row.ts'
import { parseServiceEvent } from '../../src/ingest/service-events.ts'
import { CLICK_ID_PARAMS } from '../../src/plugin/params.ts'
import { DEFAULT_REFERRAL_CODE_PATTERN } from '../../src/plugin/options.ts'
import { REDACTED } from '../../src/shared/redact.ts'
import { normalizeAttribution } from '../../src/store/record-signup.ts'
import { assertProperty } from '../helpers/property.ts'
import { buildApp, cookiePair, NAVIGATE as NAVIGATE_HEADERS, SECRET, UA } from './fixtures.ts'

/** A property's failure, thrown so that fast-check sees it and shrinks it. */
const fail = (message: string): never => { throw new Error(message) }

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

function checkTouch (touch: Touch | null): void {
  if (touch === null) return
  for (const f of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const) {
    const v = touch[f]
    if (v !== null) {
      if (!SAFE_TEXT.test(v) || [...v].length > 100 || v !== v.trim() || v.length === 0) fail(`unsanitized ${f}: ${JSON.stringify(v)}`)
    }
  }
  for (const f of ['http_referer', 'landing_page'] as const) {
    const v = touch[f]
    if (v !== null && (!SAFE_URL.test(v) || v.length > 200 || v.includes('@'))) fail(`unsanitized ${f}: ${JSON.stringify(v)}`)
  }
  if (touch.click_id_type !== null && !(CLICK_ID_PARAMS as readonly string[]).includes(touch.click_id_type)) fail(`click id ${touch.click_id_type}`)
  if (touch.referral_code !== null && touch.referral_code !== REDACTED && !DEFAULT_REFERRAL_CODE_PATTERN.test(touch.referral_code)) fail(`referral code ${touch.referral_code}`)
  if (!(CHANNEL_GROUPS as readonly string[]).includes(touch.channel_group)) fail(`channel ${touch.channel_group}`)
  if (Number.isNaN(Date.parse(touch.at))) fail(`time ${touch.at}`)
}

function checkSnapshot (snap: AttributionSnapshot): void {
  checkTouch(snap.first_touch)
  checkTouch(snap.last_touch)
  if (!(CLIENT_KINDS as readonly string[]).includes(snap.client_kind)) fail(`client kind ${snap.client_kind}`)
  if (!(CHANNEL_GROUPS as readonly string[]).includes(snap.channel_group)) fail(`channel ${snap.channel_group}`)
}

function checkSetCookie (header: string | string[] | undefined): void {
  for (const line of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    if (Buffer.byteLength(line) > 1024) fail(`Set-Cookie of ${Buffer.byteLength(line)} bytes`)
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
  await assertProperty(t, fc.asyncProperty(queryString, fc.option(referer), userAgent, fc.option(cookie), fc.boolean(), fc.option(headerText), async (query, ref, ua, ck, navigate, extra) => {
    const headers: Record<string, string> = { 'user-agent': ua }
    if (ref !== null) headers.referer = ref
    if (ck !== null) headers.cookie = ck
    if (navigate) headers['sec-fetch-mode'] = 'navigate'
    if (extra !== null) { headers['x-payment'] = extra; headers['mcp-protocol-version'] = extra }
    const res = await app.inject({ url: `/docs/page?${query}`, headers })
    if (res.statusCode >= 500) fail(`5xx for ${query}`)
    checkSetCookie(res.headers['set-cookie'])
    const next = cookiePair(res.headers['set-cookie']) ?? ck ?? undefined
    const snap = await app.inject({ url: '/api/attribution', headers: { ...(next !== undefined ? { cookie: next } : {}), 'user-agent': ua } })
    if (snap.statusCode !== 200) fail(`snapshot status ${snap.statusCode}`)
    checkSnapshot(snap.json<AttributionSnapshot>())
    const signup = await app.inject({ method: 'POST', url: `/signup?${query}`, headers: { ...(next !== undefined ? { cookie: next } : {}), 'user-agent': ua }, payload: { channel: 'web', method: 'email_password' } })
    if (signup.statusCode !== 200) fail(`signup status ${signup.statusCode}`)
    JSON.parse(signup.json<{ metadata_json: string }>().metadata_json)
  }), { numRuns: 300 })
})

test('arbitrary beacon bodies and referral links never give a 5xx or an unsanitized snapshot', async (t) => {
  const app = await buildApp()
  const body = fc.oneof(
    fc.record({ url: fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true }), headerText, queryString.map((q) => `https://app.example.com/x?${decodeURIComponentSafe(q)}`))), referrer: fc.option(referer) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 })
  )
  const contentType = fc.constantFrom('application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8')
  await assertProperty(t, fc.asyncProperty(body, contentType, userAgent, async (payload, type, ua) => {
    const res = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'content-type': type, 'user-agent': ua }, payload })
    if (res.statusCode >= 500) fail(`5xx for ${type} ${payload}`)
    checkSetCookie(res.headers['set-cookie'])
    if (res.statusCode === 200) checkSnapshot(res.json<AttributionSnapshot>())
    else if (!/application\/problem\+json/.test(String(res.headers['content-type']))) fail(`non-problem ${res.statusCode}`)
  }), { numRuns: 300 })
  await assertProperty(t, fc.asyncProperty(fc.string({ maxLength: 80 }), queryString, async (code, query) => {
    const res = await app.inject({ url: `/r/${encodeURIComponent(code)}?${query}`, headers: { 'user-agent': UA.chrome } })
    if (res.statusCode >= 500) fail(`5xx for ${code} ${query}`)
    checkSetCookie(res.headers['set-cookie'])
    if (res.statusCode === 302 && !String(res.headers.location).startsWith('https://app.example.com/')) fail(`redirect to ${res.headers.location}`)
  }), { numRuns: 300 })
})

function decodeURIComponentSafe (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}

// Addresses and tokens, as issue 12 defines them, each inside some ordinary context.
const HEX_DIGITS = [...'0123456789abcdefABCDEF']
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']
const mixes = (s: string): boolean => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s)
const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._+-]{0,20}[a-z0-9]$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,15}[a-z0-9]$/), fc.constantFrom('com', 'org', 'example', 'co.uk', 'io'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`)
const wallet = fc.string({ unit: fc.constantFrom(...HEX_DIGITS), minLength: 40, maxLength: 40 }).map((h) => `0x${h}`)
const hexToken = fc.string({ unit: fc.constantFrom(...HEX_DIGITS.slice(0, 16)), minLength: 32, maxLength: 64 }).filter((h) => /\d/.test(h) && /[a-f]/.test(h))
const base64Token = fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 32, maxLength: 48 }).filter(mixes)
const b64url = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ALNUM, '-', '_'), minLength: min, maxLength: max })
const jwt = fc.tuple(b64url(10, 40), b64url(10, 60), b64url(20, 43)).map(([h, p, s]) => `eyJ${h}.eyJ${p}.${s}`)
const token = fc.oneof(hexToken, base64Token, jwt)
const address = fc.oneof(email, wallet)
const inContext = (pii: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('', 'x_', 'id:', 'sub '), pii, fc.constantFrom('', '_v2', ' end'))
const anyPii = inContext(fc.oneof(address, token))
/** Referral codes are exempt from the token rule: only addresses go there. */
const codePii = inContext(address)

function leaked (found: Set<string>, text: string, values: ReadonlyArray<readonly [string, string, string]>): void {
  const lower = text.toLowerCase()
  for (const [, pii] of values) if (lower.includes(pii.toLowerCase())) found.add(pii)
}

test('addresses and tokens placed in every captured field through every path in never reach the snapshot, the cookie or the signup attribution', async (t) => {
  const app = await buildApp()
  const fields = fc.record({
    utm: fc.tuple(anyPii, anyPii, anyPii, anyPii, anyPii), alias: anyPii, code: codePii, landing: anyPii, referer: anyPii,
    bodyUtm: fc.tuple(anyPii, anyPii, anyPii, anyPii, anyPii), typedCode: codePii, metadata: anyPii, beaconUrl: anyPii, beaconReferrer: anyPii
  })
  await assertProperty(t, fc.asyncProperty(fields, async (f) => {
    const all = [...f.utm, f.alias, f.code, f.landing, f.referer, ...f.bodyUtm, f.typedCode, f.metadata, f.beaconUrl, f.beaconReferrer]
    const text = (v: readonly [string, string, string]): string => v.join('')
    const query = new URLSearchParams({
      utm_source: text(f.utm[0]), utm_medium: text(f.utm[1]), utm_campaign: text(f.utm[2]), utm_content: text(f.utm[3]), utm_term: text(f.utm[4]),
      source: text(f.alias), ref: text(f.code)
    })
    const found = new Set<string>()
    const land = await app.inject({ url: `/docs/${encodeURIComponent(text(f.landing))}?${query}`, headers: { ...NAVIGATE_HEADERS, referer: `https://news.example.org/${text(f.referer)}/post` } })
    leaked(found, String(land.headers['set-cookie']), all)
    const cookie = cookiePair(land.headers['set-cookie'])
    const headers = cookie !== undefined ? { cookie, 'user-agent': UA.chrome } : { 'user-agent': UA.chrome }
    leaked(found, (await app.inject({ url: '/api/attribution', headers })).body, all)
    const [s, m, c, co, te] = f.bodyUtm.map(text)
    const signup = await app.inject({ method: 'POST', url: '/signup', headers, payload: { utm: { utm_source: s, utm_medium: m, utm_campaign: c, utm_content: co, utm_term: te }, referralCode: text(f.typedCode), metadata: { agent_name: text(f.metadata), plan: text(f.metadata) } } })
    leaked(found, signup.body, all)
    const beacon = await app.inject({ method: 'POST', url: '/attribution/touch', headers, payload: { url: `https://app.example.com/${encodeURIComponent(text(f.beaconUrl))}?${query}`, referrer: `https://blog.example.net/${text(f.beaconReferrer)}` } })
    leaked(found, beacon.body + String(beacon.headers['set-cookie']), all)
    if (found.size > 0) fail(`leaked: ${[...found].join(', ')}`)
  }), { numRuns: 100 })
})

test('addresses and tokens in every field of an attribution never reach the stored row, the outbox event, the relayed row or a service event', async (t) => {
  const attribution = fc.record({
    text: fc.array(anyPii, { minLength: 7, maxLength: 7 }), code: codePii, referer: anyPii, landing: anyPii, metadata: fc.array(anyPii, { minLength: 3, maxLength: 3 }), lastTouch: fc.array(anyPii, { minLength: 4, maxLength: 4 })
  })
  await assertProperty(t, fc.property(attribution, (a) => {
    const all = [...a.text, a.code, a.referer, a.landing, ...a.metadata, ...a.lastTouch]
    const text = (v: readonly [string, string, string]): string => v.join('')
    const [source, medium, campaign, content, term, method, keyed] = a.text.map(text)
    const input: SignupAttribution = {
      signup_channel: 'web', signup_method: method!, utm_source: source!, utm_medium: medium!, utm_campaign: campaign!, utm_content: content!, utm_term: term!,
      http_referer: `https://news.example.org/${text(a.referer)}/p?q=${source}`, landing_page: `https://app.example.com/${text(a.landing)}`,
      referral_code: text(a.code), is_agent: false, channel_group: 'email', client_kind: 'browser', first_touch_at: null,
      metadata_json: JSON.stringify({ contact: text(a.metadata[0]!), nested: { payer: text(a.metadata[1]!) }, [keyed!]: text(a.metadata[2]!) }),
      last_touch: {
        at: '2026-11-01T10:00:00.000Z', utm_source: text(a.lastTouch[0]!), utm_medium: null, utm_campaign: text(a.lastTouch[1]!), utm_content: null, utm_term: null,
        click_id_type: null, referral_code: text(a.code), http_referer: `https://x.example/${text(a.lastTouch[2]!)}`, landing_page: `https://y.example/${text(a.lastTouch[3]!)}`, channel_group: 'email'
      }
    }
    const event = { event_id: randomUUID(), event_type: 'tenant_created' as const, timestamp: '2026-11-02T10:00:00.000Z', tenant_id: randomUUID(), user_id: null, attribution: input, referral_status: null }
    const found = new Set<string>()
    const stored = normalizeAttribution(input)
    leaked(found, JSON.stringify(stored), all)
    leaked(found, JSON.stringify(toAcquisitionRow({ ...event, attribution: stored })), all)
    leaked(found, JSON.stringify(toAcquisitionRow(event)), all)
    leaked(found, JSON.stringify(parseServiceEvent({ ...event, attribution: { ...input, last_touch: undefined } })), all)
    if (found.size > 0) fail(`leaked: ${[...found].join(', ')}`)
  }), { numRuns: 300 })
})
