import { test } from 'tap'
import fc from 'fast-check'
import { CHANNEL_GROUPS, CLIENT_KINDS } from '../../src/contracts.ts'
import {
  deriveChannelGroup, normalizeAttribution, normalizeReferralCode, ROW_ATTRIBUTION_LIMITS, STORE_LIMITS
} from '../../src/shared/normalize.ts'
import { assertProperty, expect } from '../helpers/property.ts'

const text = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.constantFrom('google', 'cpc', 'email', 'x_jane@example.org', '0x52908400098527886E0F7030069857D2E4169EE7', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7', 'FRIEND42', ' spaced\u0000 '))
const url = fc.oneof(fc.constant(null), fc.webUrl({ withQueryParameters: true }), fc.constantFrom('https://chatgpt.com/c/1', 'https://t.co/jane@example.org/x', 'javascript:alert(1)'))
const loose = fc.record({
  signup_channel: fc.oneof(fc.constantFrom('web', 'api', 'wallet', 'x402', 'mail'), fc.constant(undefined)),
  signup_method: fc.oneof(text, fc.constant(undefined)),
  utm_source: text, utm_medium: text, utm_campaign: text, utm_content: text, utm_term: text,
  http_referer: url, landing_page: url, referral_code: text,
  is_agent: fc.oneof(fc.boolean(), fc.constant('yes')),
  metadata_json: fc.oneof(fc.constant(undefined), fc.jsonValue().map((v) => JSON.stringify(v)), fc.dictionary(fc.string({ maxLength: 8 }), text).map((d) => JSON.stringify(d))),
  channel_group: fc.oneof(fc.constant(undefined), fc.constantFrom(...CHANNEL_GROUPS), fc.constant('made_up')),
  client_kind: fc.oneof(fc.constant(undefined), fc.constantFrom(...CLIENT_KINDS), fc.constant('robot')),
  first_touch_at: fc.oneof(fc.constant(null), fc.date().map((d) => Number.isNaN(d.getTime()) ? 'x' : d.toISOString()))
}, { requiredKeys: [] })

test('normalizing twice changes nothing, with the store\'s and the relay\'s bounds', async (t) => {
  for (const limits of [STORE_LIMITS, ROW_ATTRIBUTION_LIMITS]) {
    await assertProperty(t, fc.property(loose, (input) => {
      const once = normalizeAttribution(input, limits)
      return JSON.stringify(normalizeAttribution(once, limits)) === JSON.stringify(once)
    }), { numRuns: 500 })
  }
})

test('fallbacks: a missing or unknown channel group is derived from the kept fields, a missing or unknown client kind is unknown', async (t) => {
  await assertProperty(t, fc.property(loose, (input) => {
    const out = normalizeAttribution(input, STORE_LIMITS)
    const known = (CHANNEL_GROUPS as readonly unknown[]).includes(input.channel_group)
    const clickId = JSON.parse(out.metadata_json).click_id_type
    expect(out.channel_group === (known ? input.channel_group : deriveChannelGroup(out, typeof clickId === 'string' ? clickId : null)), `channel group ${out.channel_group}`)
    expect(out.client_kind === ((CLIENT_KINDS as readonly unknown[]).includes(input.client_kind) ? input.client_kind : 'unknown'), `client kind ${out.client_kind}`)
  }), { numRuns: 500 })
  const bare = normalizeAttribution({ utm_source: 'Google', utm_medium: 'CPC' }, STORE_LIMITS)
  t.equal(bare.channel_group, 'paid_search', 'derived by the rule table, not a constant')
  t.equal(bare.client_kind, 'unknown')
  t.equal(bare.signup_channel, 'web')
  t.equal(bare.signup_method, 'unknown')
  t.equal(normalizeAttribution({ http_referer: 'https://chatgpt.com/c/1' }, STORE_LIMITS).channel_group, 'ai_assistant')
  t.equal(normalizeAttribution({ referral_code: 'FRIEND42' }, STORE_LIMITS).channel_group, 'referral_program')
  t.equal(normalizeAttribution({}, STORE_LIMITS).channel_group, 'direct')
})

test('a referral code is kept only with the shape of a code, and never holds an address', async (t) => {
  t.equal(normalizeReferralCode('FRIEND42', 100), 'FRIEND42')
  t.equal(normalizeReferralCode('a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7', 100), 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7', 'a token-shaped code is a code')
  t.equal(normalizeReferralCode('0x52908400098527886E0F7030069857D2E4169EE7', 100), '(redacted)')
  t.equal(normalizeReferralCode('jane@example.org', 100), null, 'an e-mail address is no code')
  t.equal(normalizeReferralCode('jane@example.org', 100, /^.+$/), '(redacted)', 'nor with a pattern that lets it through')
  t.equal(normalizeReferralCode('bad code!', 100), null)
  t.equal(normalizeReferralCode('(redacted)', 100), '(redacted)', 'the marker stays')
})
