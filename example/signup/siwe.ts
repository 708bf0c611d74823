/**
 * Sign-In with Ethereum (EIP-4361) for the example's wallet signup, on viem's SIWE
 * utilities: the server issues the message (its domain, URI, a random nonce, an expiry);
 * the wallet signs it (EIP-191 `personal_sign`); the server parses it back, checks every
 * field it issued, and recovers the signer offline (`verifyMessage`, no RPC).
 *
 * Only externally owned accounts verify offline; smart-contract wallets (ERC-1271/6492)
 * need viem's `verifySiweMessage` with a public client (an RPC). The chain id is the one
 * coarse signal attribution keeps: it picks the signup method. The address never leaves
 * the example's own `users` table.
 */
import { getAddress, isAddress, verifyMessage, type Address, type Hex } from 'viem'
import { createSiweMessage, generateSiweNonce, parseSiweMessage, validateSiweMessage } from 'viem/siwe'

/** Chains a wallet may sign in on, and the signup method each records. */
export const WALLET_METHODS: Readonly<Record<number, 'wallet_ethereum' | 'wallet_base' | 'wallet_arbitrum'>> = Object.freeze({
  1: 'wallet_ethereum',
  8453: 'wallet_base',
  42161: 'wallet_arbitrum'
})
export const SUPPORTED_CHAIN_IDS: readonly number[] = Object.freeze(Object.keys(WALLET_METHODS).map(Number))
export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60_000
export const SIWE_STATEMENT = 'Sign in to FrameWorks.'

export interface SiweSite {
  /** RFC 3986 authority the message is bound to (host[:port] of the public site). */
  domain: string
  /** The public site's URL. */
  uri: string
  /** `https` or `http`. */
  scheme: string
}

/** The site a public base URL describes. */
export function siweSite (publicBaseUrl: string): SiweSite {
  const url = new URL(publicBaseUrl)
  return { domain: url.host, uri: url.href, scheme: url.protocol.replace(':', '') }
}

export interface Challenge {
  message: string
  nonce: string
  address: Address
  expiresAt: Date
}

/** Issues a challenge for an address on a supported chain; `null` for bad input. */
export function createChallenge (site: SiweSite, address: string, chainId: number, now: Date, ttlMs = DEFAULT_CHALLENGE_TTL_MS): Challenge | null {
  if (!isAddress(address, { strict: false }) || !SUPPORTED_CHAIN_IDS.includes(chainId)) return null
  const checksummed = getAddress(address)
  const nonce = generateSiweNonce()
  const expiresAt = new Date(now.getTime() + ttlMs)
  const message = createSiweMessage({
    address: checksummed,
    chainId,
    domain: site.domain,
    uri: site.uri,
    scheme: site.scheme,
    version: '1',
    nonce,
    issuedAt: now,
    expirationTime: expiresAt,
    statement: SIWE_STATEMENT
  })
  return { message, nonce, address: checksummed, expiresAt }
}

export type LoginCheck =
  | { ok: true, address: Address, chainId: number, nonce: string, method: string }
  | { ok: false, reason: string }

/**
 * Checks a signed message offline: well-formed EIP-4361, issued for this site, on a
 * supported chain, within its validity window, and signed by its address. The nonce is
 * returned for the caller to spend (single use lives in the database).
 */
export async function checkLogin (site: SiweSite, message: string, signature: string, now: Date): Promise<LoginCheck> {
  const parsed = parseSiweMessage(message)
  const { address, chainId, nonce } = parsed
  if (address === undefined || chainId === undefined || nonce === undefined || parsed.version !== '1' || parsed.uri === undefined) {
    return { ok: false, reason: 'message is not an EIP-4361 message' }
  }
  const method = WALLET_METHODS[chainId]
  if (method === undefined) return { ok: false, reason: `chain ${chainId} is not supported` }
  if (parsed.uri !== site.uri || parsed.expirationTime === undefined) return { ok: false, reason: 'message was not issued by this site' }
  if (!validateSiweMessage({ message: parsed, domain: site.domain, scheme: site.scheme, time: now })) {
    return { ok: false, reason: 'message is for another site or outside its validity window' }
  }
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return { ok: false, reason: 'signature is not a 65-byte hex signature' }
  let valid = false
  try {
    valid = await verifyMessage({ address, message, signature: signature as Hex })
  } catch {
    valid = false
  }
  if (!valid) return { ok: false, reason: 'signature does not match the message address' }
  return { ok: true, address, chainId, nonce, method }
}
