import { test } from 'tap'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { checkLogin, createChallenge, siweSite } from '../../example/signup/siwe.ts'
import { authorizationTypedData, decodePaymentHeader, offlineX402Verifier, type X402Terms } from '../../example/signup/x402.ts'
import { apiKeyMatcher } from '../../example/signup/api-key.ts'
import { hashPassword, verifyPassword } from '../../example/signup/password.ts'
import { assertProperty } from '../helpers/property.ts'

const site = siweSite('https://app.example.com/')
const terms: X402Terms = {
  payTo: '0x000000000000000000000000000000000000dEaD', amount: '10000', maxTimeoutSeconds: 300,
  resource: 'https://app.example.com/x402/provision', description: 'test'
}
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n }).map((s) => '0x' + s)

test('any payment header decodes to a verdict and the offline verifier never throws', async (t) => {
  const verify = offlineX402Verifier()
  const authorization = fc.record({
    from: fc.oneof(hex(40), fc.string()), to: fc.oneof(hex(40), fc.constant(terms.payTo)),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 300n }).map(String), fc.string()),
    validAfter: fc.oneof(fc.nat().map(String), fc.string()), validBefore: fc.oneof(fc.nat().map(String), fc.string()),
    nonce: fc.oneof(hex(64), fc.string())
  }, { requiredKeys: [] })
  const payload = fc.record({
    x402Version: fc.constantFrom(1, 2, 3, '1'),
    scheme: fc.constantFrom('exact', 'upto'),
    network: fc.constantFrom('base', 'eip155:8453', 'ethereum'),
    accepted: fc.record({ scheme: fc.constantFrom('exact'), network: fc.constantFrom('eip155:8453', 'base'), asset: fc.oneof(hex(40), fc.string()) }),
    payload: fc.record({ signature: fc.oneof(hex(130), fc.string()), authorization })
  }, { requiredKeys: [] })
  await assertProperty(t, fc.asyncProperty(fc.oneof(payload.map((p) => Buffer.from(JSON.stringify(p)).toString('base64')), fc.string()), fc.constantFrom(1 as const, 2 as const), async (header, version) => {
    const decoded = decodePaymentHeader(header, version)
    if (decoded.ok) {
      const verdict = await verify(decoded.payment, terms)
      if (!verdict.valid && typeof verdict.reason !== 'string') throw new Error('a refusal names its reason')
    } else if (typeof decoded.reason !== 'string') throw new Error('a decoding failure names its reason')
  }), { numRuns: 300 })
})

test('any signed-message input gets a verdict from the SIWE check, never an exception', async (t) => {
  const account = privateKeyToAccount(generatePrivateKey())
  const challenge = createChallenge(site, account.address, 8453, new Date())
  if (challenge === null) throw new Error('challenge')
  const lines = challenge.message.split('\n')
  await assertProperty(t, fc.asyncProperty(
    fc.oneof(fc.string(), fc.array(fc.oneof(fc.constantFrom(...lines), fc.string()), { maxLength: 12 }).map((l) => l.join('\n'))),
    fc.oneof(hex(130), fc.string()),
    async (message, signature) => {
      const verdict = await checkLogin(site, message, signature, new Date())
      if (verdict.ok) throw new Error('a random message never signs in')
    }
  ), { numRuns: 300 })
  const good = await checkLogin(site, challenge.message, await account.signMessage({ message: challenge.message }), new Date())
  t.equal(good.ok, true, 'the signed challenge itself checks out')
})

test('a signed challenge checks out on its site, only within its validity window', async (t) => {
  const account = privateKeyToAccount(generatePrivateKey())
  const issued = new Date('2026-11-24T12:00:00Z')
  const challenge = createChallenge(site, account.address.toLowerCase(), 42161, issued)
  t.ok(challenge)
  const signature = await account.signMessage({ message: challenge!.message })
  t.match(await checkLogin(site, challenge!.message, signature, new Date('2026-11-24T12:04:00Z')), { ok: true, address: account.address, chainId: 42161, method: 'wallet_arbitrum' })
  t.match(await checkLogin(site, challenge!.message, signature, new Date('2026-11-24T12:06:00Z')), { ok: false })
  t.match(await checkLogin(siweSite('https://other.example.com/'), challenge!.message, signature, new Date('2026-11-24T12:01:00Z')), { ok: false })
  t.equal(createChallenge(site, account.address, 10, issued), null)
  t.equal(createChallenge(site, '0x1234', 1, issued), null)
})

test('API keys match in constant time by index, and only as a bearer token', async (t) => {
  const match = apiKeyMatcher(['first-key', 'second-key'])
  t.equal(match('Bearer second-key'), 1)
  t.equal(match('bearer first-key '), 0)
  t.equal(match('Bearer third-key'), -1)
  t.equal(match('second-key'), -1)
  t.equal(match(undefined), -1)
  t.equal(apiKeyMatcher([])('Bearer anything'), -1)
})

test('passwords hash with a fresh salt and verify only themselves', async (t) => {
  const a = await hashPassword('correct horse battery')
  const b = await hashPassword('correct horse battery')
  t.not(a, b)
  t.match(a, /^scrypt\$16384\$8\$1\$/)
  t.equal(await verifyPassword('correct horse battery', a), true)
  t.equal(await verifyPassword('correct horse batterz', a), false)
  t.equal(await verifyPassword('x', 'md5$abc'), false)
})

test('the offline x402 verifier keeps the reference facilitator\'s time rules: a payment it would settle is accepted', async (t) => {
  const fixedNow = 1_800_000_000
  const verify = offlineX402Verifier(() => fixedNow * 1000)
  const payer = privateKeyToAccount(generatePrivateKey())
  async function verdict (validAfter: number, validBefore: number) {
    const authorization = {
      from: payer.address, to: terms.payTo, value: terms.amount,
      validAfter: String(validAfter), validBefore: String(validBefore), nonce: `0x${'ab'.repeat(32)}` as const
    }
    const signature = await payer.signTypedData(authorizationTypedData(authorization))
    const header = Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base', payload: { signature, authorization } })).toString('base64')
    const decoded = decodePaymentHeader(header, 1)
    if (!decoded.ok) throw new Error(decoded.reason)
    return verify(decoded.payment, terms)
  }
  t.same(await verdict(fixedNow, fixedNow + 6), { valid: true }, 'valid from now, and still valid one block ahead')
  t.same(await verdict(0, fixedNow + 30 * 24 * 3600), { valid: true }, 'a validBefore far past maxTimeoutSeconds is accepted, as the facilitator does')
  t.match(await verdict(fixedNow - 60, fixedNow + 5), { valid: false, reason: /expired/ }, 'less than a block left is refused')
  t.match(await verdict(fixedNow + 1, fixedNow + 120), { valid: false, reason: /not valid yet/ }, 'validAfter in the future is refused')
})
