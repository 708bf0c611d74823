import { test } from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import fastifyCookie, { sign, Signer, unsign } from '@fastify/cookie'
import type { Touch } from '../../src/contracts.ts'
import { createCookieReader, decodePayload, encodeField, encodePayload, encodeWithin } from '../../src/plugin/cookie-codec.ts'
import { buildTouch } from '../../src/plugin/touch.ts'
import { OLD_SECRET, OTHER_SECRET, SECRET } from './fixtures.ts'
import { assertProperty } from '../helpers/property.ts'

const NOW = Date.parse('2026-05-05T12:00:00Z')
const params = { utm_source: 'news|letter', utm_medium: 'e-mail', utm_campaign: 'spring sale %', utm_content: 'ünïcødé 😀', utm_term: null, click_id_type: 'fbclid', referral_code: 'AB-12', extra: [] }
const touch: Touch = buildTouch(NOW, params, 'https://example.org/a', 'https://app.example.com/')

test('a payload round-trips both touches, nulls and special characters', async (t) => {
  const last = buildTouch(NOW + 1000, { ...params, utm_source: 'other' }, null, null)
  const payload = encodePayload({ first: touch, last }, NOW + 1000)
  t.match(payload, /^3\|/)
  const decoded = decodePayload(payload)!
  t.same(decoded.state(), { first: touch, last })
  t.equal(decoded.issuedAtMs, NOW + 1000)
  t.same(decodePayload(encodePayload({ first: touch, last: touch }, NOW))!.state(), { first: touch, last: touch }, 'an equal last touch is stored once')
})

test('the reader verifies with every secret, flags an older one and refuses tampering', async (t) => {
  const signer = new Signer([SECRET, OLD_SECRET])
  const read = createCookieReader((value) => signer.unsign(value), 10_000_000)
  const payload = encodePayload({ first: touch, last: touch }, NOW)
  const fresh = read(sign(payload, SECRET), NOW)
  t.equal(fresh.status, 'valid')
  t.equal(fresh.status === 'valid' && fresh.cookie.renew, false)
  const old = read(sign(payload, OLD_SECRET), NOW)
  t.equal(old.status === 'valid' && old.cookie.renew, true, 'a cookie signed with an older secret is flagged for re-signing')
  t.equal(read(sign(payload, OTHER_SECRET), NOW).status, 'invalid')
  t.equal(read(sign(payload, SECRET).replace('AB-12', 'AB-13'), NOW).status, 'invalid')
  t.equal(read(sign(payload, SECRET), NOW + 10_000_001).status, 'expired')
  t.equal(read(sign(payload, SECRET), NOW - 3_600_000).status, 'invalid', 'an issue time in the future is refused')
  t.equal(read(sign('1' + payload.slice(1), SECRET), NOW).status, 'invalid', 'another payload version is refused')
  t.equal(read(sign(payload, SECRET) + 'x'.repeat(4096), NOW).status, 'invalid', 'an oversized value is refused unread')
})

test('encoded values and signatures go on the wire as they are, whatever the field text', async (t) => {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.ready()
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('|', '*', '%', ';', ',', ' ', '"', '\\', '=', '/', ':', '?', '#'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 60 }).map((v) => v.replace(/\p{Cs}/gu, ''))
  await assertProperty(t, fc.property(text, text, (a, b) => {
    const value = sign(encodePayload({ first: { ...touch, utm_source: a || null }, last: { ...touch, utm_campaign: b || null, http_referer: 'https://x.example/' + a } }, NOW), SECRET)
    if (app.serializeCookie('fw_attr', value, {}) !== 'fw_attr=' + value) return false
    const decoded = decodePayload(unsign(value, SECRET).value!)!.state()!
    return decoded.first.utm_source === (a || null) && decoded.last.utm_campaign === (b || null)
  }), { numRuns: 200 })
  t.equal(encodeField('https://mail.google.com/mail/u/0/'), 'https://mail.google.com/mail/u/0/', 'URLs stay as they are')
  t.equal(encodeField('a|b*c%d é'), 'a*7Cb*2Ac*25d*20*C3*A9')
})

test('encoding within a budget shortens the longest fields until it fits', async (t) => {
  const big = buildTouch(NOW, { ...params, utm_source: 'ü'.repeat(100), utm_campaign: 'c'.repeat(100), utm_content: '%'.repeat(100) }, 'https://example.org/' + 'p'.repeat(180), 'https://app.example.com/' + 'q'.repeat(170))
  const other = buildTouch(NOW + 5000, { ...params, utm_source: 'x'.repeat(100) }, 'https://b.example.org/' + 'r'.repeat(170), null)
  const { payload, state } = encodeWithin({ first: big, last: other }, NOW + 5000, 600)
  t.ok(payload.length <= 600, `${payload.length}`)
  t.same(decodePayload(payload)!.state(), state, 'the returned state is what the payload carries')
  t.equal(state.first.utm_medium, 'e-mail', 'short fields survive')
  t.equal(state.first.channel_group, big.channel_group)
})
