import { test } from 'tap'
import { randomBytes } from 'node:crypto'
import { hasEmail, hasToken, hasWallet, isPiiValue, isSensitive, REDACTED, redactPath, redactText } from '../../src/shared/redact.ts'
import { sanitizeValue } from '../../src/shared/sanitize.ts'

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'

test('e-mail and wallet addresses are found wherever they sit in a value', async (t) => {
  for (const v of ['john.doe@example.com', 'subscriber:jane+news@corp.example', 'jane%40corp.example', 'a@b.co']) t.ok(hasEmail(v), v)
  for (const v of ['@frameworks', 'team@localhost', 'x@', 'price @ 5.00']) t.notOk(hasEmail(v), v)
  t.ok(hasWallet('drop_0x52908400098527886E0F7030069857D2E4169EE7_v2'))
  t.notOk(hasWallet('0x5290840009852788'))
})

test('JWTs, hex runs and random base64url runs are credential-like tokens', async (t) => {
  t.ok(hasToken(JWT))
  t.ok(hasToken('reset-' + randomBytes(16).toString('hex')))
  t.ok(hasToken('aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF'), 'mixed case and digits without a separator')
  t.ok(hasToken('Xk4_pQ9-zR2mL7tB_wN5-vC8hJ3fD6gS1aE'), 'random despite separators (token_urlsafe)')
  for (const v of ['spring_sale_2026_newsletter_v2', 'Spring_Sale_2026_Newsletter_Campaign_V2', 'Q4_2026_EMEA_Enterprise_Retargeting_Display_V3',
    'utm_content_Hero_Banner_Variant_B_1200x628_2026', 'a-very-long-campaign-name-without-digits-or-caps', 'a'.repeat(200), '1234567890'.repeat(4)]) {
    t.notOk(hasToken(v), v)
  }
})

test('a sensitive value becomes the marker whole; a valid referral code is exempt from the token rule only', async (t) => {
  t.equal(redactText('john.doe@example.com'), REDACTED)
  t.equal(redactText('spring_sale_2026_newsletter_v2'), 'spring_sale_2026_newsletter_v2')
  t.equal(redactText(null), null)
  const code = 'PARTNERaB3dE6gH9jK2mN5pQ8sT1vW4yZ'
  t.equal(redactText(code, false), code)
  t.equal(redactText(code), REDACTED)
  t.equal(redactText('0x52908400098527886E0F7030069857D2E4169EE7', false), REDACTED)
  t.ok(isPiiValue('203.0.113.9'))
  t.notOk(isSensitive('newsletter'))
})

test('an address is found before the value is cut to its bound', async (t) => {
  t.equal(sanitizeValue('x'.repeat(90) + ' john.doe@example.com', 100), REDACTED)
  t.equal(sanitizeValue('x'.repeat(120), 100), 'x'.repeat(100))
})

test('URL paths lose only the segments that hold an address or a token', async (t) => {
  t.equal(redactPath('/invite/jane@corp.example'), `/invite/${REDACTED}`)
  t.equal(redactPath(`/reset/${randomBytes(32).toString('base64url').replace(/[-_]/g, 'x')}A1a/confirm`), `/reset/${REDACTED}/confirm`)
  t.equal(redactPath(`/verify/${JWT}`), `/verify/${REDACTED}`)
  t.equal(redactPath('/docs/getting-started/video-streaming-quickstart-guide'), '/docs/getting-started/video-streaming-quickstart-guide')
  t.equal(redactPath('/medium/@frameworks/post'), `/medium/${REDACTED}/post`, 'any at sign in a path segment goes')
})
