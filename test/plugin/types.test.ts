// Type tests of the public surface: checked by `tsc --noEmit` (part of `npm test`); the
// runtime assertions check the same routes answer.
import { test } from 'tap'
import Fastify from 'fastify'
import type { AttributionSnapshot, SignupAttribution } from '../../src/contracts.ts'
import { attributionCapturePlugin, DEFAULT_COOKIE_NAME, type AttributionCaptureOptions } from '../../src/plugin/index.ts'
import { SECRET } from './fixtures.ts'

test('the decorations and the route opt-out are typed', async (t) => {
  const app = Fastify()
  const options: AttributionCaptureOptions = { secrets: [SECRET], publicBaseUrl: 'https://app.example.com/' }
  await app.register(attributionCapturePlugin, options)
  app.get('/typed', { config: { attribution: false } }, async (request) => {
    const snapshot: AttributionSnapshot = request.attribution
    const signup: SignupAttribution = request.signupAttribution({ channel: 'x402', method: 'x402_usdc', metadata: { x402_version: 2 } })
    // Compile-time only (never called): what the types refuse.
    const refused = (): void => {
      // @ts-expect-error the snapshot is read-only
      request.attribution = snapshot
      // @ts-expect-error the channel is one of the contract's signup channels
      request.signupAttribution({ channel: 'fax', method: 'x' })
    }
    void refused
    return { kind: snapshot.client_kind, channel: signup.signup_channel }
  })
  // @ts-expect-error the opt-out is a boolean
  app.get('/bad', { config: { attribution: 'no' } }, async () => ({}))
  const res = await app.inject({ url: '/typed', headers: { 'user-agent': 'curl/8.5.0' } })
  t.same(res.json(), { kind: 'automation', channel: 'x402' })
  t.equal(DEFAULT_COOKIE_NAME, 'fw_attr')
})
