/**
 * `@frameworks/attribution-capture`: the Fastify glue of the capture plugin.
 *
 * Hook: a route-level `onRequest` hook, added through `onRoute` to every route registered
 * after the plugin (a route with `config: { attribution: false }` gets none). It does work
 * only on capture candidates: HTML navigations and requests carrying campaign parameters.
 * An ordinary API request pays two header/queries checks: no cookie is parsed, verified or
 * set. `request.attribution` and `request.signupAttribution()` read the cookie lazily when a
 * handler asks.
 *
 * Cookies are `@fastify/cookie`'s, without its per-reply hook: the plugin signs and verifies
 * with the library's `Signer` over its own secrets (`[newest, ...older]`: an older secret →
 * re-signed with the newest), parses the Cookie header with the library's parser only where
 * it reads the attribution cookie, and writes the `Set-Cookie` line the library serializes
 * straight to the reply (`reply.header`). The library is registered, for its serializer and
 * parser, in an empty encapsulated scope (or the gateway's registration is used), so its
 * `onSend` hook, which `reply.setCookie` needs, runs on no route of the gateway's.
 *
 * Consent: `consent(request)` and `Sec-GPC` decide, per request, whether the cookie may be
 * set; under `denied` it is not, and one the request carries is cleared.
 *
 * Routes (in an encapsulated child, with the problem+json error handler): `POST
 * /attribution/touch` (SPA landing beacon) and `GET /r/:code` (referral link).
 */
import fp from 'fastify-plugin'
import fastifyCookie, { Signer, type SerializeOptions } from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import type { AttributionSnapshot, SignupAttribution, Touch } from '../contracts.ts'
import { ERR_BAD_REQUEST, ERR_INVALID_OPTION, problemErrorHandler, sendProblem } from '../errors.ts'
import type { CaptureDecision } from '../shared/telemetry.ts'
import { createClientClassifier, type ClientClass } from './client-kind.ts'
import {
  createCookieReader, encodeFresh, encodePayload, encodeRenewed, encodeReturn, encodeWithin, SIGNATURE_LENGTH, type StoredCookie
} from './cookie-codec.ts'
import { normalizeOptions, pathInside, type AttributionCaptureOptions, type CaptureSettings } from './options.ts'
import { createParamReader, signalParamNames, withSignupInputs, type CampaignParams } from './params.ts'
import { MAX_BEACON_URL, referralRouteSchema, touchRouteSchema } from './routes.schema.ts'
import { firstString, hostOf, landingPageOf, sanitizeUrl } from '../shared/sanitize.ts'
import {
  buildTouch, checkSignupInput, externalReferrer, isSignal, signupAttributionOf, snapshotOf,
  SignupAttributionInputError, type SignupAttributionInput, type TouchState
} from './touch.ts'

export type { AttributionCaptureOptions } from './options.ts'
export type { SignupAttributionInput } from './touch.ts'
export type { SignupUtm } from './params.ts'
export * from './options.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The visitor's attribution: first and last touch (from the signed cookie, or set by
     * this request), client kind and channel group. Computed when read; an ordinary request
     * that never reads it does no cookie work.
     */
    readonly attribution: AttributionSnapshot
    /**
     * The `SignupAttribution` a signup handler persists: seed fields from the first touch
     * (this request's touch when the visitor has none), channel group, client kind, first
     * touch time, last touch and allow-listed metadata (`metadata_json`). A referral code
     * the visitor typed (`referralCode`) and UTM fields of a JSON body (`utm`) count as if
     * the signup request's query had carried them: same sanitizing, same channel rules.
     */
    signupAttribution: (input: SignupAttributionInput) => SignupAttribution
  }
  interface FastifyContextConfig {
    /** `false` turns attribution capture off for this route. */
    attribution?: boolean
  }
}

const kCapture = Symbol('fw.attribution.capture')
/** Marks the capture hooks, so `skipAttribution` recognises them in any scope. */
const kCaptureHook = Symbol('fw.attribution.captureHook')

const isCaptureHook = (hook: unknown): boolean => typeof hook === 'function' && (hook as { [kCaptureHook]?: true })[kCaptureHook] === true

/**
 * An `onRoute` hook that turns capture off for every route of a scope, for example an
 * operator-only scope whose report filters (`?utm_source=…`) are not visits:
 * `scope.addHook('onRoute', skipAttribution)` before the scope's routes. Same as
 * `config: { attribution: false }` on each of them.
 */
export function skipAttribution (route: RouteOptions): void {
  route.config = { ...route.config, attribution: false }
  const hooks = route.onRequest
  if (isCaptureHook(hooks)) route.onRequest = []
  else if (Array.isArray(hooks)) route.onRequest = hooks.filter((h) => !isCaptureHook(h))
}

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

interface TouchInputs {
  params: CampaignParams
  referrer: string | null
  landing: string | null
}

const NO_PARAMS: CampaignParams = Object.freeze({
  utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null,
  click_id_type: null, referral_code: null, extra: []
}) as CampaignParams

/** The parts of `@fastify/cookie` the plugin uses: its serializer and its parser. */
interface CookieLibrary {
  serialize: (name: string, value: string, options: SerializeOptions) => string
  parse: (header: string) => Record<string, string | undefined>
}

/**
 * `@fastify/cookie`'s serializer and parser: the gateway's when it registered the library
 * where the plugin is, else from an instance registered in an empty encapsulated scope, so
 * that the library's per-reply `onSend` hook runs on no route.
 */
async function cookieLibrary (fastify: FastifyInstance): Promise<CookieLibrary> {
  if (fastify.hasDecorator('serializeCookie') && fastify.hasDecorator('parseCookie')) {
    return { serialize: fastify.serializeCookie, parse: fastify.parseCookie }
  }
  let library: CookieLibrary | undefined
  await fastify.register(async function attributionCookieLibrary (scope) {
    await scope.register(fastifyCookie, { hook: false })
    library = { serialize: scope.serializeCookie, parse: scope.parseCookie }
  })
  return library!
}

async function attributionCapture (fastify: FastifyInstance, options: AttributionCaptureOptions): Promise<void> {
  const settings: CaptureSettings = normalizeOptions(options)
  const { telemetry } = settings
  const cookies = await cookieLibrary(fastify)
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
   * Crawlers never get a cookie.
   */
  function capture (request: FastifyRequest, reply: FastifyReply, inputs: TouchInputs): void {
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

  const captureHook: onRequestHookHandler = function captureHook (request, reply, hookDone) {
    const raw = request.raw
    let candidate = raw.url !== undefined && raw.url.includes('?') && hasSignalParam(request.query)
    if (!candidate && settings.captureNavigations && (raw.method === 'GET' || raw.method === 'HEAD')) {
      const mode = raw.headers['sec-fetch-mode']
      candidate = mode !== undefined ? mode === 'navigate' : raw.headers.accept?.includes('text/html') === true
    }
    try {
      if (candidate) {
        capture(request, reply, requestInputs(request))
        telemetry.captureDecision(DECISION_OF[captureOf(request).outcome])
      // Any other request pays for the consent check only when it carries the cookie.
      } else if (raw.headers.cookie?.includes(settings.cookieName) === true && deniedOf(request)) clearIfPresent(request, reply)
    } catch (err) {
      // Attribution never breaks a request.
      telemetry.captureError()
      request.log.warn({ err }, 'attribution capture failed')
    }
    hookDone()
  }
  Object.defineProperty(captureHook, kCaptureHook, { value: true })

  fastify.decorateRequest(kCapture, null)
  fastify.decorateRequest('attribution', {
    getter (this: FastifyRequest): AttributionSnapshot {
      const state = stateOf(this)
      return snapshotOf(state, clientOf(this), state === null ? currentTouch(this) : null)
    }
  })
  fastify.decorateRequest('signupAttribution', function signupAttribution (this: FastifyRequest, input: SignupAttributionInput): SignupAttribution {
    try {
      checkSignupInput(input)
      let state = stateOf(this)
      let current = currentTouch(this)
      const i = requestInputs(this)
      const form = withSignupInputs(i.params, input.utm, input.referralCode, settings)
      if (form !== null) {
        const { params } = form
        // What the form or body carries counts as this request's query would: a new touch
        // of its own, the last touch of a returning visitor when it is a signal.
        current = buildTouch(settings.now(), params, i.referrer, i.landing)
        const before = storedOf(this)?.state() ?? null
        if (before !== null) state = isSignal(params, i.referrer) ? { first: before.first, last: current } : before
        else if (state !== null) state = { first: current, last: current }
      }
      return signupAttributionOf(input, {
        state,
        firstFromCookie: storedOf(this) !== null,
        client: clientOf(this),
        current,
        typedCode: form?.typedCode === true,
        consentDenied: deniedOf(this),
        allowed: settings.metadataKeys
      })
    } catch (err) {
      if (err instanceof SignupAttributionInputError) throw new ERR_INVALID_OPTION(`signupAttribution.${err.option}`, err.message)
      throw err
    }
  })

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.attribution === false) return
    const existing = route.onRequest
    if (existing === captureHook || (Array.isArray(existing) && existing.includes(captureHook))) return
    route.onRequest = existing === undefined ? [captureHook] : Array.isArray(existing) ? [...existing, captureHook] : [existing, captureHook]
  })

  await fastify.register(async function attributionRoutes (scope) {
    scope.setErrorHandler(problemErrorHandler)
    // `navigator.sendBeacon(url, string)` posts text/plain: parse it as JSON too.
    scope.removeContentTypeParser('text/plain')
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 4 * MAX_BEACON_URL }, (_req, body, parsed) => {
      if (body === '') { parsed(null, undefined); return }
      try { parsed(null, JSON.parse(body as string)) } catch { parsed(new ERR_BAD_REQUEST('Body is not JSON'), undefined) }
    })

    if (settings.touchPath !== null) {
      scope.post(settings.touchPath, {
        schema: touchRouteSchema,
        config: { attribution: false },
        // Both fields are optional, and so is the body itself.
        preValidation: (request, _reply, next) => { if (request.body === undefined || request.body === null) request.body = {}; next() }
      }, async (request, reply) => {
        const body = (request.body ?? {}) as { url?: string, referrer?: string }
        const page = firstString(body.url) ?? firstString(request.headers.referer)
        let params = NO_PARAMS
        let landing: string | null = null
        if (page !== null) {
          try {
            const url = new URL(page)
            if (url.protocol === 'http:' || url.protocol === 'https:') {
              params = readCampaignParams(url.searchParams)
              landing = sanitizeUrl(page, settings.maxUrlLength)
            }
          } catch { /* not a URL: no landing page */ }
        }
        capture(request, reply, { params, referrer: referrerOf(request, body.referrer), landing })
        telemetry.captureDecision(DECISION_OF[captureOf(request).outcome])
        void reply.header('cache-control', 'no-store')
        return request.attribution
      })
    }

    if (settings.referralPath !== null) {
      scope.get(settings.referralPath, { schema: referralRouteSchema, config: { attribution: false } }, async (request, reply) => {
        const { code: rawCode } = request.params as { code: string }
        // The path segment must be a code as it is: no cleaning up of what a link carries.
        const code = typeof rawCode === 'string' && rawCode.length <= 64 && settings.referralCodePattern.test(rawCode) ? rawCode : null
        if (code === null) return sendProblem(reply, new ERR_BAD_REQUEST('Invalid referral code'))
        let target = settings.referralTarget
        const query = request.query as Record<string, unknown>
        if (settings.redirectParam !== null) {
          const to = firstString(query[settings.redirectParam])
          const inside = to === null ? null : pathInside(settings.publicBase, to)
          if (inside !== null) target = inside
        }
        capture(request, reply, {
          params: { ...queryParamsOf(request), referral_code: code },
          referrer: referrerOf(request, request.headers.referer),
          landing: sanitizeUrl(target, settings.maxUrlLength)
        })
        telemetry.captureDecision(DECISION_OF[captureOf(request).outcome])
        void reply.header('cache-control', 'no-store')
        return reply.redirect(target, 302)
      })
    }
  })
}

/** The capture plugin. Register it before the routes it should see. */
export const attributionCapturePlugin = fp(attributionCapture, {
  fastify: '5.x',
  name: '@frameworks/attribution-capture'
})

export default attributionCapturePlugin
