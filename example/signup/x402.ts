/**
 * x402 paid provisioning for the example gateway: the payment requirements (USDC on Base,
 * `exact` scheme), decoding of the paying retry's header, and an offline verifier.
 *
 * Protocol versions: v1 answers 402 with a JSON body `{ x402Version: 1, error, accepts[] }`
 * (network `base`, `maxAmountRequired`) and reads `X-PAYMENT`; v2 sends the requirements
 * base64-encoded in a `PAYMENT-REQUIRED` header (CAIP-2 network `eip155:8453`, `amount`)
 * and reads `PAYMENT-SIGNATURE`. Both carry base64 JSON with an EIP-3009
 * `transferWithAuthorization` signature.
 *
 * Verification is pluggable: production asks a facilitator (`/verify`, then `/settle`);
 * `offlineX402Verifier` checks structure, scheme, network, asset, recipient, amount, time
 * window and the EIP-712 signature locally, without settling anything on chain. Attribution
 * keeps version, scheme, network and asset; never the payer.
 */
import { getAddress, isAddress, verifyTypedData, type Address, type Hex } from 'viem'

export const BASE_CHAIN_ID = 8453
/** USDC on Base mainnet, and its EIP-712 domain (`name()` / `version()` of the contract). */
export const USDC_BASE: Address = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'
export const USDC_EIP712_NAME = 'USD Coin'
export const USDC_EIP712_VERSION = '2'
/** 0.01 USDC (6 decimals). */
export const DEFAULT_X402_AMOUNT = '10000'
export const DEFAULT_MAX_TIMEOUT_SECONDS = 300

const NETWORK_V1 = 'base'
const NETWORK_V2 = `eip155:${BASE_CHAIN_ID}`

export interface X402Terms {
  /** Recipient of the payment. */
  payTo: Address
  /** Price in the asset's atomic units (USDC: 6 decimals). */
  amount: string
  /** Seconds a signed authorization may stay valid. */
  maxTimeoutSeconds: number
  /** Absolute URL of the paid resource. */
  resource: string
  description: string
}

/** The v1 `accepts[]` entry. */
export function requirementsV1 (terms: X402Terms) {
  return {
    scheme: 'exact',
    network: NETWORK_V1,
    maxAmountRequired: terms.amount,
    resource: terms.resource,
    description: terms.description,
    mimeType: 'application/json',
    payTo: terms.payTo,
    maxTimeoutSeconds: terms.maxTimeoutSeconds,
    asset: USDC_BASE,
    extra: { name: USDC_EIP712_NAME, version: USDC_EIP712_VERSION }
  }
}

/** The v2 `PAYMENT-REQUIRED` object (base64-encode its JSON for the header). */
export function paymentRequiredV2 (terms: X402Terms, error: string) {
  return {
    x402Version: 2,
    error,
    resource: { url: terms.resource, description: terms.description, mimeType: 'application/json' },
    accepts: [{
      scheme: 'exact',
      network: NETWORK_V2,
      amount: terms.amount,
      asset: USDC_BASE,
      payTo: terms.payTo,
      maxTimeoutSeconds: terms.maxTimeoutSeconds,
      extra: { name: USDC_EIP712_NAME, version: USDC_EIP712_VERSION }
    }]
  }
}

/** An EIP-3009 authorization as x402 carries it (integers as decimal strings). */
export interface Authorization {
  from: Address
  to: Address
  value: string
  validAfter: string
  validBefore: string
  nonce: Hex
}

/** A decoded, structurally valid payment header. */
export interface X402Payment {
  version: 1 | 2
  scheme: string
  network: string
  /** v2 names the asset it pays with; v1 implies the requirement's. */
  asset: string | null
  signature: Hex
  authorization: Authorization
}

export type DecodeResult = { ok: true, payment: X402Payment } | { ok: false, reason: string }

const MAX_HEADER = 8192
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/
const UINT = /^\d{1,78}$/
const NONCE = /^0x[0-9a-fA-F]{64}$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const str = (v: unknown): string | null => typeof v === 'string' ? v : null

/** Decodes `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2): base64 JSON of a payment payload. */
export function decodePaymentHeader (value: string, headerVersion: 1 | 2): DecodeResult {
  if (value.length > MAX_HEADER) return { ok: false, reason: 'payment header is too large' }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8'))
  } catch {
    return { ok: false, reason: 'payment header is not base64-encoded JSON' }
  }
  if (!isObject(json)) return { ok: false, reason: 'payment header is not a JSON object' }
  if (json.x402Version !== headerVersion) return { ok: false, reason: `payment header must carry x402Version ${headerVersion}` }
  const accepted = headerVersion === 2 ? json.accepted : json
  if (!isObject(accepted)) return { ok: false, reason: 'payment payload lacks "accepted"' }
  const scheme = str(accepted.scheme)
  const network = str(accepted.network)
  if (scheme === null || network === null) return { ok: false, reason: 'payment payload lacks scheme or network' }
  const payload = json.payload
  if (!isObject(payload) || !isObject(payload.authorization)) return { ok: false, reason: 'payment payload lacks an authorization' }
  const signature = str(payload.signature)
  if (signature === null || !SIGNATURE.test(signature)) return { ok: false, reason: 'payment signature is not a 65-byte hex signature' }
  const a = payload.authorization
  const from = str(a.from)
  const to = str(a.to)
  const nonce = str(a.nonce)
  const fields = [str(a.value), str(a.validAfter), str(a.validBefore)]
  if (from === null || !HEX_ADDRESS.test(from) || to === null || !HEX_ADDRESS.test(to)) return { ok: false, reason: 'authorization from/to are not addresses' }
  if (nonce === null || !NONCE.test(nonce)) return { ok: false, reason: 'authorization nonce is not 32 bytes of hex' }
  if (fields.some((f) => f === null || !UINT.test(f))) return { ok: false, reason: 'authorization value/validAfter/validBefore are not integers' }
  const [amount, validAfter, validBefore] = fields as [string, string, string]
  const asset = headerVersion === 2 ? str(accepted.asset) : null
  return {
    ok: true,
    payment: {
      version: headerVersion,
      scheme,
      network,
      asset,
      signature: signature as Hex,
      authorization: { from: from as Address, to: to as Address, value: amount, validAfter, validBefore, nonce: nonce as Hex }
    }
  }
}

export type X402Verification = { valid: true } | { valid: false, reason: string }

/**
 * Decides whether a decoded payment pays the terms. Production: a facilitator call
 * (verify, then settle). Must not throw for a bad payment; return `{ valid: false }`.
 */
export type X402Verifier = (payment: X402Payment, terms: X402Terms) => Promise<X402Verification>

const TRANSFER_WITH_AUTHORIZATION = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' }
  ]
} as const

/** The EIP-712 domain of USDC on Base. */
export const USDC_BASE_DOMAIN = Object.freeze({
  name: USDC_EIP712_NAME,
  version: USDC_EIP712_VERSION,
  chainId: BASE_CHAIN_ID,
  verifyingContract: USDC_BASE
})

/** The typed data a payer signs for an authorization (for clients and tests). */
export function authorizationTypedData (authorization: Authorization) {
  return {
    domain: USDC_BASE_DOMAIN,
    types: TRANSFER_WITH_AUTHORIZATION,
    primaryType: 'TransferWithAuthorization' as const,
    message: {
      from: authorization.from,
      to: authorization.to,
      value: BigInt(authorization.value),
      validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore),
      nonce: authorization.nonce
    }
  }
}

/** Seconds an authorization must outlive now: one Base block, as the reference facilitator asks. */
export const BLOCK_TIME_MARGIN_SECONDS = 6n

/**
 * The example's offline verifier: checks scheme, network, asset, recipient, amount, time
 * window (the reference facilitator's: `validAfter` ≤ now and `validBefore` ≥ now + 6 s) and
 * the EIP-712 signature. It settles nothing: single use is the caller's job (the
 * example records each authorization nonce once).
 */
export function offlineX402Verifier (now: () => number = Date.now): X402Verifier {
  return async function verifyOffline (payment, terms) {
    const { authorization: a } = payment
    if (payment.scheme !== 'exact') return { valid: false, reason: `scheme ${payment.scheme} is not accepted` }
    const expectedNetwork = payment.version === 1 ? NETWORK_V1 : NETWORK_V2
    if (payment.network !== expectedNetwork) return { valid: false, reason: `network ${payment.network} is not accepted` }
    if (payment.asset !== null && (!isAddress(payment.asset, { strict: false }) || getAddress(payment.asset) !== USDC_BASE)) {
      return { valid: false, reason: 'asset is not USDC on Base' }
    }
    if (getAddress(a.to) !== getAddress(terms.payTo)) return { valid: false, reason: 'payment is not to this gateway' }
    if (BigInt(a.value) < BigInt(terms.amount)) return { valid: false, reason: 'amount is below the price' }
    // The reference facilitator's time rules for `exact` on EVM: still valid one block from
    // now (validBefore ≥ now + 6 s), already valid now (validAfter ≤ now), and no upper bound
    // on validBefore, so a payment it would settle is never refused here.
    const seconds = BigInt(Math.floor(now() / 1000))
    if (BigInt(a.validAfter) > seconds) return { valid: false, reason: 'authorization is not valid yet' }
    if (BigInt(a.validBefore) < seconds + BLOCK_TIME_MARGIN_SECONDS) return { valid: false, reason: 'authorization has expired' }
    let valid = false
    try {
      valid = await verifyTypedData({ address: a.from, ...authorizationTypedData(a), signature: payment.signature })
    } catch {
      valid = false
    }
    return valid ? { valid: true } : { valid: false, reason: 'signature does not match the authorization' }
  }
}
