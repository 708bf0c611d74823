import { test } from 'tap'
import { sign, unsign } from '@fastify/cookie'
import type { Touch } from '../../src/contracts.ts'
import { cookieValues, createCookieCodec, createValueSigner, decodePayload, encodePayload, encodeWithin } from '../../src/plugin/cookie-codec.ts'
import { buildTouch } from '../../src/plugin/touch.ts'
import { OLD_SECRET, SECRET } from './fixtures.ts'

const NOW = Date.parse('2026-05-05T12:00:00Z')
const params = { utm_source: 'news|letter', utm_medium: 'e-mail', utm_campaign: 'spring sale %', utm_content: 'ünïcødé 😀', utm_term: null, click_id_type: 'fbclid', referral_code: 'AB-12', extra: [] }
const touch: Touch = buildTouch(NOW, params, 'https://example.org/a', 'https://app.example.com/')

test('a payload round-trips both touches, nulls and special characters', async (t) => {
  const last = buildTouch(NOW + 1000, { ...params, utm_source: 'other' }, null, null)
  const payload = encodePayload({ first: touch, last }, NOW + 1000)
  t.match(payload, /^1\|/)
  const decoded = decodePayload(payload)!
  t.same(decoded.state(), { first: touch, last })
  t.equal(decoded.issuedAtMs, NOW + 1000)
  t.same(decodePayload(encodePayload({ first: touch, last: touch }, NOW))!.state(), { first: touch, last: touch }, 'an equal last touch is stored once')
})

test('signatures match @fastify/cookie in both directions', async (t) => {
  const signer = createValueSigner([SECRET, OLD_SECRET])
  for (const value of ['1|abc', 'x'.repeat(300), '']) {
    t.equal(signer.sign(value), sign(value, SECRET))
    t.same(signer.unsign(sign(value, SECRET)), { valid: true, renew: false, value })
    t.same(signer.unsign(sign(value, OLD_SECRET)), { valid: true, renew: true, value })
    t.same(unsign(signer.sign(value), SECRET), { valid: true, renew: false, value })
  }
  t.same(signer.unsign('1|abc.' + 'A'.repeat(43)), { valid: false, renew: false, value: null })
  t.same(signer.unsign('no-dot'), { valid: false, renew: false, value: null })
  const slow = createValueSigner(['ñ'.repeat(40)])
  t.equal(slow.sign('v'), sign('v', 'ñ'.repeat(40)), 'non-ASCII secrets go through the @fastify/cookie signer')
})

test('the codec rejects tampering and expires by first touch and issue time', async (t) => {
  const codec = createCookieCodec([SECRET], 10_000_000)
  const value = codec.sign(encodePayload({ first: touch, last: touch }, NOW))
  t.equal(codec.read(value, NOW).status, 'valid')
  t.equal(codec.read(value.replace('AB-12', 'AB-13'), NOW).status, 'invalid')
  t.equal(codec.read(value, NOW + 10_000_001).status, 'expired')
  t.equal(codec.read(value, NOW - 3_600_000).status, 'invalid', 'an issue time in the future is refused')
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

test('cookie values are found by exact name', async (t) => {
  t.same(cookieValues('a=1; fw_attr=x.y; xfw_attr=no; fw_attr="q"', 'fw_attr'), ['x.y', 'q'])
  t.same(cookieValues(undefined, 'fw_attr'), [])
  t.same(cookieValues('fw_attr_other=1', 'fw_attr'), [])
})
