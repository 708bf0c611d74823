/**
 * The capture itself, per request: the client's class, the touch the request carries, the
 * verified cookie, consent, the state after the request, and the cookie written for it.
 *
 * Why apart from the plugin entry: this is the work; the entry only wires it to hooks,
 * routes and decorators. Everything is computed lazily and kept on the request under a
 * Symbol, so an ordinary request that never asks does no cookie work.
 */
import { Signer, type SerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Touch } from '../contracts.ts'
import type { CaptureDecision } from '../shared/telemetry.ts'
import { hostOf, landingPageOf, sanitizeUrl } from '../shared/sanitize.ts'
import { createClientClassifier, type ClientClass } from './client-kind.ts'
import {
  createCookieReader, encodeFresh, encodePayload, encodeRenewed, encodeReturn, encodeWithin, SIGNATURE_LENGTH, type StoredCookie
} from './cookie-codec.ts'
import type { CookieLibrary } from './cookie-library.ts'
import type { CaptureSettings } from './options.ts'
import { createParamReader, signalParamNames, type CampaignParams } from './params.ts'
import { buildTouch, externalReferrer, isSignal, type TouchState } from './touch.ts'

/** Where a request keeps its capture state. */
export const kCapture = Symbol('fw.attribution.capture')

/** What this request did to the visitor's touches. */
const enum Outcome { None, Kept, Fresh, Returned, Renewed, Fitted, NoCookie, Denied }

/** The decision each outcome of a capture counts as (`telemetry.captureDecision`). */
const DECISION_OF: Readonly<Record<Outcome, CaptureDecision>> = Object.freeze({
  [Outcome.None]: 'no_signal',
  [Outcome.Kept]: 'no_signal',
  [Outcome.Fresh]: 'cookie_set',
  [Outcome.Returned]: 'cookie_updated',
  [Outcome.Fitted]: 'cookie_updated',
  [Outcome.Renewed]: 'cookie_refreshed',
  [Outcome.NoCookie]: 'client_skipped',
  [Outcome.Denied]: 'consent_denied'
})

/** Per-request state, created only when something needs it. */
interface RequestCapture {
  client: ClientClass | undefined
  touch: Touch | undefined
  /** The verified cookie: undefined = not read yet, null = absent, invalid or expired. */
  stored: StoredCookie | null | undefined
  outcome: Outcome
  /** The state written when it had to be shortened to fit. */
  fitted: TouchState | null
  /** Consent is denied: undefined = not asked yet. */
  denied: boolean | undefined
}

type CaptureRequest = FastifyRequest & { [kCapture]: RequestCapture | null }

/** What a touch is built from. */
export interface TouchInputs {
  params: CampaignParams
  referrer: string | null
  landing: string | null
}

/** A request without campaign parameters. */
export const NO_PARAMS: CampaignParams = Object.freeze({
  utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null,
  click_id_type: null, referral_code: null, extra: []
}) as CampaignParams

/** The capture functions of one plugin registration (see the module comment). */
export type RequestCaptureApi = ReturnType<typeof createRequestCapture>

/** Builds the capture functions over the normalized options and `@fastify/cookie`. */
export function createRequestCapture (settings: CaptureSettings, cookies: CookieLibrary) {
  // Signs with the newest secret, verifies with all (an older one flags the cookie for renewal).
  // Buffers: the HMAC then skips encoding the secret on every call (same signatures).
  const signer = new Signer(settings.secrets.map((secret) => Buffer.from(secret)))
  const maxAgeMs = settings.maxAgeSeconds * 1000
  const readCookie = createCookieReader((value) => signer.unsign(value), maxAgeMs)
  const classifier = createClientClassifier(settings.userAgentCacheSize)
  const signalNames = signalParamNames(settings)
  const readCampaignParams = createParamReader(settings)
  // The attributes of the cookie (Max-Age is added per request), in the order the library
  // writes them; the payload's alphabet is sent as is (see cookie-codec.ts).
  const cookieOptions: SerializeOptions = { httpOnly: true, sameSite: 'lax', path: settings.cookiePath }
  if (settings.secure) cookieOptions.secure = true
  if (settings.cookieDomain !== null) cookieOptions.domain = settings.cookieDomain
  Object.freeze(cookieOptions)
  // The clearing line is the same for every request: serialized once.
  const clearLine = cookies.serialize(settings.cookieName, '', { ...cookieOptions, maxAge: 0, expires: new Date(0) })
  // Budget of the payload: everything else on the final Set-Cookie line, with the longest Max-Age
  // (`name=<payload>.<signature>; Max-Age=…; Domain=…; Path=…; HttpOnly; Secure; SameSite=Lax`).
  const payloadBudget = settings.maxCookieBytes - settings.cookieName.length - 1 - SIGNATURE_LENGTH -
    `; Max-Age=${settings.maxAgeSeconds}`.length - (settings.cookieDomain !== null ? `; Domain=${settings.cookieDomain}`.length : 0) -
    `; Path=${settings.cookiePath}; HttpOnly`.length - (settings.secure ? '; Secure'.length : 0) - '; SameSite=Lax'.length

  function captureOf (request: FastifyRequest): RequestCapture {
    const r = request as CaptureRequest
    let c = r[kCapture]
    if (c === null || c === undefined) {
      c = { client: undefined, touch: undefined, stored: undefined, outcome: Outcome.None, fitted: null, denied: undefined }
      r[kCapture] = c
    }
    return c
  }

  function clientOf (request: FastifyRequest): ClientClass {
    const c = captureOf(request)
    c.client ??= classifier.classify(request.headers)
    return c.client
  }

  function requestHost (request: FastifyRequest): string | null {
    const host = request.headers.host
    return typeof host === 'string' ? hostOf('http://' + host.toLowerCase()) : null
  }

  function referrerOf (request: FastifyRequest, value: unknown): string | null {
    return externalReferrer(sanitizeUrl(value, settings.maxUrlLength), settings.ownHosts, requestHost(request), settings.exclusions)
  }

  /** The campaign parameters of the request's query (none without a `?`, unparsed). */
  function queryParamsOf (request: FastifyRequest): CampaignParams {
    return request.raw.url?.includes('?') === true ? readCampaignParams(request.query as Record<string, unknown>) : NO_PARAMS
  }

  /** The touch the request itself carries: its query, its Referer and its own URL. */
  function requestInputs (request: FastifyRequest): TouchInputs {
    return {
      params: queryParamsOf(request),
      referrer: referrerOf(request, request.headers.referer),
      landing: landingPageOf(request.protocol, request.headers.host, request.raw.url ?? '/', settings.publicOrigin, settings.maxUrlLength)
    }
  }

  function currentTouch (request: FastifyRequest): Touch {
    const c = captureOf(request)
    if (c.touch === undefined) {
      const i = requestInputs(request)
      c.touch = buildTouch(settings.now(), i.params, i.referrer, i.landing)
    }
    return c.touch
  }

  /** The attribution cookie's value: from `request.cookies` where something parsed them, else parsed here. */
  function cookieValueOf (request: FastifyRequest): string | undefined {
    const parsed = request.cookies as FastifyRequest['cookies'] | null
    if (parsed !== null && parsed !== undefined) return parsed[settings.cookieName]
    const header = request.headers.cookie
    if (typeof header !== 'string' || !header.includes(settings.cookieName)) return undefined
    return cookies.parse(header)[settings.cookieName]
  }

  /** The host's answer, `Sec-GPC: 1` for `unknown`, then `unknownConsent`. */
  function askConsent (request: FastifyRequest): boolean {
    let answer: unknown = 'unknown'
    if (settings.consent !== null) {
      try {
        answer = settings.consent(request)
      } catch (err) {
        request.log.warn({ err }, 'attribution consent hook failed: counted as denied')
        answer = 'denied'
      }
    }
    if (answer !== 'granted' && answer !== 'denied') answer = request.headers['sec-gpc'] === '1' ? 'denied' : settings.unknownConsent
    return answer === 'denied'
  }

  /** Whether consent to the cookie is denied for this request (asked once, kept once there is capture state). */
  function deniedOf (request: FastifyRequest): boolean {
    const existing = (request as CaptureRequest)[kCapture]
    if (existing !== null && existing !== undefined && existing.denied !== undefined) return existing.denied
    const denied = askConsent(request)
    if (denied || (existing !== null && existing !== undefined)) captureOf(request).denied = denied
    return denied
  }

  /** Clears the attribution cookie when the request carries one. */
  function clearIfPresent (request: FastifyRequest, reply: FastifyReply): void {
    if (cookieValueOf(request) !== undefined) void reply.header('set-cookie', clearLine)
  }

  function storedOf (request: FastifyRequest): StoredCookie | null {
    const c = captureOf(request)
    if (c.stored !== undefined) return c.stored
    c.stored = null
    if (deniedOf(request)) return null
    const value = cookieValueOf(request)
    if (value !== undefined) {
      const verdict = readCookie(value, settings.now())
      if (verdict.status === 'valid') c.stored = verdict.cookie
    }
    return c.stored
  }

  /** The state after this request: what it wrote, else what the cookie holds. */
  function stateOf (request: FastifyRequest): TouchState | null {
    const c = captureOf(request)
    switch (c.outcome) {
      case Outcome.NoCookie:
      case Outcome.Denied: return null
      case Outcome.Fresh: return { first: c.touch!, last: c.touch! }
      case Outcome.Returned: {
        const s = c.stored!.state()
        return s === null ? null : { first: s.first, last: c.touch! }
      }
      case Outcome.Fitted: return c.fitted
      default: return storedOf(request)?.state() ?? null
    }
  }

  /**
   * Records a touch: a new visitor gets first = last = this touch; a returning visitor with
   * a new signal gets a new last touch (the first touch's encoded segment is reused as is);
   * a cookie signed with an older secret is re-signed; otherwise nothing is written.
   * Crawlers never get a cookie. Each capture counts its decision (`telemetry`).
   */
  function capture (request: FastifyRequest, reply: FastifyReply, inputs: TouchInputs): void {
    record(request, reply, inputs)
    settings.telemetry.captureDecision(DECISION_OF[captureOf(request).outcome])
  }

  function record (request: FastifyRequest, reply: FastifyReply, inputs: TouchInputs): void {
    const c = captureOf(request)
    const client = clientOf(request)
    const now = settings.now()
    const second = Math.floor(now / 1000)
    const touch = buildTouch(now, inputs.params, inputs.referrer, inputs.landing)
    c.touch = touch
    if (settings.noCookieKinds.has(client.kind)) {
      c.outcome = Outcome.NoCookie
      return
    }
    if (deniedOf(request)) {
      c.outcome = Outcome.Denied
      clearIfPresent(request, reply)
      return
    }
    const stored = storedOf(request)
    const signal = isSignal(inputs.params, inputs.referrer)
    if (stored !== null && !signal && !stored.renew && !stored.legacy) {
      c.outcome = Outcome.Kept
      return
    }
    const before = stored?.legacy === true ? stored.state() : null
    let payload: string
    if (stored === null || (stored.legacy && before === null)) {
      payload = encodeFresh(touch, second, now)
      c.outcome = Outcome.Fresh
    } else if (before !== null) {
      // Written before redaction: rewritten from its redacted touches, never reused as is.
      c.fitted = { first: before.first, last: signal ? touch : before.last }
      payload = encodePayload(c.fitted, now)
      c.outcome = Outcome.Fitted
    } else if (signal) {
      payload = encodeReturn(stored, touch, second, now)
      c.outcome = Outcome.Returned
    } else {
      payload = encodeRenewed(stored, now)
      c.outcome = Outcome.Renewed
    }
    if (payload.length > payloadBudget) {
      const fitted = encodeWithin(stateOf(request) ?? { first: touch, last: touch }, now, payloadBudget)
      payload = fitted.payload
      c.fitted = fitted.state
      c.outcome = Outcome.Fitted
    }
    const firstAt = stored === null || c.outcome === Outcome.Fresh ? second * 1000 : stored.firstAtMs
    const maxAge = Math.min(settings.maxAgeSeconds, Math.max(1, Math.ceil((firstAt + maxAgeMs - now) / 1000)))
    // Signed and serialized by `@fastify/cookie`, written straight to the reply: no per-reply
    // hook and no copies of the options beyond this one.
    void reply.header('set-cookie', cookies.serialize(settings.cookieName, signer.sign(payload), { ...cookieOptions, maxAge }))
  }

  function hasSignalParam (query: unknown): boolean {
    if (query === null || typeof query !== 'object') return false
    for (const key in query) if (signalNames.has(key)) return true
    return false
  }

  return { clientOf, referrerOf, queryParamsOf, requestInputs, currentTouch, deniedOf, clearIfPresent, storedOf, stateOf, capture, hasSignalParam, readCampaignParams }
}
