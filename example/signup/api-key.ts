/**
 * API-key check for server-to-server signups (`POST /api/tenants`): the presented bearer
 * key is compared with every configured key in constant time (SHA-256 of both sides, so the
 * lengths are equal, then `timingSafeEqual`), with no early exit that would reveal which
 * key matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
const BEARER = /^Bearer[ \t]+(\S+)\s*$/i

/** Builds a matcher; it returns the index of the matching key, or -1. */
export function apiKeyMatcher (keys: readonly string[]): (authorization: string | undefined) => number {
  const digests = keys.filter((k) => k.length > 0).map(digest)
  return function matchApiKey (authorization) {
    const presented = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined
    if (presented === undefined) return -1
    const presentedDigest = digest(presented)
    let found = -1
    for (const [i, d] of digests.entries()) {
      if (timingSafeEqual(d, presentedDigest) && found === -1) found = i
    }
    return found
  }
}
