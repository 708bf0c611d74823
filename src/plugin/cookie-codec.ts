/**
 * The attribution cookie's value: a versioned, compact payload carrying its issue time, and
 * its verification (through `@fastify/cookie`'s `Signer`, rotating secrets) and expiry.
 * Signing and serializing are `@fastify/cookie`'s (its `Signer` and serializer); this module
 * never touches crypto.
 *
 * Why not JSON + base64: two touches with their URLs must fit in 1 KB on the wire, and a
 * pipe-separated list of fields is about half the size. Layout (v3):
 *
 *     3|<issued-at>|<first touch: 11 fields>[|<last touch: 11 fields>]
 *
 * Times are Unix seconds in base 36; a touch is `at, utm_source, utm_medium, utm_campaign,
 * utm_content, utm_term, click_id_type, referral_code, http_referer, landing_page,
 * channel_group` (the group as its index in `CHANNEL_GROUPS`, which is append-only), empty
 * = null; the last touch is omitted when it equals the first. When the cookie would exceed
 * its byte budget, the longest fields are shortened until it fits.
 *
 * The alphabet never expands on the wire: `@fastify/cookie` (through `cookie` 2) URI-encodes
 * a whole value as soon as it holds one character outside the cookie octets or a `%`, which
 * would triple every `|`, `/` and `:`. So a field keeps every printable ASCII character except
 * space, `"`, `%`, `*`, `,`, `;`, `\` and `|`; those and non-ASCII characters are written as
 * their UTF-8 bytes `*XX` (percent-encoding with `*` for `%`). URLs stay readable and short,
 * and the signature (`.` + 43 base64 characters) is sent as is too.
 *
 * A verified cookie keeps its first touch as the raw encoded segment, decoded only when
 * someone reads it, and reused as is when only the last touch changes.
 *
 * v2 is v3 written before redaction existed: its fields may hold e-mail or wallet addresses
 * or tokens. It still verifies, its touches are redacted when decoded, and it is flagged
 * `legacy` so the plugin rewrites it (as v3, from the redacted touches) on its next capture.
 */
import { CHANNEL_GROUPS, type ChannelGroup, type Touch } from '../contracts.ts'
import { CLICK_ID_PARAMS } from './params.ts'
import { normalizeTouch, STORE_LIMITS } from '../shared/normalize.ts'
import { truncateCodePoints } from '../shared/sanitize.ts'
import { isoOfSecond, type TouchState } from './touch.ts'

export const COOKIE_PAYLOAD_VERSION = '3'
/** The version before redaction: read, redacted and rewritten. */
export const LEGACY_PAYLOAD_VERSION = '2'
/** Characters the signature adds: `.` + 43 base64 characters of an HMAC-SHA256. */
export const SIGNATURE_LENGTH = 44

const TOUCH_FIELDS = 11
const STRING_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_type', 'referral_code', 'http_referer', 'landing_page'] as const
type StringField = typeof STRING_FIELDS[number]
const GROUP_INDEX = new Map<string, number>(CHANNEL_GROUPS.map((g, i) => [g, i]))
const CLICK_IDS = new Set<string>(CLICK_ID_PARAMS)

// Characters a field keeps as they are: printable ASCII but space " % * , ; \ |.
const RAW = /^[!#$&'()+\-./0-9:<=>?@A-Z[\]^_`a-z{}~]*$/
const NOT_RAW = /[^!#$&'()+\-./0-9:<=>?@A-Z[\]^_`a-z{}~]/gu
const escapeChar = (c: string): string => {
  if (c === '*') return '*2A'
  try { return encodeURIComponent(c).replaceAll('%', '*') } catch { return '*EF*BF*BD' }
}
/** Encodes one field value (null → empty). */
export const encodeField = (value: string | null): string => value === null ? '' : RAW.test(value) ? value : value.replace(NOT_RAW, escapeChar)
/** Decodes one field value; throws URIError on a malformed escape. */
const decodeField = (raw: string): string => raw.includes('*') ? decodeURIComponent(raw.replaceAll('*', '%')) : raw
const enc = encodeField

/** Unix second of a touch's ISO time. */
export const secondOf = (iso: string): number => Math.floor(Date.parse(iso) / 1000)

/** Encodes one touch (11 fields). */
export function encodeTouch (t: Touch, atSecond: number = secondOf(t.at)): string {
  let out = atSecond.toString(36)
  for (const f of STRING_FIELDS) out += '|' + enc(t[f])
  return out + '|' + (GROUP_INDEX.get(t.channel_group) ?? 0).toString(36)
}

function sameTouch (a: Touch, b: Touch): boolean {
  if (a === b) return true
  if (a.at !== b.at || a.channel_group !== b.channel_group) return false
  for (const f of STRING_FIELDS) if (a[f] !== b[f]) return false
  return true
}

const head = (issuedAtMs: number): string => COOKIE_PAYLOAD_VERSION + '|' + Math.floor(issuedAtMs / 1000).toString(36) + '|'

/** Encodes a state issued at `issuedAtMs` (no size bound). */
export function encodePayload (state: TouchState, issuedAtMs: number): string {
  const first = head(issuedAtMs) + encodeTouch(state.first)
  return sameTouch(state.first, state.last) ? first : first + '|' + encodeTouch(state.last)
}

/**
 * Encodes a state within `budget` characters, shortening the longest text fields (of both
 * touches) until it fits. Returns the payload and the state it actually carries.
 */
export function encodeWithin (state: TouchState, issuedAtMs: number, budget: number): { payload: string, state: TouchState } {
  let payload = encodePayload(state, issuedAtMs)
  if (payload.length <= budget) return { payload, state }
  const same = sameTouch(state.first, state.last)
  const first: Touch = { ...state.first }
  const last: Touch = same ? first : { ...state.last }
  const touches = same ? [first] : [first, last]
  // Bounded: every round shortens one field by a quarter of its code points (or empties it).
  for (let round = 0; round < 1000 && payload.length > budget; round++) {
    let best: { t: Touch, f: StringField, len: number } | null = null
    for (const t of touches) {
      for (const f of STRING_FIELDS) {
        if (f === 'click_id_type') continue
        const len = enc(t[f]).length
        if (len > 0 && (best === null || len > best.len)) best = { t, f, len }
      }
    }
    if (best === null) break
    const value = best.t[best.f]!
    const keep = Math.floor([...value].length * 0.75)
    const cut = keep <= 0 ? '' : truncateCodePoints(value, keep).trim()
    best.t[best.f] = cut.length === 0 ? null : cut
    payload = encodePayload({ first, last }, issuedAtMs)
  }
  return { payload, state: { first, last } }
}

/** Decodes an 11-field touch; null when a field is not what we write. `legacy` redacts it. */
export function decodeTouch (fields: readonly string[], offset: number, legacy = false): Touch | null {
  const at = parseInt(fields[offset]!, 36)
  if (!Number.isFinite(at) || at <= 0) return null
  const group = CHANNEL_GROUPS[parseInt(fields[offset + 10]!, 36)] as ChannelGroup | undefined
  if (group === undefined) return null
  const touch: Touch = {
    at: isoOfSecond(at),
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_content: null,
    utm_term: null,
    click_id_type: null,
    referral_code: null,
    http_referer: null,
    landing_page: null,
    channel_group: group
  }
  try {
    for (let i = 0; i < STRING_FIELDS.length; i++) {
      const raw = fields[offset + 1 + i]!
      if (raw !== '') touch[STRING_FIELDS[i]!] = decodeField(raw)
    }
  } catch {
    return null
  }
  if (touch.click_id_type !== null && !CLICK_IDS.has(touch.click_id_type)) return null
  // Written before redaction: through the shared normalizer, as the store would take it.
  return legacy ? normalizeTouch(touch, STORE_LIMITS) : touch
}

/** A verified cookie. Its touches are decoded on first use. */
export class StoredCookie {
  /** Decoded touches: undefined = not yet, null = undecodable. */
  #decoded: TouchState | null | undefined = undefined

  constructor (
    readonly issuedAtMs: number,
    readonly firstAtMs: number,
    /** Verified with an older secret: re-sign with the newest. */
    readonly renew: boolean,
    /** The raw encoded first-touch segment (reused as is when only the last touch changes). */
    readonly firstSegment: string,
    /** The raw encoded last-touch segment, or null when it equals the first. */
    readonly lastSegment: string | null,
    /** Written before redaction (v2): its segments must not be reused, only its redacted touches. */
    readonly legacy = false
  ) {}

  /** The decoded touches; null when a field turns out undecodable. */
  state (): TouchState | null {
    if (this.#decoded === undefined) {
      const firstFields = this.firstSegment.split('|')
      const first = firstFields.length === TOUCH_FIELDS ? decodeTouch(firstFields, 0, this.legacy) : null
      let last = first
      if (this.lastSegment !== null) {
        const lastFields = this.lastSegment.split('|')
        last = lastFields.length === TOUCH_FIELDS ? decodeTouch(lastFields, 0, this.legacy) : null
      }
      this.#decoded = first !== null && last !== null ? { first, last } : null
    }
    return this.#decoded
  }
}

/** Position after the `n`-th `|` from `from`, or -1. */
function afterPipes (s: string, from: number, n: number): number {
  let at = from
  for (let i = 0; i < n; i++) {
    at = s.indexOf('|', at)
    if (at === -1) return -1
    at++
  }
  return at
}

/**
 * Decodes a verified payload's frame (version, issue time, first-touch time, segment
 * bounds); the touches stay encoded until asked for.
 */
export function decodePayload (payload: string, renew = false): StoredCookie | null {
  const legacy = payload.startsWith(LEGACY_PAYLOAD_VERSION + '|')
  if (!legacy && !payload.startsWith(COOKIE_PAYLOAD_VERSION + '|')) return null
  const issuedEnd = payload.indexOf('|', 2)
  if (issuedEnd === -1) return null
  const firstStart = issuedEnd + 1
  const firstAtEnd = payload.indexOf('|', firstStart)
  const issued = parseInt(payload.slice(2, issuedEnd), 36)
  const firstAt = parseInt(payload.slice(firstStart, firstAtEnd), 36)
  if (!(issued > 0) || !(firstAt > 0) || firstAt > issued) return null
  // The first segment holds TOUCH_FIELDS fields: TOUCH_FIELDS - 1 separators inside it.
  const lastStart = afterPipes(payload, firstStart, TOUCH_FIELDS)
  if (lastStart === -1) {
    if (afterPipes(payload, firstStart, TOUCH_FIELDS - 1) === -1) return null
    return new StoredCookie(issued * 1000, firstAt * 1000, renew, payload.slice(firstStart), null, legacy)
  }
  const lastSegment = payload.slice(lastStart)
  if (afterPipes(lastSegment, 0, TOUCH_FIELDS - 1) === -1 || afterPipes(lastSegment, 0, TOUCH_FIELDS) !== -1) return null
  return new StoredCookie(issued * 1000, firstAt * 1000, renew, payload.slice(firstStart, lastStart - 1), lastSegment, legacy)
}

/** What `@fastify/cookie`'s `Signer#unsign` answers. */
export interface UnsignResult {
  valid: boolean
  renew: boolean
  value: string | null
}

/** The verdict on a cookie value. */
export type CookieVerdict =
  | { status: 'valid', cookie: StoredCookie }
  | { status: 'invalid' | 'expired' }

/** Verifies, decodes and expires cookie values. */
export type CookieReader = (value: string, nowMs: number) => CookieVerdict

/** Longest cookie value read at all (browsers keep 4096 bytes a cookie). */
export const MAX_COOKIE_VALUE = 4096
/** Allowed clock skew for an issue time in the future. */
const FUTURE_SKEW_MS = 5 * 60_000

/**
 * A reader of cookie values signed by `@fastify/cookie`: `unsign` is its `Signer#unsign`
 * (every secret verifies; `renew` flags an older one), `maxAgeMs` the lifetime counted from
 * the first touch and from the issue time.
 */
export function createCookieReader (unsign: (signed: string) => UnsignResult, maxAgeMs: number): CookieReader {
  return function read (value, nowMs) {
    if (value.length > MAX_COOKIE_VALUE || !(value.startsWith(COOKIE_PAYLOAD_VERSION + '|') || value.startsWith(LEGACY_PAYLOAD_VERSION + '|'))) return { status: 'invalid' }
    const verified = unsign(value)
    if (!verified.valid || verified.value === null) return { status: 'invalid' }
    const cookie = decodePayload(verified.value, verified.renew)
    if (cookie === null) return { status: 'invalid' }
    if (cookie.issuedAtMs > nowMs + FUTURE_SKEW_MS) return { status: 'invalid' }
    if (nowMs - cookie.issuedAtMs > maxAgeMs || nowMs - cookie.firstAtMs > maxAgeMs) return { status: 'expired' }
    return { status: 'valid', cookie }
  }
}

/** Payload of a returning visitor's cookie with a new last touch (the first touch's segment reused). */
export function encodeReturn (cookie: StoredCookie, last: Touch, lastSecond: number, issuedAtMs: number): string {
  return head(issuedAtMs) + cookie.firstSegment + '|' + encodeTouch(last, lastSecond)
}

/** Payload of a cookie re-signed unchanged (secret rotation). */
export function encodeRenewed (cookie: StoredCookie, issuedAtMs: number): string {
  return head(issuedAtMs) + cookie.firstSegment + (cookie.lastSegment === null ? '' : '|' + cookie.lastSegment)
}

/** Payload of a new visitor's cookie. */
export function encodeFresh (touch: Touch, second: number, issuedAtMs: number): string {
  return head(issuedAtMs) + encodeTouch(touch, second)
}
