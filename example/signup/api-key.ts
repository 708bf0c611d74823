/**
 * API-key check for server-to-server signups (`POST /api/tenants`): the presented key is
 * compared with every configured key in constant time (SHA-256 of both sides, so lengths
 * are equal, then `timingSafeEqual`), and no early exit reveals which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** Builds a matcher; it returns the index of the matching key, or -1. */
export function apiKeyMatcher (keys: readonly string[]): (authorization: string | undefined) => number {
  const digests = keys.filter((k) => k.length > 0).map(digest)
  return function matchApiKey (authorization) {
    const match = typeof authorization === 'string' ? /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization) : null
    if (match === null) return -1
    const presented = digest(match[1] as string)
    let found = -1
    for (const [i, d] of digests.entries()) {
      if (timingSafeEqual(d, presented) && found === -1) found = i
    }
    return found
  }
}
