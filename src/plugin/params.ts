/**
 * Campaign parameters, click ids and referral codes of one request or landing URL.
 *
 * Why: which parameter names count, and in which precedence, is a product decision that
 * differs between tools (`ref` is a source in Plausible and a referral code in FrameWorks'
 * Go gateway; Dub uses `via`). Ours, configurable through the plugin options:
 * - referral code: the first present of `referralCodeParams` (default `referral_code`,
 *   `via`, `ref`), valid only when it matches `referralCodePattern`;
 * - source: `utm_source`, else the first present of `sourceAliasParams` (default
 *   `utm_referrer`, `source`); a name may not be both an alias and a referral parameter;
 * - click id: the first present of the 17 known click-id parameters; only its name is kept.
 */
import type { Touch } from '../contracts.ts'
import { normalizeReferralCode, UTM_FIELDS } from '../shared/normalize.ts'
import { sanitizeText, sanitizeValue } from '../shared/sanitize.ts'

/** Click-id parameters (PostHog's list), in precedence order. Only the name is ever kept. */
export const CLICK_ID_PARAMS = Object.freeze([
  'gclid', 'gclsrc', 'dclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'twclid', 'li_fat_id',
  'igshid', 'ttclid', 'rdt_cid', 'epik', 'qclid', 'sccid', 'irclid', '_kx'
] as const)

/** The five UTM parameters (the touch's UTM fields). */
export const UTM_PARAMS = UTM_FIELDS
/** Campaign parameters that signal a campaign but have no field of their own. */
export const EXTRA_CAMPAIGN_PARAMS = Object.freeze(['utm_id', 'gad_source', 'mc_cid'] as const)

/** What a request or landing URL carried, sanitized: the touch's campaign fields, which `buildTouch` copies. */
export interface CampaignParams extends Pick<Touch, typeof UTM_PARAMS[number] | 'click_id_type' | 'referral_code'> {
  /** Extra campaign parameters present (names only). */
  extra: string[]
}

export interface ParamRules {
  readonly referralCodeParams: readonly string[]
  readonly sourceAliasParams: readonly string[]
  readonly referralCodePattern: RegExp
  readonly maxValueLength: number
}

/** A query as Fastify parses it, or URLSearchParams of a landing URL. */
export type QueryLike = Record<string, unknown> | URLSearchParams

/** Every parameter name that makes a request a campaign signal. */
export function signalParamNames (rules: ParamRules): ReadonlySet<string> {
  return new Set<string>([...UTM_PARAMS, ...EXTRA_CAMPAIGN_PARAMS, ...CLICK_ID_PARAMS, ...rules.referralCodeParams, ...rules.sourceAliasParams])
}

/**
 * Sanitizes a referral code: null unless it matches the pattern; `(redacted)` when it holds
 * an e-mail or wallet address (a valid code is exempt from the token rule).
 */
export function referralCodeOf (value: unknown, rules: ParamRules): string | null {
  return normalizeReferralCode(value, 64, rules.referralCodePattern)
}

type UtmField = typeof UTM_PARAMS[number]
type Role =
  | { kind: 'utm', field: UtmField, rank: 0 }
  | { kind: 'alias' | 'code' | 'click', rank: number }
  | { kind: 'extra', rank: 0 }

const NO_EXTRA: string[] = []

/**
 * Compiles the parameter rules into a reader. The reader walks the parameters the query
 * has (usually a handful) rather than probing every known name; values of other names are
 * never looked at.
 */
export function createParamReader (rules: ParamRules): (query: QueryLike) => CampaignParams {
  const roles = new Map<string, Role>()
  for (const field of UTM_PARAMS) roles.set(field, { kind: 'utm', field, rank: 0 })
  CLICK_ID_PARAMS.forEach((name, rank) => roles.set(name, { kind: 'click', rank }))
  for (const name of EXTRA_CAMPAIGN_PARAMS) roles.set(name, { kind: 'extra', rank: 0 })
  rules.sourceAliasParams.forEach((name, rank) => roles.set(name, { kind: 'alias', rank }))
  rules.referralCodeParams.forEach((name, rank) => roles.set(name, { kind: 'code', rank }))
  const max = rules.maxValueLength

  return function readCampaignParams (input) {
    let query: Record<string, unknown>
    if (input instanceof URLSearchParams) {
      // First value wins, as for a parsed query's arrays.
      query = Object.create(null) as Record<string, unknown>
      for (const [name, value] of input) if (!(name in query)) query[name] = value
    } else {
      query = input
    }
    const out: CampaignParams = {
      utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null,
      click_id_type: null, referral_code: null, extra: NO_EXTRA
    }
    let alias: string | null = null
    let aliasRank = Infinity
    let codeRank = Infinity
    let clickRank = Infinity
    for (const name in query) {
      const role = roles.get(name)
      if (role === undefined || !Object.hasOwn(query, name)) continue
      const value = query[name]
      switch (role.kind) {
        case 'utm':
          out[role.field] = sanitizeValue(value, max)
          break
        case 'alias':
          if (role.rank < aliasRank) {
            const v = sanitizeValue(value, max)
            if (v !== null) { alias = v; aliasRank = role.rank }
          }
          break
        case 'code':
          if (role.rank < codeRank) {
            const v = referralCodeOf(value, rules)
            if (v !== null) { out.referral_code = v; codeRank = role.rank }
          }
          break
        case 'click':
          if (role.rank < clickRank && sanitizeText(value, 1) !== null) { out.click_id_type = name; clickRank = role.rank }
          break
        case 'extra':
          if (sanitizeText(value, 1) !== null) out.extra = out.extra === NO_EXTRA ? [name] : [...out.extra, name]
          break
      }
    }
    if (out.utm_source === null) out.utm_source = alias
    return out
  }
}

/** UTM fields a signup request carries in its body (API and agent clients). */
export type SignupUtm = { readonly [F in typeof UTM_PARAMS[number]]?: string | null }

/**
 * The campaign parameters of a signup request once what its form or JSON body carries is
 * applied, as if the request's query had carried it: body UTM fields replace the query's
 * five UTM values when any of them is usable (a source alias included; click ids and other
 * parameters stay), and a typed referral code replaces the query's when it is valid. Values
 * go through the same sanitizing as query values. Null when the body adds nothing usable;
 * `typedCode` says whether a typed code was kept.
 */
export function withSignupInputs (params: CampaignParams, utm: SignupUtm | null | undefined, referralCode: unknown, rules: ParamRules): { params: CampaignParams, typedCode: boolean } | null {
  let out: CampaignParams | null = null
  if (utm !== null && utm !== undefined) {
    const fields = {
      utm_source: sanitizeValue(utm.utm_source, rules.maxValueLength),
      utm_medium: sanitizeValue(utm.utm_medium, rules.maxValueLength),
      utm_campaign: sanitizeValue(utm.utm_campaign, rules.maxValueLength),
      utm_content: sanitizeValue(utm.utm_content, rules.maxValueLength),
      utm_term: sanitizeValue(utm.utm_term, rules.maxValueLength)
    }
    if (UTM_PARAMS.some((f) => fields[f] !== null)) out = { ...params, ...fields }
  }
  const code = referralCode === null || referralCode === undefined ? null : referralCodeOf(referralCode, rules)
  if (code !== null) out = { ...(out ?? params), referral_code: code }
  return out === null ? null : { params: out, typedCode: code !== null }
}

/** True when any campaign parameter (a tagged value, a click id or a referral code) is present. */
export function hasCampaign (p: CampaignParams): boolean {
  return p.utm_source !== null || p.utm_medium !== null || p.utm_campaign !== null ||
    p.utm_content !== null || p.utm_term !== null || p.click_id_type !== null ||
    p.referral_code !== null || p.extra.length > 0
}
