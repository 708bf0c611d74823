/**
 * Operator authentication, shared by every operator plugin (reports, referral codes, tenant
 * attribution, ingest): each one takes `OperatorAuthOptions` and refuses to register without
 * them, so no operator route is ever open by accident, wherever the host registers it.
 *
 * Bearer tokens compared in constant time (hash both sides to equal length first, then
 * `timingSafeEqual`), or a host-supplied `authorize(request)` hook for gateways that already
 * have their own operator identity. 401 without credentials, 403 with wrong ones. The
 * credential that passed is remembered per request (`operatorOf`) for audit records: a
 * token's fingerprint, never the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { ERR_FORBIDDEN, ERR_INVALID_OPTION, ERR_UNAUTHORIZED, sendProblem } from '../errors.ts'

/** How operator routes decide who may call them. */
export interface OperatorAuthOptions {
  /** Accepted bearer tokens. At least one unless `authorize` is given. */
  operatorTokens?: readonly string[]
  /**
   * Host-supplied check. Return `true` (or `{ operator }`, naming the operator for audit
   * records) to allow, `false` to refuse with 403, or `'unauthenticated'` to answer 401.
   * When set, `operatorTokens` is not consulted.
   */
  authorize?: (request: FastifyRequest) => AuthorizeVerdict | Promise<AuthorizeVerdict>
}

/** What an `authorize` hook answers. */
export type AuthorizeVerdict = boolean | 'unauthenticated' | { operator: string }

const operators = new WeakMap<FastifyRequest, string>()

/**
 * The identifier of the operator credential that authorized this request: `token:` and the
 * first 12 hex digits of the token's SHA-256 for bearer tokens, the hook's `operator` (or
 * `authorize`) for a host hook; undefined outside operator routes.
 */
export function operatorOf (request: FastifyRequest): string | undefined {
  return operators.get(request)
}

/** The fingerprint an audit record keeps of a bearer token (not reversible, not the token). */
export function tokenFingerprint (token: string): string {
  return `token:${digest(token).toString('hex').slice(0, 12)}`
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
      if (verdict === true) { operators.set(request, 'authorize'); return }
      if (typeof verdict === 'object' && verdict !== null && typeof verdict.operator === 'string') {
        operators.set(request, verdict.operator)
        return
      }
      return sendProblem(reply, verdict === 'unauthenticated' ? new ERR_UNAUTHORIZED() : new ERR_FORBIDDEN())
    }
  }
  const tokens = (options.operatorTokens ?? []).filter((t) => typeof t === 'string' && t.length > 0)
  if (tokens.length === 0) {
    throw new ERR_INVALID_OPTION('operatorTokens', 'give at least one non-empty token, or an authorize function')
  }
  const matchToken = tokenMatcher(tokens)
  const fingerprints = tokens.map(tokenFingerprint)
  return async function operatorBearer (request: FastifyRequest, reply: FastifyReply) {
    const presented = bearerToken(request.headers.authorization)
    if (presented === null) return sendProblem(reply, new ERR_UNAUTHORIZED())
    const index = matchToken(presented)
    if (index === -1) return sendProblem(reply, new ERR_FORBIDDEN())
    operators.set(request, fingerprints[index] as string)
  }
}

/**
 * Adds operator auth to an operator plugin's own (encapsulated) instance, from the plugin's
 * options; throws `ERR_INVALID_OPTION` when they hold neither tokens nor a hook, so the
 * plugin refuses to register.
 */
export function requireOperatorAuth (app: FastifyInstance, options: OperatorAuthOptions): void {
  app.addHook('onRequest', operatorAuthHook(options))
}
