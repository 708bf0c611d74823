/**
 * Coded errors of the package, and the one error handler that answers them as
 * problem+json (RFC 9457).
 *
 * Why one module: every 4xx the package emits has a stable `code` a client can branch on,
 * and no handler ever logs headers, cookies or bodies. Fastify's own validation errors
 * (ajv) and body-parser errors are mapped here too, so bad input never becomes a 500.
 */
import createError from '@fastify/error'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

/** Registration-time option errors: they stop `register()` with the option's name. */
export const ERR_INVALID_OPTION = createError<[string, string]>(
  'FW_ATTR_INVALID_OPTION',
  '@frameworks/attribution: option "%s" is invalid: %s',
  500
)

export const ERR_BAD_REQUEST = createError<[string]>('FW_ATTR_BAD_REQUEST', '%s', 400)
export const ERR_UNAUTHORIZED = createError<[]>('FW_ATTR_UNAUTHORIZED', 'Missing operator credentials', 401)
export const ERR_FORBIDDEN = createError<[]>('FW_ATTR_FORBIDDEN', 'These credentials may not use operator routes', 403)
export const ERR_NOT_FOUND = createError<[string]>('FW_ATTR_NOT_FOUND', '%s', 404)
export const ERR_CONFLICT = createError<[string]>('FW_ATTR_CONFLICT', '%s', 409)
export const ERR_PAYMENT_REQUIRED = createError<[string]>('FW_ATTR_PAYMENT_REQUIRED', '%s', 402)
export const ERR_UNAVAILABLE = createError<[string]>('FW_ATTR_UNAVAILABLE', '%s', 503)
/** Too many requests from one client (the public network stats' rate limit). */
export const ERR_RATE_LIMITED = createError<[string]>('FW_ATTR_RATE_LIMITED', '%s', 429)
/** A signup credential (wallet signature, API key) did not check out. */
export const ERR_AUTHENTICATION_FAILED = createError<[string]>('FW_ATTR_AUTHENTICATION_FAILED', '%s', 401)

/** An embedded engine (an optional dependency) was asked for but is not installed. */
export const ERR_ENGINE_MISSING = createError<[string, string, string]>(
  'FW_ATTR_ENGINE_MISSING',
  '@frameworks/attribution: %s is not installed (it is an optional dependency). Install it with `npm install %s`, or give `%s` to use a server',
  500
)

/**
 * Imports an optional dependency; when it is not installed, throws `ERR_ENGINE_MISSING`
 * naming the package to install and the option that avoids it.
 */
export async function importOptional<T> (load: () => Promise<T>, engine: string, pkg: string, serverOption: string): Promise<T> {
  try {
    return await load()
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code
    // Node names it by code; a loader in between (a test runner's) may keep only the message.
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' ||
      (err instanceof Error && /^Cannot find (package|module)/.test(err.message) && err.message.includes(`'${pkg}`))
    if (notFound) throw Object.assign(new ERR_ENGINE_MISSING(engine, pkg, serverOption), { cause: err })
    throw err
  }
}

/** The problem+json body every error answer carries. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  /** The offending parameter, where validation names one. */
  param?: string
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

interface ValidationIssue { instancePath?: string, params?: Record<string, unknown>, message?: string }

/** The parameter a validation error is about: `/from` → `from`, a missing one → its name. */
function validationParam (error: FastifyError): string | undefined {
  const first = (error.validation as ValidationIssue[] | undefined)?.[0]
  if (first === undefined) return undefined
  const missing = first.params?.missingProperty
  if (typeof missing === 'string') return missing
  const extra = first.params?.additionalProperty
  if (typeof extra === 'string') return extra
  const path = first.instancePath?.replace(/^\//, '').split('/')[0]
  return path === '' ? undefined : path
}

/**
 * Builds the problem body for an error; 5xx details are never echoed to the client, nor
 * the codes of other libraries (a Postgres SQLSTATE, a ClickHouse error number) on a 5xx.
 */
export function toProblem (error: FastifyError): Problem {
  let status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
    ? error.statusCode
    : 500
  if (error.code === ERR_INVALID_OPTION.prototype.code) status = 500
  const internal = status >= 500 && !(typeof error.code === 'string' && error.code.startsWith('FW_ATTR_'))
  const problem: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: status >= 500 ? 'The server could not complete the request' : error.message,
    code: internal ? 'FW_ATTR_INTERNAL' : error.code ?? 'FW_ATTR_BAD_REQUEST'
  }
  if (error.validation !== undefined) {
    problem.code = 'FW_ATTR_VALIDATION'
    const param = validationParam(error)
    if (param !== undefined) {
      problem.param = param
      problem.detail = `Invalid parameter "${param}": ${error.message}`
    }
  }
  return problem
}

/**
 * Fastify error handler answering problem+json. Logs 5xx with the error only (no request
 * headers, cookies or bodies), 4xx at debug level.
 */
export function problemErrorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error)
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
  else request.log.debug({ code: problem.code, status: problem.status }, 'request rejected')
  if (reply.sent || reply.raw.headersSent) return
  void reply.code(problem.status).type('application/problem+json').send(problem)
}

/** Sends a problem+json answer directly (for hooks that answer before a handler). */
export function sendProblem (reply: FastifyReply, error: FastifyError): FastifyReply {
  const problem = toProblem(error)
  return reply.code(problem.status).type('application/problem+json').send(problem)
}
