/**
 * Touches and what is derived from them: the touch of one request, the first/last-touch
 * state after it, the snapshot, and the `SignupAttribution` a signup handler persists.
 *
 * Why separate from the Fastify glue: this is the attribution model itself (first touch
 * kept, last touch updated on a new signal, our own hosts and auth/payment/wallet hops never
 * a referrer, seed fields from the first touch), and it is tested without a server.
 */
import type { AttributionSnapshot, ChannelGroup, SignupAttribution, SignupChannel, Touch } from '../contracts.ts'
import { SIGNUP_CHANNELS } from '../contracts.ts'
import { CHANNEL_RULES_VERSION, channelGroupOf } from '../shared/channel.ts'
import { scrubMetadata } from '../shared/metadata.ts'
import { normalizeAttribution, STORE_LIMITS, utmLimits, type AttributionLimits } from '../shared/normalize.ts'
import { hostMatches, hostOf, pathOf } from '../shared/sanitize.ts'
import type { ClientClass } from './client-kind.ts'
import { hasCampaign, type CampaignParams, type SignupUtm } from './params.ts'

/** Auth, payment and wallet hops that never count as a referrer (host, subdomains, optional path prefix). */
export const DEFAULT_EXCLUDED_REFERRERS: readonly string[] = Object.freeze([
  'accounts.google.com', 'login.microsoftonline.com', 'login.live.com', 'appleid.apple.com',
  'github.com/login', 'github.com/sessions', 'auth0.com', 'okta.com', 'clerk.accounts.dev', 'workos.com',
  'checkout.stripe.com', 'billing.stripe.com', 'pay.stripe.com', 'js.stripe.com', 'paypal.com',
  'commerce.coinbase.com', 'pay.coinbase.com', 'keys.coinbase.com', 'login.coinbase.com',
  'metamask.io', 'walletconnect.com', 'walletconnect.org', 'reown.com', 'rainbow.me', 'phantom.app',
  'privy.io', 'magic.link', 'web3auth.io'
])

/** An entry of the referrer exclusion list: a host (subdomains included) and an optional path prefix. */
export interface ReferrerExclusion {
  host: string
  pathPrefix: string | null
}

/** Parses `host` or `host/path/prefix` into an exclusion entry. */
export function parseExclusion (entry: string): ReferrerExclusion {
  const lower = entry.trim().toLowerCase().replace(/^https?:\/\//, '')
  const slash = lower.indexOf('/')
  const host = (slash === -1 ? lower : lower.slice(0, slash)).replace(/^www\./, '')
  const pathPrefix = slash === -1 ? null : lower.slice(slash)
  return { host, pathPrefix: pathPrefix === '/' ? null : pathPrefix }
}

/**
 * The referrer that counts: null when it is one of our own hosts (or the request's own
 * host) or an excluded auth/payment/wallet hop.
 */
export function externalReferrer (referrer: string | null, ownHosts: readonly string[], requestHost: string | null, exclusions: readonly ReferrerExclusion[]): string | null {
  const host = hostOf(referrer)
  if (referrer === null || host === null) return null
  if (requestHost !== null && host === requestHost) return null
  for (const own of ownHosts) if (hostMatches(host, own)) return null
  for (const ex of exclusions) {
    if (!hostMatches(host, ex.host)) continue
    if (ex.pathPrefix === null || pathOf(referrer).toLowerCase().startsWith(ex.pathPrefix)) return null
  }
  return referrer
}

let lastIsoSecond = -1
let lastIso = ''
/** ISO time of a Unix second (the latest is cached: every touch of the same second shares it). */
export function isoOfSecond (second: number): string {
  if (second === lastIsoSecond) return lastIso
  const iso = new Date(second * 1000).toISOString()
  lastIsoSecond = second
  lastIso = iso
  return iso
}

function lower (v: string | null): string | null {
  return v === null ? null : v.toLowerCase()
}

/** Channel groups of recent inputs: campaigns repeat, and the rule table walks up to 20 rules. */
const groupMemo = new Map<string, ChannelGroup>()
const GROUP_MEMO_SIZE = 1000

/** `channelGroupOf` the touch's inputs, remembered for the most recent distinct inputs. */
function groupOf (params: CampaignParams, referrerHost: string | null): ChannelGroup {
  // Sanitized values hold no control characters: U+0000 separates, U+0001 stands for null.
  const key = `${params.utm_source ?? '\u0001'}\u0000${params.utm_medium ?? '\u0001'}\u0000${params.utm_campaign ?? '\u0001'}\u0000${referrerHost ?? '\u0001'}\u0000${params.click_id_type ?? '\u0001'}\u0000${params.extra.join(',')}\u0000${params.referral_code !== null}`
  let group = groupMemo.get(key)
  if (group === undefined) {
    group = channelGroupOf({
      source: lower(params.utm_source),
      medium: lower(params.utm_medium),
      campaign: lower(params.utm_campaign),
      referrerHost,
      clickIdType: params.click_id_type,
      extraParams: params.extra,
      hasReferralCode: params.referral_code !== null
    })
    if (groupMemo.size >= GROUP_MEMO_SIZE) groupMemo.clear()
    groupMemo.set(key, group)
  }
  return group
}

/** Builds the touch of one request (or beacon) from its sanitized parts. */
export function buildTouch (at: number, params: CampaignParams, referrer: string | null, landingPage: string | null): Touch {
  const group = groupOf(params, hostOf(referrer))
  return {
    at: isoOfSecond(Math.floor(at / 1000)),
    utm_source: params.utm_source,
    utm_medium: params.utm_medium,
    utm_campaign: params.utm_campaign,
    utm_content: params.utm_content,
    utm_term: params.utm_term,
    click_id_type: params.click_id_type,
    referral_code: params.referral_code,
    http_referer: referrer,
    landing_page: landingPage,
    channel_group: group
  }
}

/** True when the request carries something worth a (new) touch: a campaign or an external referrer. */
export function isSignal (params: CampaignParams, referrer: string | null): boolean {
  return referrer !== null || hasCampaign(params)
}

/** First and last touch as kept in the cookie. */
export interface TouchState {
  first: Touch
  last: Touch
}

/** The snapshot of a request; `current` is the request's own touch, used when the visitor has none. */
export function snapshotOf (state: TouchState | null, client: ClientClass, current: Touch | null): AttributionSnapshot {
  return {
    first_touch: state?.first ?? null,
    last_touch: state?.last ?? null,
    client_kind: client.kind,
    is_agent: client.isAgent,
    channel_group: state?.first.channel_group ?? current?.channel_group ?? 'direct'
  }
}

/** Metadata keys a signup handler may pass by default (values: strings, numbers, booleans). */
export const DEFAULT_METADATA_KEYS = Object.freeze([
  'chain_id', 'wallet_chain_id', 'wallet_connector', 'x402_version', 'x402_scheme', 'x402_network',
  'x402_asset', 'agent_name', 'agent_version', 'mcp_client_name', 'mcp_client_version', 'signup_flow',
  'plan', 'invite_type', 'referral_status', 'api_client'
])

const METHOD_RE = /^[a-z0-9_]{1,64}$/

/** The normalizer's bounds for what the plugin builds: its own value, URL and code rules. */
export function captureLimits (rules: { maxValueLength: number, maxUrlLength: number, referralCodePattern: RegExp }): AttributionLimits {
  return Object.freeze({
    method: 64,
    utm: utmLimits(rules.maxValueLength),
    url: rules.maxUrlLength,
    referralCode: 64,
    referralCodePattern: rules.referralCodePattern,
    json: STORE_LIMITS.json,
    metadata: STORE_LIMITS.metadata
  })
}

/** What `request.signupAttribution()` takes. */
export interface SignupAttributionInput {
  /** `web`, `wallet`, `x402` or `api`. */
  channel: SignupChannel
  /** `email_password`, `wallet_ethereum`, `wallet_base`, `x402_usdc`, `api_key`, … (`[a-z0-9_]`, ≤ 64). */
  method: string
  /** Extra facts; only allow-listed keys with scalar values are kept. */
  metadata?: Readonly<Record<string, unknown>>
  /**
   * A referral code the visitor typed into the signup form (or an API client sent in its
   * body). Read as a `?ref=` on the signup request would be (sanitized, checked against
   * `referralCodePattern`; an invalid code is ignored), and it wins over a code from the
   * cookie. Default none.
   */
  referralCode?: string | null
  /**
   * UTM fields from a JSON body, for API and agent clients that cannot put them in the
   * query. When any is usable they replace the signup request's own UTM values, as if its
   * query had carried them; sanitized and grouped like query values. Default none.
   */
  utm?: SignupUtm | null
}

/** A programming error in a signup handler's call (not the visitor's fault). */
export class SignupAttributionInputError extends TypeError {
  readonly option: string
  constructor (option: string, why: string) {
    super(why)
    this.option = option
  }
}

/** Checks the shape of a signup handler's call; throws `SignupAttributionInputError`. */
export function checkSignupInput (input: unknown): asserts input is SignupAttributionInput {
  if (input === null || typeof input !== 'object') throw new SignupAttributionInputError('input', 'expected { channel, method, metadata, referralCode, utm }')
  const i = input as Record<string, unknown>
  if (!(SIGNUP_CHANNELS as readonly unknown[]).includes(i.channel)) {
    throw new SignupAttributionInputError('channel', `must be one of ${SIGNUP_CHANNELS.join(', ')}`)
  }
  if (typeof i.method !== 'string' || !METHOD_RE.test(i.method)) {
    throw new SignupAttributionInputError('method', 'must match [a-z0-9_]{1,64}')
  }
  if (i.referralCode !== undefined && i.referralCode !== null && typeof i.referralCode !== 'string') {
    throw new SignupAttributionInputError('referralCode', 'must be a string, null or absent')
  }
  if (i.utm !== undefined && i.utm !== null && (typeof i.utm !== 'object' || Array.isArray(i.utm))) {
    throw new SignupAttributionInputError('utm', 'must be an object of utm_* strings, null or absent')
  }
}

/** What a signup request knows besides the handler's input. */
export interface SignupContext {
  /** First and last touch after this request; null when the visitor has none. */
  state: TouchState | null
  /** The first touch came from the cookie (not from this request). */
  firstFromCookie: boolean
  client: ClientClass
  /** This request's own touch, with the form's or body's inputs applied. */
  current: Touch
  /** A valid referral code was typed: it wins over the cookie's codes. */
  typedCode: boolean
  /** Consent was denied: the row is marked `metadata.consent = 'denied'`. */
  consentDenied: boolean
  /** Metadata keys kept. */
  allowed: ReadonlySet<string>
  /** The normalizer's bounds (`captureLimits`). */
  limits: AttributionLimits
}

/**
 * The `SignupAttribution` of a signup request: seed fields from the first touch (the
 * current request's touch when the visitor has none), the typed referral code, else the
 * code of the first touch, else of the last, else of the request; client kind of the
 * signup request itself. The result goes through the shared normalizer, as the store's does.
 */
export function signupAttributionOf (input: SignupAttributionInput, ctx: SignupContext): SignupAttribution {
  checkSignupInput(input)
  const { state, current, client } = ctx
  const seed = state?.first ?? current
  // Allow-listed scalars; texts holding an address or a token become `(redacted)`.
  const metadata: Record<string, unknown> = {
    ...scrubMetadata(input.metadata, { maxKeys: ctx.allowed.size, maxDepth: 0, maxText: 200, allowed: ctx.allowed }),
    client_rule: client.rule,
    channel_rules: CHANNEL_RULES_VERSION
  }
  if (seed.click_id_type !== null) metadata.click_id_type = seed.click_id_type
  // The plugin's to say, never the handler's.
  delete metadata.consent
  if (ctx.consentDenied) metadata.consent = 'denied'
  return normalizeAttribution({
    signup_channel: input.channel,
    signup_method: input.method,
    utm_source: seed.utm_source,
    utm_medium: seed.utm_medium,
    utm_campaign: seed.utm_campaign,
    utm_content: seed.utm_content,
    utm_term: seed.utm_term,
    http_referer: seed.http_referer,
    landing_page: seed.landing_page,
    referral_code: ctx.typedCode ? current.referral_code : state?.first.referral_code ?? state?.last.referral_code ?? current.referral_code,
    is_agent: client.isAgent,
    metadata_json: JSON.stringify(metadata),
    channel_group: seed.channel_group,
    client_kind: client.kind,
    first_touch_at: state !== null && ctx.firstFromCookie ? state.first.at : null,
    last_touch: state?.last ?? null
  }, ctx.limits)
}
