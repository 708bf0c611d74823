/**
 * The capture plugin's own routes: `POST /attribution/touch` (the SPA landing beacon) and
 * `GET /r/:code` (the referral link), in an encapsulated scope with the problem+json error
 * handler.
 *
 * A referral link's code follows the same rule as a `?ref=` value (params.ts): it must match
 * `referralCodePattern`, and a code holding an e-mail or wallet address is kept as
 * `(redacted)`, never in the cookie, the snapshot or the stored row.
 */
import type { FastifyInstance } from 'fastify'
import { ERR_BAD_REQUEST, problemErrorHandler, sendProblem } from '../errors.ts'
import { firstString, sanitizeUrl } from '../shared/sanitize.ts'
import { pathInside, type CaptureSettings } from './options.ts'
import { referralCodeOf } from './params.ts'
import { NO_PARAMS, type RequestCaptureApi } from './request-capture.ts'
import { MAX_BEACON_URL, referralRouteSchema, touchRouteSchema } from './routes.schema.ts'

/** Registers the beacon and referral routes (those not turned off) in a child scope. */
export async function registerCaptureRoutes (fastify: FastifyInstance, settings: CaptureSettings, rc: RequestCaptureApi): Promise<void> {
  const { capture, referrerOf, queryParamsOf, readCampaignParams } = rc
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
        void reply.header('cache-control', 'no-store')
        return request.attribution
      })
    }

    if (settings.referralPath !== null) {
      scope.get(settings.referralPath, { schema: referralRouteSchema, config: { attribution: false } }, async (request, reply) => {
        const { code: rawCode } = request.params as { code: string }
        // The path segment must be a code as it is: no cleaning up of what a link carries.
        // Judged as a `?ref=` value is: an address in it is kept as `(redacted)` only.
        const code = typeof rawCode === 'string' && rawCode.length <= 64 && settings.referralCodePattern.test(rawCode) ? referralCodeOf(rawCode, settings) : null
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
        void reply.header('cache-control', 'no-store')
        return reply.redirect(target, 302)
      })
    }
  })
}
