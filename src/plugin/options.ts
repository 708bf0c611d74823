/**
 * Options of the capture plugin: one typed interface, `DEFAULT_*` constants, validated once
 * at registration into a frozen object. A bad value stops registration with
 * `FW_ATTR_INVALID_OPTION` naming the option.
 */
import type { FastifyRequest } from 'fastify'
import { CLIENT_KINDS, type ClientKind } from '../contracts.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import { DEFAULT_REFERRAL_CODE_PATTERN } from '../shared/normalize.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../shared/telemetry.ts'
import { parseExclusion, DEFAULT_EXCLUDED_REFERRERS, DEFAULT_METADATA_KEYS, type ReferrerExclusion } from './touch.ts'

export const DEFAULT_COOKIE_NAME = 'fw_attr'
/** 90 days. */
export const DEFAULT_MAX_AGE_SECONDS = 90 * 24 * 60 * 60
export const DEFAULT_COOKIE_PATH = '/'
/** Bound on the whole Set-Cookie header value (name, value and attributes). */
export const DEFAULT_MAX_COOKIE_BYTES = 1024
export const DEFAULT_TOUCH_PATH = '/attribution/touch'
export const DEFAULT_REFERRAL_PATH = '/r/:code'
export const DEFAULT_REFERRAL_REDIRECT_PATH = '/'
export const DEFAULT_REDIRECT_PARAM = 'to'
export const DEFAULT_REFERRAL_CODE_PARAMS: readonly string[] = Object.freeze(['referral_code', 'via', 'ref'])
export const DEFAULT_SOURCE_ALIAS_PARAMS: readonly string[] = Object.freeze(['utm_referrer', 'source'])
export { DEFAULT_REFERRAL_CODE_PATTERN } from '../shared/normalize.ts'
export const DEFAULT_MAX_VALUE_LENGTH = 100
export const DEFAULT_MAX_URL_LENGTH = 200
export const DEFAULT_UA_CACHE_SIZE = 1000
export const DEFAULT_NO_COOKIE_KINDS: readonly ClientKind[] = Object.freeze(['crawler', 'ai_crawler'])
export { DEFAULT_EXCLUDED_REFERRERS } from './touch.ts'

/** What a consent hook answers about the attribution cookie. */
export type AttributionConsent = 'granted' | 'denied' | 'unknown'

/**
 * The host's consent check (its consent banner's cookie, an account setting, …). Called
 * synchronously on requests that carry the attribution cookie or are captured, and when a
 * handler reads `request.attribution` or calls `request.signupAttribution()`: keep it cheap.
 * A hook that throws counts as `denied`.
 */
export type AttributionConsentHook = (request: FastifyRequest) => AttributionConsent

/**
 * What `unknown` counts as. `granted`: the opt-out model of US state privacy laws (CCPA/CPRA
 * and others), where Global Privacy Control is the opt-out signal. EU and UK deployments
 * (ePrivacy art. 5(3): an attribution cookie is not strictly necessary, so it needs prior
 * consent) set `denied`, or answer from their consent banner in `consent`.
 */
export const DEFAULT_UNKNOWN_CONSENT: 'granted' | 'denied' = 'granted'

/** Options of `@frameworks/attribution-capture`. */
export interface AttributionCaptureOptions {
  /**
   * Cookie signing secrets, newest first; each at least 32 characters. Required. The plugin
   * signs with `@fastify/cookie`'s `Signer` over them: the newest signs, all verify (a cookie
   * signed with an older one is re-signed). A gateway's own `@fastify/cookie` registration
   * and its secrets are left alone.
   */
  secrets: string | readonly string[]
  /**
   * The public site (absolute http(s) URL). Referral links redirect only inside it, its
   * host counts as our own (never a referrer), and the cookie is `Secure` unless it is
   * plain `http:`. Required.
   */
  publicBaseUrl: string
  /** Cookie name. Default `fw_attr`. */
  cookieName?: string
  /** Attribution window in seconds, counted from the first touch. Default 90 days. */
  maxAgeSeconds?: number
  /** Cookie `Domain`, to share it across subdomains. Default none (host-only). */
  cookieDomain?: string
  /** Cookie `Path`. Default `/`. */
  cookiePath?: string
  /** `Secure` attribute. Default: true unless `publicBaseUrl` is `http:`. */
  secure?: boolean
  /** Upper bound of the Set-Cookie header value in bytes (512–4096). Default 1024. */
  maxCookieBytes?: number
  /** More hosts of ours (subdomains included); a referrer from them is internal. Default none. */
  ownHosts?: readonly string[]
  /** Auth/payment/wallet hops that never count as a referrer (`host` or `host/path`). Default `DEFAULT_EXCLUDED_REFERRERS`. */
  excludedReferrers?: readonly string[]
  /** Query parameters carrying a referral code, in precedence order. Default `referral_code`, `via`, `ref`. */
  referralCodeParams?: readonly string[]
  /** Query parameters naming the source when `utm_source` is absent. Default `utm_referrer`, `source`. */
  sourceAliasParams?: readonly string[]
  /** What a valid referral code looks like. Default `/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/`. */
  referralCodePattern?: RegExp
  /** Longest campaign value kept, in code points. Default 100. */
  maxValueLength?: number
  /** Longest referrer / landing page kept (scheme + host + path). Default 200. */
  maxUrlLength?: number
  /** Capture HTML navigations (GET with `Sec-Fetch-Mode: navigate` or `Accept: text/html`). Default true. */
  captureNavigations?: boolean
  /** Client kinds that never get a cookie. Default `crawler`, `ai_crawler`. */
  noCookieKinds?: readonly ClientKind[]
  /** User agents whose classification is cached (LRU). Default 1000. */
  userAgentCacheSize?: number
  /** Metadata keys `signupAttribution()` keeps. Default `DEFAULT_METADATA_KEYS`. */
  metadataKeys?: readonly string[]
  /** Prefix of the plugin's routes. Default none. */
  routePrefix?: string
  /** Path of the touch beacon, or false to leave it out. Default `/attribution/touch`. */
  touchPath?: string | false
  /** Path of the referral link (must contain `:code`), or false. Default `/r/:code`. */
  referralPath?: string | false
  /** Path on `publicBaseUrl` the referral link redirects to. Default `/`. */
  referralRedirectPath?: string
  /** Query parameter of the referral link naming a path on `publicBaseUrl` to land on, or false. Default `to`. */
  redirectParam?: string | false
  /**
   * The visitor's consent to the attribution cookie: `granted`, `denied` or `unknown`. On
   * `denied` no cookie is set or renewed, an existing one is cleared, and a signup records
   * attribution from its own request alone, marked `metadata.consent = "denied"`. A request
   * with `Sec-GPC: 1` counts as `denied` unless this hook answers `granted` or `denied`.
   * Default: none (every request is `unknown`, or `denied` with `Sec-GPC: 1`).
   */
  consent?: AttributionConsentHook
  /** What an `unknown` answer counts as: `granted` or `denied`. Default `granted` (see `DEFAULT_UNKNOWN_CONSENT`). */
  unknownConsent?: 'granted' | 'denied'
  /** Clock in milliseconds (for tests). Default `Date.now`. */
  now?: () => number
  /** Where capture decisions and hook errors are counted (`createAttributionMetrics().telemetry`). Default: nowhere. */
  telemetry?: AttributionTelemetry
}

/** Normalized options. */
export interface CaptureSettings {
  readonly secrets: readonly string[]
  readonly publicBase: URL
  readonly publicOrigin: string
  readonly cookieName: string
  readonly maxAgeSeconds: number
  readonly cookieDomain: string | null
  readonly cookiePath: string
  readonly secure: boolean
  readonly maxCookieBytes: number
  readonly ownHosts: readonly string[]
  readonly exclusions: readonly ReferrerExclusion[]
  readonly referralCodeParams: readonly string[]
  readonly sourceAliasParams: readonly string[]
  readonly referralCodePattern: RegExp
  readonly maxValueLength: number
  readonly maxUrlLength: number
  readonly captureNavigations: boolean
  readonly noCookieKinds: ReadonlySet<ClientKind>
  readonly userAgentCacheSize: number
  readonly metadataKeys: ReadonlySet<string>
  readonly touchPath: string | null
  readonly referralPath: string | null
  /** Absolute default target of referral redirects. */
  readonly referralTarget: string
  readonly redirectParam: string | null
  readonly consent: AttributionConsentHook | null
  readonly unknownConsent: 'granted' | 'denied'
  readonly now: () => number
  readonly telemetry: AttributionTelemetry
}

const fail = (option: string, why: string): never => { throw new ERR_INVALID_OPTION(option, why) }
const COOKIE_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/
const PARAM_RE = /^[A-Za-z0-9_.-]{1,64}$/
const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/
const ROUTE_RE = /^\/[A-Za-z0-9_.~:/-]*$/

function stringList (option: string, value: unknown, pattern: RegExp): string[] {
  if (!Array.isArray(value)) fail(option, 'must be an array of strings')
  const out: string[] = []
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !pattern.test(item)) fail(option, `"${String(item)}" is not allowed`)
    out.push(item as string)
  }
  return out
}

function integer (option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(option, `must be an integer from ${min} to ${max}`)
  return value as number
}

function routePath (option: string, value: unknown, prefix: string, fallback: string): string | null {
  if (value === false) return null
  const path = value === undefined ? fallback : value
  if (typeof path !== 'string' || !ROUTE_RE.test(path) || path.includes('//')) fail(option, 'must be a path starting with "/" or false')
  return prefix + (path as string)
}

/** A same-origin path (no `//`, no backslash, no control characters) resolved inside `base`, or null. */
export function pathInside (base: URL, path: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (!path.startsWith('/') || path.startsWith('//') || /[\\\u0000-\u001f\u007f\s]/.test(path)) return null
  let decoded: string
  try { decoded = decodeURIComponent(path) } catch { return null }
  if (decoded.startsWith('//') || decoded.includes('\\')) return null
  let target: URL
  try { target = new URL('./' + path.slice(1), base) } catch { return null }
  if (target.origin !== base.origin || !target.href.startsWith(base.href)) return null
  target.hash = ''
  return target.href
}

/** Validates and freezes the options. */
export function normalizeOptions (opts: AttributionCaptureOptions): CaptureSettings {
  if (opts === null || typeof opts !== 'object') fail('options', 'must be an object')
  const rawSecrets = typeof opts.secrets === 'string' ? [opts.secrets] : opts.secrets
  if (!Array.isArray(rawSecrets) || rawSecrets.length === 0) fail('secrets', 'at least one secret is required')
  for (const s of rawSecrets as unknown[]) {
    if (typeof s !== 'string' || s.length < 32) fail('secrets', 'each secret needs at least 32 characters')
  }

  if (typeof opts.publicBaseUrl !== 'string') fail('publicBaseUrl', 'is required (an absolute http(s) URL)')
  let publicBase: URL
  try { publicBase = new URL(opts.publicBaseUrl) } catch { return fail('publicBaseUrl', 'must be an absolute http(s) URL') }
  if (publicBase.protocol !== 'http:' && publicBase.protocol !== 'https:') fail('publicBaseUrl', 'must be an absolute http(s) URL')
  if (publicBase.username !== '' || publicBase.password !== '') fail('publicBaseUrl', 'must not carry credentials')
  publicBase.search = ''
  publicBase.hash = ''
  if (!publicBase.pathname.endsWith('/')) publicBase.pathname += '/'

  const cookieName = opts.cookieName ?? DEFAULT_COOKIE_NAME
  if (typeof cookieName !== 'string' || !COOKIE_NAME_RE.test(cookieName)) fail('cookieName', 'must be a cookie token of 1–64 characters')
  const maxAgeSeconds = integer('maxAgeSeconds', opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS, 60, 400 * 24 * 3600)
  let cookieDomain: string | null = null
  if (opts.cookieDomain !== undefined) {
    const d = typeof opts.cookieDomain === 'string' ? opts.cookieDomain.replace(/^\./, '').toLowerCase() : ''
    if (!HOST_RE.test(d)) fail('cookieDomain', 'must be a host name')
    cookieDomain = d
  }
  const cookiePath = opts.cookiePath ?? DEFAULT_COOKIE_PATH
  if (typeof cookiePath !== 'string' || !/^\/[\x21-\x3a\x3c-\x7e]*$/.test(cookiePath)) fail('cookiePath', 'must be a path starting with "/"')
  if (opts.secure !== undefined && typeof opts.secure !== 'boolean') fail('secure', 'must be a boolean')
  const secure = opts.secure ?? publicBase.protocol === 'https:'
  const maxCookieBytes = integer('maxCookieBytes', opts.maxCookieBytes ?? DEFAULT_MAX_COOKIE_BYTES, 512, 4096)
  const ownHosts = stringList('ownHosts', opts.ownHosts ?? [], /^[A-Za-z0-9.-]{1,253}$/).map((h) => h.toLowerCase().replace(/^www\./, ''))
  const baseHost = publicBase.hostname.replace(/^www\./, '')
  if (!ownHosts.includes(baseHost)) ownHosts.unshift(baseHost)
  const exclusions = stringList('excludedReferrers', opts.excludedReferrers ?? DEFAULT_EXCLUDED_REFERRERS, /^[A-Za-z0-9.:/_-]{1,300}$/).map(parseExclusion)

  const referralCodeParams = stringList('referralCodeParams', opts.referralCodeParams ?? DEFAULT_REFERRAL_CODE_PARAMS, PARAM_RE)
  const sourceAliasParams = stringList('sourceAliasParams', opts.sourceAliasParams ?? DEFAULT_SOURCE_ALIAS_PARAMS, PARAM_RE)
  const both = referralCodeParams.find((p) => sourceAliasParams.includes(p))
  if (both !== undefined) fail('sourceAliasParams', `"${both}" is also a referral code parameter`)
  const referralCodePattern = opts.referralCodePattern ?? DEFAULT_REFERRAL_CODE_PATTERN
  if (!(referralCodePattern instanceof RegExp) || referralCodePattern.global || referralCodePattern.sticky) fail('referralCodePattern', 'must be a RegExp without the g or y flag')

  const maxValueLength = integer('maxValueLength', opts.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH, 8, 500)
  const maxUrlLength = integer('maxUrlLength', opts.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH, 32, 2000)
  if (opts.captureNavigations !== undefined && typeof opts.captureNavigations !== 'boolean') fail('captureNavigations', 'must be a boolean')
  const noCookieKinds = stringList('noCookieKinds', opts.noCookieKinds ?? DEFAULT_NO_COOKIE_KINDS, /^[a-z_0-9]+$/)
  for (const k of noCookieKinds) if (!(CLIENT_KINDS as readonly string[]).includes(k)) fail('noCookieKinds', `"${k}" is not a client kind`)
  const userAgentCacheSize = integer('userAgentCacheSize', opts.userAgentCacheSize ?? DEFAULT_UA_CACHE_SIZE, 1, 1_000_000)
  const metadataKeys = stringList('metadataKeys', opts.metadataKeys ?? DEFAULT_METADATA_KEYS, /^[a-z][a-z0-9_]{0,63}$/)
  const prefix = opts.routePrefix ?? ''
  if (typeof prefix !== 'string' || (prefix !== '' && (!ROUTE_RE.test(prefix) || prefix.endsWith('/')))) fail('routePrefix', 'must be empty or a path like "/api" (no trailing slash)')
  const touchPath = routePath('touchPath', opts.touchPath, prefix, DEFAULT_TOUCH_PATH)
  const referralPath = routePath('referralPath', opts.referralPath, prefix, DEFAULT_REFERRAL_PATH)
  if (referralPath !== null && !/\/:code(?:\/|$)/.test(referralPath)) fail('referralPath', 'must contain the ":code" parameter')
  const redirectPath = opts.referralRedirectPath ?? DEFAULT_REFERRAL_REDIRECT_PATH
  const referralTarget = typeof redirectPath === 'string' ? pathInside(publicBase, redirectPath) : null
  if (referralTarget === null) fail('referralRedirectPath', 'must be a path inside publicBaseUrl')
  const redirectParam = opts.redirectParam === false ? null : opts.redirectParam ?? DEFAULT_REDIRECT_PARAM
  if (redirectParam !== null && (typeof redirectParam !== 'string' || !PARAM_RE.test(redirectParam))) fail('redirectParam', 'must be a parameter name or false')
  if (opts.now !== undefined && typeof opts.now !== 'function') fail('now', 'must be a function returning milliseconds')
  if (opts.consent !== undefined && typeof opts.consent !== 'function') fail('consent', 'must be a function (request) => "granted" | "denied" | "unknown"')
  const unknownConsent = opts.unknownConsent ?? DEFAULT_UNKNOWN_CONSENT
  if (unknownConsent !== 'granted' && unknownConsent !== 'denied') fail('unknownConsent', 'must be "granted" or "denied"')

  return Object.freeze({
    secrets: Object.freeze([...rawSecrets as string[]]),
    publicBase,
    publicOrigin: publicBase.origin,
    cookieName,
    maxAgeSeconds,
    cookieDomain,
    cookiePath,
    secure,
    maxCookieBytes,
    ownHosts: Object.freeze(ownHosts),
    exclusions: Object.freeze(exclusions),
    referralCodeParams: Object.freeze(referralCodeParams),
    sourceAliasParams: Object.freeze(sourceAliasParams),
    referralCodePattern,
    maxValueLength,
    maxUrlLength,
    captureNavigations: opts.captureNavigations ?? true,
    noCookieKinds: new Set(noCookieKinds as ClientKind[]),
    userAgentCacheSize,
    metadataKeys: new Set(metadataKeys),
    touchPath,
    referralPath,
    referralTarget: referralTarget!,
    redirectParam,
    consent: opts.consent ?? null,
    unknownConsent,
    now: opts.now ?? Date.now,
    telemetry: opts.telemetry ?? NOOP_TELEMETRY
  })
}
