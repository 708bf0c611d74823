/**
 * API-key check for server-to-server signups (`POST /api/tenants`): the presented bearer
 * key is compared with every configured key in constant time by the package's token matcher
 * (the operator routes' own: SHA-256 of both sides, then `timingSafeEqual`, with no early
 * exit that would reveal which key matched).
 */
import { bearerToken, tokenMatcher } from '@frameworks/attribution'

/** Builds a matcher; it returns the index of the matching key, or -1. */
export function apiKeyMatcher (keys: readonly string[]): (authorization: string | undefined) => number {
  const matchKey = tokenMatcher(keys.filter((k) => k.length > 0))
  return function matchApiKey (authorization) {
    const presented = bearerToken(authorization)
    return presented === null ? -1 : matchKey(presented)
  }
}
