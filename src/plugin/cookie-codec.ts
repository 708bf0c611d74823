/**
 * The attribution cookie: a versioned, compact payload carrying its issue time, signed in
 * `@fastify/cookie`'s format (`<value>.<base64 HMAC-SHA256 without padding>`), with
 * rotating secrets: the newest signs, every secret verifies, and a cookie verified by an
 * older one is flagged for re-signing.
 *
 * Why not JSON + base64: two touches with their URLs must fit in 1 KB on the wire, and a
 * pipe-separated list of percent-encoded fields is about half the size. Layout (v1):
 *
 *     1|<issued-at>|<first touch: 11 fields>[|<last touch: 11 fields>]
 *
 * Times are Unix seconds in base 36; a touch is `at, utm_source, utm_medium, utm_campaign,
 * utm_content, utm_term, click_id_type, referral_code, http_referer, landing_page,
 * channel_group` (the group as its index in `CHANNEL_GROUPS`, which is append-only), empty
 * = null; the last touch is omitted when it equals the first. When the cookie would exceed
 * its byte budget, the longest fields are shortened until it fits.
 *
 * Why so careful about cost: a returning visitor from a new campaign needs a verify and a
 * sign on the request path. The HMAC is computed with two one-shot `crypto.hash` calls
 * over precomputed pads (the HMAC construction itself, same output as `createHmac`, about
 * twice as fast for short values), and a verified cookie keeps its first touch as the raw
 * encoded segment, decoded only when someone reads it.
 */
import { createHmac, hash } from 'node:crypto'
import { Signer } from '@fastify/cookie'
import { CHANNEL_GROUPS, type ChannelGroup, type Touch } from '../contracts.ts'
import { CLICK_ID_PARAMS } from './params.ts'
import { truncateCodePoints } from './sanitize.ts'
import { isoOfSecond, type TouchState } from './touch.ts'

export const COOKIE_PAYLOAD_VERSION = '1'
/** Characters the signature adds: `.` + 43 base64 characters of an HMAC-SHA256. */
export const SIGNATURE_LENGTH = 44

const TOUCH_FIELDS = 11
const STRING_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_type', 'referral_code', 'http_referer', 'landing_page'] as const
type StringField = typeof STRING_FIELDS[number]
const GROUP_INDEX = new Map<string, number>(CHANNEL_GROUPS.map((g, i) => [g, i]))
const CLICK_IDS = new Set<string>(CLICK_ID_PARAMS)

// Characters encodeURIComponent leaves alone: such values (most campaign values) are kept as is.
const URI_SAFE = /^[A-Za-z0-9\-_.!~*'()]*$/
const enc = (value: string | null): string => value === null ? '' : URI_SAFE.test(value) ? value : encodeURIComponent(value)

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

/** Decodes an 11-field touch; null when a field is not what we write. */
export function decodeTouch (fields: readonly string[], offset: number): Touch | null {
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
      if (raw !== '') touch[STRING_FIELDS[i]!] = decodeURIComponent(raw)
    }
  } catch {
    return null
  }
  if (touch.click_id_type !== null && !CLICK_IDS.has(touch.click_id_type)) return null
  return touch
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
    readonly lastSegment: string | null
  ) {}

  /** The decoded touches; null when a field turns out undecodable. */
  state (): TouchState | null {
    if (this.#decoded === undefined) {
      const firstFields = this.firstSegment.split('|')
      const first = firstFields.length === TOUCH_FIELDS ? decodeTouch(firstFields, 0) : null
      let last = first
      if (this.lastSegment !== null) {
        const lastFields = this.lastSegment.split('|')
        last = lastFields.length === TOUCH_FIELDS ? decodeTouch(lastFields, 0) : null
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
  if (!payload.startsWith(COOKIE_PAYLOAD_VERSION + '|')) return null
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
    return new StoredCookie(issued * 1000, firstAt * 1000, renew, payload.slice(firstStart), null)
  }
  const lastSegment = payload.slice(lastStart)
  if (afterPipes(lastSegment, 0, TOUCH_FIELDS - 1) === -1 || afterPipes(lastSegment, 0, TOUCH_FIELDS) !== -1) return null
  return new StoredCookie(issued * 1000, firstAt * 1000, renew, payload.slice(firstStart, lastStart - 1), lastSegment)
}

/** Signs and verifies values in `@fastify/cookie`'s signed-cookie format. */
export interface ValueSigner {
  sign: (value: string) => string
  unsign: (signed: string) => { valid: boolean, renew: boolean, value: string | null }
}

const BLOCK = 64
/** HMAC-SHA256 over precomputed pads with one-shot hashes; null when the secret does not suit (non-ASCII or > 64 bytes). */
function padHmac (secret: string): ((value: string) => string) | null {
  // eslint-disable-next-line no-control-regex
  if (secret.length > BLOCK || !/^[\x00-\x7f]*$/.test(secret)) return null
  const key = Buffer.alloc(BLOCK)
  key.write(secret, 'latin1')
  const inner = Buffer.alloc(BLOCK)
  const outer = Buffer.alloc(BLOCK + 32)
  for (let i = 0; i < BLOCK; i++) { inner[i] = key[i]! ^ 0x36; outer[i] = key[i]! ^ 0x5c }
  // ASCII ^ 0x36 stays ASCII, so the inner pad is a string whose UTF-8 bytes are the pad.
  const innerPad = inner.toString('latin1')
  if (typeof hash !== 'function') {
    return (value) => createHmac('sha256', secret).update(value).digest('base64').slice(0, -1)
  }
  // A 32-byte digest in base64 always ends in exactly one '=': cut it as @fastify/cookie does.
  return (value) => {
    outer.write(hash('sha256', innerPad + value, 'binary'), BLOCK, 32, 'latin1')
    return hash('sha256', outer, 'base64').slice(0, -1)
  }
}

/** Constant-time comparison of two strings of equal length. */
function sameString (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * A signer with rotating secrets (newest first), output-compatible with `@fastify/cookie`'s
 * `Signer`; secrets the fast path cannot take use that `Signer` itself.
 */
export function createValueSigner (secrets: readonly string[]): ValueSigner {
  const macs = secrets.map(padHmac)
  if (macs.some((m) => m === null)) return new Signer([...secrets], 'sha256')
  const fns = macs as Array<(value: string) => string>
  return {
    sign: (value) => value + '.' + fns[0]!(value),
    unsign (signed) {
      const dot = signed.lastIndexOf('.')
      if (dot < 0 || signed.length - dot - 1 !== SIGNATURE_LENGTH - 1) return { valid: false, renew: false, value: null }
      const value = signed.slice(0, dot)
      const mac = signed.slice(dot + 1)
      for (let i = 0; i < fns.length; i++) {
        if (sameString(fns[i]!(value), mac)) return { valid: true, renew: i > 0, value }
      }
      return { valid: false, renew: false, value: null }
    }
  }
}

/** The verdict on a cookie value. */
export type CookieVerdict =
  | { status: 'valid', cookie: StoredCookie }
  | { status: 'invalid' | 'expired' }

/** Signs payloads and verifies, decodes and expires cookie values. */
export interface CookieCodec {
  sign: (payload: string) => string
  read: (value: string, nowMs: number) => CookieVerdict
}

/** Allowed clock skew for an issue time in the future. */
const FUTURE_SKEW_MS = 5 * 60_000

/** Creates the codec for `secrets` (newest first) and a lifetime of `maxAgeMs` from the first touch. */
export function createCookieCodec (secrets: readonly string[], maxAgeMs: number): CookieCodec {
  const signer = createValueSigner(secrets)
  return {
    sign: (payload) => signer.sign(payload),
    read (value, nowMs) {
      if (value.length > 4096) return { status: 'invalid' }
      const verified = signer.unsign(value)
      if (!verified.valid || verified.value === null) return { status: 'invalid' }
      const cookie = decodePayload(verified.value, verified.renew)
      if (cookie === null) return { status: 'invalid' }
      if (cookie.issuedAtMs > nowMs + FUTURE_SKEW_MS) return { status: 'invalid' }
      if (nowMs - cookie.issuedAtMs > maxAgeMs || nowMs - cookie.firstAtMs > maxAgeMs) return { status: 'expired' }
      return { status: 'valid', cookie }
    }
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
  const issued = Math.floor(issuedAtMs / 1000)
  if (issued !== second) return head(issuedAtMs) + encodeTouch(touch, second)
  const s36 = second.toString(36)
  let out = COOKIE_PAYLOAD_VERSION + '|' + s36 + '|' + s36
  for (const f of STRING_FIELDS) out += '|' + enc(touch[f])
  return out + '|' + (GROUP_INDEX.get(touch.channel_group) ?? 0).toString(36)
}

/** The values of cookie `name` in a Cookie header, in order (no decoding). */
export function cookieValues (header: string | undefined, name: string): string[] {
  if (header === undefined) return []
  // The common case: our cookie alone.
  if (header.startsWith(name + '=') && !header.includes(';')) {
    const value = header.slice(name.length + 1).trim()
    return [value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value]
  }
  const out: string[] = []
  const needle = name + '='
  let from = 0
  while (from < header.length) {
    const at = header.indexOf(needle, from)
    if (at === -1) break
    const before = at === 0 ? ';' : header[at - 1]
    let end = header.indexOf(';', at)
    if (end === -1) end = header.length
    if (before === ';' || before === ' ' || before === '\t') {
      let value = header.slice(at + needle.length, end).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      out.push(value)
    }
    from = end + 1
  }
  return out
}
