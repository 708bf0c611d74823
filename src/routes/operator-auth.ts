/**
 * Operator authentication for operator-only routes (reports, referral codes, ingest).
 *
 * Bearer tokens compared in constant time (hash both sides to equal length first, then
 * `timingSafeEqual`), or a host-supplied `authorize(request)` hook for gateways that already
 * have their own operator identity. 401 without credentials, 403 with wrong ones.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { ERR_FORBIDDEN, ERR_INVALID_OPTION, ERR_UNAUTHORIZED, sendProblem } from '../errors.ts'

/** How operator routes decide who may call them. */
export interface OperatorAuthOptions {
  /** Accepted bearer tokens. At least one unless `authorize` is given. */
  operatorTokens?: readonly string[]
  /**
   * Host-supplied check. Return `true` to allow, `false` to refuse with 403, or
   * `'unauthenticated'` to answer 401. When set, `operatorTokens` is not consulted.
   */
  authorize?: (request: FastifyRequest) => boolean | 'unauthenticated' | Promise<boolean | 'unauthenticated'>
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
const BEARER = /^Bearer[ \t]+(\S+)\s*$/i

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken (authorization: unknown): string | null {
  const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null
  return match === null ? null : match[1] as string
}

/**
 * Builds a constant-time matcher of presented tokens against `tokens` (SHA-256 of both
 * sides, so lengths are equal, then `timingSafeEqual` against every token, with no early
 * exit that would reveal which one matched). It answers the index of the match, or -1.
 */
export function tokenMatcher (tokens: readonly string[]): (presented: string) => number {
  const digests = tokens.map(digest)
  return function matchToken (presented) {
    const presentedDigest = digest(presented)
    let found = -1
    for (const [i, d] of digests.entries()) {
      if (timingSafeEqual(d, presentedDigest) && found === -1) found = i
    }
    return found
  }
}

/** Builds an `onRequest` hook enforcing operator auth; validates the options once. */
export function operatorAuthHook (options: OperatorAuthOptions): onRequestHookHandler {
  const { authorize } = options
  if (authorize !== undefined) {
    if (typeof authorize !== 'function') throw new ERR_INVALID_OPTION('authorize', 'must be a function')
    return async function operatorAuthorize (request: FastifyRequest, reply: FastifyReply) {
      const verdict = await authorize(request)
      if (verdict === true) return
      return sendProblem(reply, verdict === 'unauthenticated' ? new ERR_UNAUTHORIZED() : new ERR_FORBIDDEN())
    }
  }
  const tokens = (options.operatorTokens ?? []).filter((t) => typeof t === 'string' && t.length > 0)
  if (tokens.length === 0) {
    throw new ERR_INVALID_OPTION('operatorTokens', 'give at least one non-empty token, or an authorize function')
  }
  const matchToken = tokenMatcher(tokens)
  return async function operatorBearer (request: FastifyRequest, reply: FastifyReply) {
    const presented = bearerToken(request.headers.authorization)
    if (presented === null) return sendProblem(reply, new ERR_UNAUTHORIZED())
    if (matchToken(presented) === -1) return sendProblem(reply, new ERR_FORBIDDEN())
  }
}
