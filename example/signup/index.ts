/**
 * The example gateway's five signup paths, each creating its tenant and calling
 * `recordSignup` in ONE transaction, with the attribution from the capture plugin
 * (`request.signupAttribution`, given the referral code typed into the form and, on the API
 * path, the UTM fields of the JSON body):
 * - `POST /auth/register` (web / email_password)
 * - `POST /auth/wallet-challenge` + `POST /auth/wallet-login` (wallet / wallet_<chain>; the
 *   same routes driven by an agent are the wallet-agent path: `is_agent` and `client_kind`
 *   come from the capture plugin's client classification)
 * - `POST /x402/provision` (x402 / x402_usdc)
 * - `POST /api/tenants` (api / api_key)
 *
 * Glue only: SIWE, x402, passwords and API keys are pure sibling modules. Every signup
 * answers 201 `{ tenant_id }`; bad input is a 4xx problem+json.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Address } from 'viem'
import {
  ERR_AUTHENTICATION_FAILED, ERR_BAD_REQUEST, ERR_CONFLICT, ERR_INVALID_OPTION, ERR_PAYMENT_REQUIRED, recordSignup, toProblem,
  type AttributionTelemetry, type SignupAttribution
} from '@frameworks/attribution'
import { apiKeyMatcher } from './api-key.ts'
import {
  claimX402Payment, insertTenant, insertUser, spendWalletNonce, storeWalletNonce, tenantOfWallet,
  type ExampleDb, type ExampleTrx
} from './example.repository.ts'
import { hashPassword } from './password.ts'
import {
  apiTenantSchema, registerSchema, walletChallengeSchema, walletLoginSchema, x402ProvisionSchema
} from './signup.schema.ts'
import { checkLogin, createChallenge, siweSite } from './siwe.ts'
import {
  DEFAULT_MAX_TIMEOUT_SECONDS, DEFAULT_X402_AMOUNT, decodePaymentHeader, offlineX402Verifier, paymentRequiredV2,
  requirementsV1, type X402Terms, type X402Verifier
} from './x402.ts'

/** Where the example's x402 payments go when nothing is configured (a burn-style address). */
export const DEFAULT_X402_PAY_TO: Address = '0x000000000000000000000000000000000000dEaD'

export interface SignupRoutesOptions {
  /** Kysely over the example's database (package tables + tenants, users, …). */
  db: ExampleDb
  /** The public site: SIWE domain/URI and the x402 resource URL derive from it. */
  publicBaseUrl: string
  /** Keys accepted by `POST /api/tenants` (an empty list turns that path off: 401). */
  apiKeys: readonly string[]
  x402?: {
    /** Recipient. Default `DEFAULT_X402_PAY_TO`. */
    payTo?: Address
    /** Price in USDC atomic units. Default `DEFAULT_X402_AMOUNT` (0.01 USDC). */
    amount?: string
    /** Default `offlineX402Verifier()`; production passes a facilitator client. */
    verifier?: X402Verifier
  }
  /** Clock in milliseconds (tests). Default `Date.now`. */
  now?: () => number
  /** Where `recordSignup` counts signups (`createAttributionMetrics().telemetry`). Default: nowhere. */
  telemetry?: AttributionTelemetry
}

/** Thrown inside a signup transaction to roll it back and answer with an existing tenant. */
class ExistingTenant {
  constructor (readonly tenantId: string) {}
}

const signupRoutes: FastifyPluginAsyncTypebox<SignupRoutesOptions> = async function signupRoutes (app, options) {
  const { db } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  const now = options.now ?? Date.now
  const site = siweSite(options.publicBaseUrl)
  const matchApiKey = apiKeyMatcher(options.apiKeys)
  const terms: X402Terms = Object.freeze({
    payTo: options.x402?.payTo ?? DEFAULT_X402_PAY_TO,
    amount: options.x402?.amount ?? DEFAULT_X402_AMOUNT,
    maxTimeoutSeconds: DEFAULT_MAX_TIMEOUT_SECONDS,
    resource: new URL('/x402/provision', options.publicBaseUrl).href,
    description: 'Provision a FrameWorks tenant'
  })
  if (!/^\d{1,30}$/.test(terms.amount)) throw new ERR_INVALID_OPTION('x402.amount', 'must be an integer amount of atomic units')
  const verifyPayment = options.x402?.verifier ?? offlineX402Verifier(now)

  /** One transaction: the host's writes, then `recordSignup`. */
  async function createTenant (
    attribution: SignupAttribution,
    hostWrites: (trx: ExampleTrx, tenantId: string) => Promise<string | null>,
    name: string | null = null
  ): Promise<string> {
    const tenantId = randomUUID()
    await db.transaction().execute(async (trx) => {
      await insertTenant(trx, tenantId, name)
      const userId = await hostWrites(trx, tenantId)
      await recordSignup(trx, { tenantId, userId, attribution, ...(options.telemetry !== undefined ? { telemetry: options.telemetry } : {}) })
    })
    return tenantId
  }

  app.post('/auth/register', { schema: registerSchema }, async (request, reply) => {
    const { email, password, referral_code: code } = request.body
    const passwordHash = await hashPassword(password)
    const attribution = request.signupAttribution({ channel: 'web', method: 'email_password', referralCode: code })
    const tenantId = await createTenant(attribution, async (trx, tenantId) => {
      const userId = randomUUID()
      const inserted = await insertUser(trx, { id: userId, tenant_id: tenantId, email: email.toLowerCase(), password_hash: passwordHash })
      if (!inserted) throw new ERR_CONFLICT('This e-mail is registered already')
      return userId
    })
    return reply.code(201).send({ tenant_id: tenantId })
  })

  app.post('/auth/wallet-challenge', { schema: walletChallengeSchema }, async (request) => {
    const { address, chain_id: chainId } = request.body
    const challenge = createChallenge(site, address, chainId, new Date(now()))
    if (challenge === null) throw new ERR_BAD_REQUEST('Invalid address or unsupported chain')
    await storeWalletNonce(db, challenge.nonce, challenge.address, chainId, challenge.expiresAt)
    return { message: challenge.message, nonce: challenge.nonce, expires_at: challenge.expiresAt.toISOString() }
  })

  app.post('/auth/wallet-login', { schema: walletLoginSchema }, async (request, reply) => {
    const { message, signature, referral_code: code } = request.body
    const at = new Date(now())
    const check = await checkLogin(site, message, signature, at)
    if (!check.ok) throw new ERR_AUTHENTICATION_FAILED(`Wallet sign-in refused: ${check.reason}`)
    const attribution = request.signupAttribution({
      channel: 'wallet', method: check.method, metadata: { chain_id: check.chainId }, referralCode: code
    })
    try {
      const tenantId = await createTenant(attribution, async (trx, tenantId) => {
        if (!await spendWalletNonce(trx, check.nonce, check.address, check.chainId, at)) {
          throw new ERR_AUTHENTICATION_FAILED('Wallet sign-in refused: the nonce is unknown, used or expired')
        }
        const existing = await tenantOfWallet(trx, check.address)
        if (existing !== undefined) throw new ExistingTenant(existing)
        const userId = randomUUID()
        if (!await insertUser(trx, { id: userId, tenant_id: tenantId, wallet_address: check.address.toLowerCase() })) {
          throw new ERR_CONFLICT('This wallet signed up concurrently; sign in again')
        }
        return userId
      })
      return reply.code(201).send({ tenant_id: tenantId })
    } catch (err) {
      if (!(err instanceof ExistingTenant)) throw err
      // A returning wallet: spend the nonce (the rolled-back transaction did not), no signup.
      await db.transaction().execute((trx) => spendWalletNonce(trx, check.nonce, check.address, check.chainId, at))
      return reply.code(200).send({ tenant_id: err.tenantId })
    }
  })

  function paymentRequired (reply: FastifyReply, error: string): FastifyReply {
    const problem = toProblem(new ERR_PAYMENT_REQUIRED(error))
    return reply
      .code(402)
      .type('application/problem+json')
      .header('payment-required', Buffer.from(JSON.stringify(paymentRequiredV2(terms, error))).toString('base64'))
      .send({ ...problem, x402Version: 1, error, accepts: [requirementsV1(terms)] })
  }

  function paymentHeader (request: FastifyRequest): { value: string, version: 1 | 2 } | null {
    const v2 = request.headers['payment-signature']
    if (typeof v2 === 'string' && v2 !== '') return { value: v2, version: 2 }
    const v1 = request.headers['x-payment']
    if (typeof v1 === 'string' && v1 !== '') return { value: v1, version: 1 }
    return null
  }

  app.post('/x402/provision', { schema: x402ProvisionSchema }, async (request, reply) => {
    const header = paymentHeader(request)
    if (header === null) return paymentRequired(reply, 'X-PAYMENT or PAYMENT-SIGNATURE header is required')
    const decoded = decodePaymentHeader(header.value, header.version)
    if (!decoded.ok) throw new ERR_BAD_REQUEST(`Malformed x402 payment: ${decoded.reason}`)
    const { payment } = decoded
    const verdict = await verifyPayment(payment, terms)
    if (!verdict.valid) return paymentRequired(reply, `Payment refused: ${verdict.reason}`)
    const attribution = request.signupAttribution({
      channel: 'x402',
      method: 'x402_usdc',
      metadata: { x402_version: payment.version, x402_scheme: payment.scheme, x402_network: payment.network, x402_asset: 'USDC' }
    })
    try {
      const tenantId = await createTenant(attribution, async (trx, tenantId) => {
        const existing = await claimX402Payment(trx, payment.authorization.nonce, tenantId)
        if (existing !== undefined) throw new ExistingTenant(existing)
        return null
      })
      return reply.code(201).send({ tenant_id: tenantId })
    } catch (err) {
      if (err instanceof ExistingTenant) return reply.code(200).send({ tenant_id: err.tenantId })
      throw err
    }
  })

  app.post('/api/tenants', {
    schema: apiTenantSchema,
    // The body is optional: a bare POST (UTM in the query only) validates as `{}`.
    preValidation: async (request) => { if (request.body === undefined || request.body === null) request.body = {} }
  }, async (request, reply) => {
    const keyIndex = matchApiKey(request.headers.authorization)
    if (keyIndex === -1) throw new ERR_AUTHENTICATION_FAILED('A valid API key is required (Authorization: Bearer <key>)')
    const { name, referral_code: referralCode, ...utm } = request.body
    // UTM fields of the body replace the query's; the code counts as if typed in a form.
    const attribution = request.signupAttribution({ channel: 'api', method: 'api_key', metadata: { api_client: `key_${keyIndex + 1}` }, referralCode, utm })
    const tenantId = await createTenant(attribution, async () => null, name ?? null)
    return reply.code(201).send({ tenant_id: tenantId })
  })
}

/** The signup routes; needs the capture plugin registered first. */
export const signupRoutesPlugin = fp(signupRoutes, {
  fastify: '5.x',
  name: 'frameworks-example-signup',
  dependencies: ['@frameworks/attribution-capture']
})

export default signupRoutesPlugin
