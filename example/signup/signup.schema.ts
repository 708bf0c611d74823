/**
 * TypeBox schemas of the example gateway's five signup paths. Query strings stay open
 * (no `additionalProperties: false`): the capture plugin reads campaign parameters from the
 * same query object, and Fastify would strip unknown keys before the handler runs.
 */
import { Type } from 'typebox'
import { ProblemSchema, REFERRAL_CODE_PATTERN } from '@frameworks/attribution'
import { SUPPORTED_CHAIN_IDS } from './siwe.ts'

const ReferralCode = Type.Optional(Type.String({ pattern: REFERRAL_CODE_PATTERN, description: 'Referral code typed at signup; otherwise the one from the capture cookie applies' }))

export const TenantCreated = Type.Object({ tenant_id: Type.String({ format: 'uuid' }) })

const problems = {
  400: { ...ProblemSchema, description: 'Malformed input' }
}

export const registerSchema = {
  operationId: 'registerWithEmail',
  tags: ['signup'],
  summary: 'Sign up with e-mail and password (channel web, method email_password)',
  body: Type.Object({
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 8, maxLength: 1024 }),
    referral_code: ReferralCode
  }, { additionalProperties: false }),
  response: {
    201: { ...TenantCreated, description: 'The new tenant' },
    ...problems,
    409: { ...ProblemSchema, description: 'The e-mail is registered already' }
  }
}

const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'Wallet address (0x + 40 hex)' })

export const walletChallengeSchema = {
  operationId: 'createWalletChallenge',
  tags: ['signup'],
  summary: 'Issue a Sign-In with Ethereum message (EIP-4361) for a wallet to sign',
  body: Type.Object({
    address: Address,
    chain_id: Type.Union(SUPPORTED_CHAIN_IDS.map((id) => Type.Literal(id)), { description: '1 Ethereum, 8453 Base, 42161 Arbitrum' })
  }, { additionalProperties: false }),
  response: {
    200: Type.Object({
      message: Type.String({ description: 'The EIP-4361 message to sign (personal_sign)' }),
      nonce: Type.String(),
      expires_at: Type.String({ format: 'date-time' })
    }, { description: 'The challenge' }),
    ...problems
  }
}

export const walletLoginSchema = {
  operationId: 'walletLogin',
  tags: ['signup'],
  summary: 'Sign in with a signed SIWE message; a new wallet gets a tenant (channel wallet)',
  body: Type.Object({
    message: Type.String({ minLength: 1, maxLength: 4096 }),
    signature: Type.String({ pattern: '^0x[0-9a-fA-F]{130}$', description: '65-byte EIP-191 signature' }),
    referral_code: ReferralCode
  }, { additionalProperties: false }),
  response: {
    200: { ...TenantCreated, description: 'A returning wallet: its tenant' },
    201: { ...TenantCreated, description: 'A new wallet: the new tenant' },
    ...problems,
    401: { ...ProblemSchema, description: 'Signature, nonce or message did not check out' }
  }
}

export const x402ProvisionSchema = {
  operationId: 'provisionWithX402',
  tags: ['signup'],
  summary: 'Provision a tenant paid with x402 (USDC on Base); without payment answers 402 with the requirements',
  response: {
    200: { ...TenantCreated, description: 'This payment provisioned a tenant already: that tenant' },
    201: { ...TenantCreated, description: 'The new tenant' },
    ...problems,
    402: Type.Object({
      type: Type.String(),
      title: Type.String(),
      status: Type.Integer(),
      detail: Type.String(),
      code: Type.String(),
      x402Version: Type.Literal(1),
      error: Type.String(),
      accepts: Type.Array(Type.Object({}, { additionalProperties: true }))
    }, { description: 'Payment required: problem details with the x402 v1 requirements (`accepts`); v2 in the PAYMENT-REQUIRED header' })
  }
}

const Utm = {
  utm_source: Type.Optional(Type.String({ maxLength: 200 })),
  utm_medium: Type.Optional(Type.String({ maxLength: 200 })),
  utm_campaign: Type.Optional(Type.String({ maxLength: 200 })),
  utm_content: Type.Optional(Type.String({ maxLength: 200 })),
  utm_term: Type.Optional(Type.String({ maxLength: 200 }))
}

export const apiTenantSchema = {
  operationId: 'createTenantWithApiKey',
  tags: ['signup'],
  summary: 'Create a tenant server-to-server with an API key (channel api, method api_key)',
  body: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...Utm,
    referral_code: ReferralCode
  }, { additionalProperties: false, description: 'Optional: a request without a body is `{}`' }),
  querystring: Type.Object(Utm),
  response: {
    201: { ...TenantCreated, description: 'The new tenant' },
    ...problems,
    401: { ...ProblemSchema, description: 'Missing or unknown API key' }
  }
}
