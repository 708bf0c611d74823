/**
 * What the example's signup handlers add to `request.signupAttribution()`: a referral code
 * typed into the signup form, and UTM parameters a server-to-server caller sends in its
 * JSON body (the capture plugin only sees the query and the cookie). Both re-derive the
 * channel group with the capture plugin's own rules, so the row stays consistent.
 */
import type { SignupAttribution } from '../../src/contracts.ts'
import { channelGroupOf } from '../../src/plugin/channel.ts'
import { DEFAULT_MAX_VALUE_LENGTH } from '../../src/plugin/options.ts'
import { hostOf, sanitizeText } from '../../src/plugin/sanitize.ts'

/** Longest UTM value kept (the capture plugin's default). */
export const MAX_UTM_LENGTH = DEFAULT_MAX_VALUE_LENGTH

export interface UtmFields {
  utm_source?: string | undefined
  utm_medium?: string | undefined
  utm_campaign?: string | undefined
  utm_content?: string | undefined
  utm_term?: string | undefined
}

const lower = (value: string | null): string | null => value === null ? null : value.toLowerCase()

function regroup (a: SignupAttribution): SignupAttribution {
  const metadata = JSON.parse(a.metadata_json) as Record<string, unknown>
  const clickIdType = typeof metadata.click_id_type === 'string' ? metadata.click_id_type : null
  const channel_group = channelGroupOf({
    source: lower(a.utm_source),
    medium: lower(a.utm_medium),
    campaign: lower(a.utm_campaign),
    referrerHost: hostOf(a.http_referer),
    clickIdType,
    extraParams: [],
    hasReferralCode: a.referral_code !== null
  })
  return { ...a, channel_group }
}

/** A referral code from the signup form takes precedence over the cookie's. */
export function withReferralCode (a: SignupAttribution, code: string | undefined): SignupAttribution {
  if (code === undefined || code === a.referral_code) return a
  return regroup({ ...a, referral_code: code })
}

/** UTM fields from a JSON body replace the request's when the body carries any. */
export function withBodyUtm (a: SignupAttribution, body: UtmFields | undefined): SignupAttribution {
  if (body === undefined) return a
  const utm = {
    utm_source: sanitizeText(body.utm_source, MAX_UTM_LENGTH),
    utm_medium: sanitizeText(body.utm_medium, MAX_UTM_LENGTH),
    utm_campaign: sanitizeText(body.utm_campaign, MAX_UTM_LENGTH),
    utm_content: sanitizeText(body.utm_content, MAX_UTM_LENGTH),
    utm_term: sanitizeText(body.utm_term, MAX_UTM_LENGTH)
  }
  if (Object.values(utm).every((v) => v === null)) return a
  return regroup({ ...a, ...utm })
}
