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
 *
 * This file only wires hooks, routes and decorators; the work lives in `request-capture.ts`
 * (the capture per request), `signup.ts`, `routes.ts`, `touch.ts`, `params.ts`,
 * `client-kind.ts`, `cookie-codec.ts` and `cookie-library.ts`.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import type { AttributionSnapshot, SignupAttribution } from '../contracts.ts'
import { cookieLibrary } from './cookie-library.ts'
import { normalizeOptions, type AttributionCaptureOptions, type CaptureSettings } from './options.ts'
import { createRequestCapture, kCapture } from './request-capture.ts'
import { registerCaptureRoutes } from './routes.ts'
import { createSignupAttribution } from './signup.ts'
import { snapshotOf, type SignupAttributionInput } from './touch.ts'

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

async function attributionCapture (fastify: FastifyInstance, options: AttributionCaptureOptions): Promise<void> {
  const settings: CaptureSettings = normalizeOptions(options)
  const rc = createRequestCapture(settings, await cookieLibrary(fastify))
  const { capture, clearIfPresent, clientOf, currentTouch, deniedOf, hasSignalParam, requestInputs, stateOf } = rc

  const captureHook: onRequestHookHandler = function captureHook (request, reply, hookDone) {
    const raw = request.raw
    let candidate = raw.url !== undefined && raw.url.includes('?') && hasSignalParam(request.query)
    if (!candidate && settings.captureNavigations && (raw.method === 'GET' || raw.method === 'HEAD')) {
      const mode = raw.headers['sec-fetch-mode']
      candidate = mode !== undefined ? mode === 'navigate' : raw.headers.accept?.includes('text/html') === true
    }
    try {
      if (candidate) capture(request, reply, requestInputs(request))
      // Any other request pays for the consent check only when it carries the cookie.
      else if (raw.headers.cookie?.includes(settings.cookieName) === true && deniedOf(request)) clearIfPresent(request, reply)
    } catch (err) {
      // Attribution never breaks a request.
      settings.telemetry.captureError()
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
  fastify.decorateRequest('signupAttribution', createSignupAttribution(settings, rc))

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.attribution === false) return
    const existing = route.onRequest
    if (existing === captureHook || (Array.isArray(existing) && existing.includes(captureHook))) return
    route.onRequest = existing === undefined ? [captureHook] : Array.isArray(existing) ? [...existing, captureHook] : [existing, captureHook]
  })

  await registerCaptureRoutes(fastify, settings, rc)
}

/** The capture plugin. Register it before the routes it should see. */
export const attributionCapturePlugin = fp(attributionCapture, {
  fastify: '5.x',
  name: '@frameworks/attribution-capture'
})

export default attributionCapturePlugin
