/**
 * `request.signupAttribution(input)`: the attribution a signup handler persists.
 *
 * Why a module of its own: a signup request may carry inputs of its own (a typed referral
 * code, UTM fields of a JSON body); they count as the request's query would, a new touch of
 * their own, before the touches are turned into a `SignupAttribution` (touch.ts) and through
 * the shared normalizer.
 */
import type { FastifyRequest } from 'fastify'
import type { SignupAttribution } from '../contracts.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import type { CaptureSettings } from './options.ts'
import { withSignupInputs } from './params.ts'
import type { RequestCaptureApi } from './request-capture.ts'
import {
  buildTouch, captureLimits, checkSignupInput, isSignal, signupAttributionOf, SignupAttributionInputError, type SignupAttributionInput
} from './touch.ts'

/** The `signupAttribution` request method of one plugin registration. */
export function createSignupAttribution (settings: CaptureSettings, rc: RequestCaptureApi): (this: FastifyRequest, input: SignupAttributionInput) => SignupAttribution {
  const { stateOf, currentTouch, requestInputs, storedOf, clientOf, deniedOf } = rc
  const limits = captureLimits(settings)
  return function signupAttribution (this: FastifyRequest, input: SignupAttributionInput): SignupAttribution {
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
        allowed: settings.metadataKeys,
        limits
      })
    } catch (err) {
      if (err instanceof SignupAttributionInputError) throw new ERR_INVALID_OPTION(`signupAttribution.${err.option}`, err.message)
      throw err
    }
  }
}
