import { test } from 'tap'
import { createParamReader } from '../../src/plugin/params.ts'
import { DEFAULT_REFERRAL_CODE_PARAMS, DEFAULT_REFERRAL_CODE_PATTERN, DEFAULT_SOURCE_ALIAS_PARAMS } from '../../src/plugin/options.ts'
import { landingPageOf, sanitizeText, sanitizeUrl } from '../../src/shared/sanitize.ts'

const rules = { referralCodeParams: DEFAULT_REFERRAL_CODE_PARAMS, sourceAliasParams: DEFAULT_SOURCE_ALIAS_PARAMS, referralCodePattern: DEFAULT_REFERRAL_CODE_PATTERN, maxValueLength: 100 }
const read = createParamReader(rules)

test('texts lose control, zero-width and bidi characters and are bounded in code points', async (t) => {
  t.equal(sanitizeText('  spring\u0000 \u202Esale\r\n2026\t', 100), 'spring sale 2026')
  t.equal(sanitizeText('a\u200Bb\uFEFFc\u0085d', 100), 'abcd')
  t.equal(sanitizeText('😀'.repeat(10), 3), '😀😀😀')
  t.equal(sanitizeText('x'.repeat(1000), 100)!.length, 100)
  t.equal(sanitizeText('\uD800lone\uDC00', 100), 'lone', 'lone surrogates (invalid UTF-16) are dropped')
  t.equal(sanitizeText('bad\uFFFDutf8', 100), 'badutf8', 'replacement characters of invalid UTF-8 are dropped')
  t.equal(sanitizeText(['first', 'second'], 100), 'first', 'an array counts as its first value')
  t.equal(sanitizeText([], 100), null)
  t.equal(sanitizeText({ a: 1 }, 100), null)
  t.equal(sanitizeText(' \u0007 ', 100), null)
})

test('URLs keep scheme, host and path only', async (t) => {
  t.equal(sanitizeUrl('https://user:pass@Example.COM:8443/a/b?q=secret#frag', 200), 'https://example.com:8443/a/b')
  t.equal(sanitizeUrl('http://example.com', 200), 'http://example.com/')
  t.equal(sanitizeUrl('javascript:alert(1)', 200), null)
  t.equal(sanitizeUrl('android-app://com.google.android.gm/', 200), null)
  t.equal(sanitizeUrl('/relative/path', 200), null)
  t.equal(sanitizeUrl('not a url', 200), null)
  t.equal(sanitizeUrl(' https://exa\nmple.com/x\t', 200), 'https://example.com/x')
  t.equal(sanitizeUrl('https://example.com/' + 'a'.repeat(500), 60)!.length, 60)
  t.equal(sanitizeUrl('https://example.com/%E2%82%AC' + '%20'.repeat(100), 40), 'https://example.com/%E2%82%AC%20%20%20', 'a cut never leaves half an escape')
})

test('path segments holding an e-mail or a wallet address are redacted', async (t) => {
  t.equal(sanitizeUrl('https://example.com/users/jane@example.org/profile', 200), 'https://example.com/users/(redacted)/profile')
  t.equal(sanitizeUrl('https://example.com/u/jane%40example.org', 200), 'https://example.com/u/(redacted)')
  t.equal(sanitizeUrl('https://etherscan.io/address/0x' + 'ab'.repeat(20), 200), 'https://etherscan.io/address/(redacted)')
  t.equal(landingPageOf('https', 'app.example.com', '/invite/jane@example.org?x=1', 'https://fallback', 200), 'https://app.example.com/invite/(redacted)')
})

test('the landing page comes from the request without its query and with a sane host', async (t) => {
  t.equal(landingPageOf('http', 'localhost:3000', '/pricing?utm_source=x', 'https://app.example.com', 200), 'http://localhost:3000/pricing')
  t.equal(landingPageOf('https', 'app.example.com:443', '/', 'https://fallback', 200), 'https://app.example.com/')
  t.equal(landingPageOf('http', 'evil.com/<script>', '/', 'https://app.example.com', 200), 'https://app.example.com/')
  t.equal(landingPageOf('http', undefined, '/a', 'https://app.example.com', 200), 'https://app.example.com/a')
})

test('campaign parameters follow the documented precedence', async (t) => {
  t.match(read({ utm_source: 'google', utm_referrer: 'bing', source: 'yahoo' }), { utm_source: 'google' })
  t.match(read({ source: 'yahoo', utm_referrer: 'bing' }), { utm_source: 'bing' }, 'utm_referrer before source')
  t.match(read({ ref: 'REF1', via: 'VIA1', referral_code: 'CODE1' }), { referral_code: 'CODE1' })
  t.match(read({ ref: 'REF1', via: 'VIA1' }), { referral_code: 'VIA1' })
  t.match(read({ ref: 'bad code!', via: '' }), { referral_code: null }, 'an invalid code is dropped')
  t.match(read({ fbclid: 'IwAR123', gclid: 'Cj0' }), { click_id_type: 'gclid' }, 'click ids by precedence, never their value')
  t.match(read({ utm_source: ['a', 'b'], utm_medium: ['', 'email'] }), { utm_source: 'a', utm_medium: null })
  t.match(read(new URLSearchParams('utm_campaign=launch&utm_campaign=other&gad_source=1&mc_cid=x')), { utm_campaign: 'launch', extra: ['gad_source', 'mc_cid'] })
  t.match(read({ utm_source: 'x'.repeat(500) }).utm_source!.length, 100)
})

test('parameter names are configurable', async (t) => {
  const custom = createParamReader({ ...rules, referralCodeParams: ['invite'], sourceAliasParams: ['ref'] })
  t.match(custom({ ref: 'partner-blog', invite: 'INV9' }), { utm_source: 'partner-blog', referral_code: 'INV9' })
})
