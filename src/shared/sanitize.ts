/**
 * Sanitizers for every attribution value, on every path in: the capture plugin (query,
 * headers, the signup form and body), the store, the relay and the service-event ingest.
 *
 * Why one shared module: every captured value ends up in a cookie, in Postgres and in
 * ClickHouse, and none of them may carry PII or break a consumer, whoever produced it. Texts
 * lose control and bidi-override characters, invalid UTF-8/UTF-16 and surrounding whitespace
 * and are bounded in code points; URLs keep scheme, host and path only (never query,
 * fragment or userinfo), and path segments holding an address or a credential-like token
 * are redacted (`redact.ts`). Arrays of values (`?a=1&a=2`) count as their first value.
 * Nothing here throws: bad input becomes `null`.
 */
import { isSensitive, REDACTED, redactPath } from './redact.ts'

// C0/C1 controls, DEL, zero-width and bidi controls, U+FFFD (what invalid UTF-8 decodes to).
// eslint-disable-next-line no-control-regex
const UNWANTED = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffd]/g
const SPACES = /\s+/g
// Tabs and line breaks separate words: they become spaces before other controls are dropped.
const LINE_BREAKS = /[\t\n\v\f\r]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const FAST_CLEAN = /^[\u0020-\u007e]*$/

/** The first string of a query/header value, or null. */
export function firstString (value: unknown): string | null {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'string') return item
  }
  return null
}

/** Cuts a string to at most `max` code points without splitting a surrogate pair. */
export function truncateCodePoints (value: string, max: number): string {
  if (value.length <= max) return value
  let out = ''
  let count = 0
  for (const ch of value) {
    if (count === max) break
    out += ch
    count++
  }
  return out
}

/**
 * A bounded, printable text: control characters removed, whitespace runs collapsed,
 * trimmed, at most `max` code points. Empty → null.
 */
export function sanitizeText (value: unknown, max: number): string | null {
  let text = firstString(value)
  if (text === null) return null
  if (text.length > max * 4) text = text.slice(0, max * 4)
  if (FAST_CLEAN.test(text) && text.length <= max && text.trim() === text && !text.includes('  ')) {
    return text.length === 0 ? null : text
  }
  text = text.replace(LINE_BREAKS, ' ').replace(LONE_SURROGATE, '').replace(UNWANTED, '').replace(SPACES, ' ').trim()
  text = truncateCodePoints(text, max).trim()
  return text.length === 0 ? null : text
}

/**
 * `sanitizeText`, then redaction: the whole value becomes `REDACTED` when `sensitive` finds
 * an address or token in it (default `isSensitive`; pass `(t) => isSensitive(t, false)` for a
 * valid referral code). Judged before the bound, so a cut never hides half an address.
 */
export function sanitizeValue (value: unknown, max: number, sensitive: (text: string) => boolean = isSensitive): string | null {
  const raw = firstString(value)
  if (raw === null) return null
  const text = sanitizeText(raw, max)
  if (text === null) return null
  if (sensitive(text)) return REDACTED
  // Cut by the bound: judge the longer text too (within the 4× slice sanitizeText reads).
  if (text.length < raw.length) {
    const longer = sanitizeText(raw, max * 4)
    if (longer !== null && longer !== text && sensitive(longer)) return REDACTED
  }
  return text
}

const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/
const PATH_RE = /^\/[\x21-\x7e]*$/
function cleanPath (path: string, max: number): string {
  // Redacted before it is cut, so a cut never leaves part of an address or token behind.
  let out = redactPath(path)
  if (out.length > max) out = out.slice(0, max).replace(/%[0-9a-f]?$/i, '')
  return out
}

/**
 * Scheme, host and path of an http(s) URL, bounded to `max` characters (the path is cut);
 * null when it is not an absolute http(s) URL. Query, fragment and userinfo never survive.
 */
export function sanitizeUrl (value: unknown, max: number): string | null {
  let text = firstString(value)
  if (text === null) return null
  if (text.length > 8192) return null
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u0020\u007f]+/g, '')
  if (text.length === 0) return null
  let url: URL
  try { url = new URL(text) } catch { return null }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.hostname === '') return null
  const origin = `${url.protocol}//${url.host}`
  if (origin.length >= max) return null
  return origin + cleanPath(url.pathname, max - origin.length)
}

/**
 * Scheme + host + path of the request itself (its landing page), built without `new URL`
 * on the common path. `host` comes from the Host header; an unusable host falls back to
 * `fallbackOrigin` (the public base URL's origin).
 */
export function landingPageOf (protocol: string, host: string | undefined, rawUrl: string, fallbackOrigin: string, max: number): string | null {
  const q = rawUrl.indexOf('?')
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q)
  const scheme = protocol === 'https' ? 'https' : 'http'
  let h = host?.toLowerCase()
  if (h !== undefined && h.endsWith(scheme === 'https' ? ':443' : ':80')) h = h.slice(0, h.lastIndexOf(':'))
  const origin = h !== undefined && h.length <= 255 && HOST_RE.test(h) ? `${scheme}://${h}` : fallbackOrigin
  if (PATH_RE.test(path) && !path.startsWith('//') && !path.includes('\\')) {
    if (origin.length >= max) return null
    return origin + cleanPath(path, max - origin.length)
  }
  return sanitizeUrl(origin + (path.startsWith('/') ? path : '/' + path), max)
}

/** A sanitized URL with its sensitive path segments redacted (for URLs that skip `sanitizeUrl`). */
export function redactUrl (url: string): string {
  const start = url.indexOf('//') + 2
  const slash = url.indexOf('/', start)
  return slash === -1 ? url : url.slice(0, slash) + redactPath(url.slice(slash))
}

/** Lower-cased host (no port, no `www.`) of a sanitized URL, or null. */
export function hostOf (url: string | null): string | null {
  if (url === null) return null
  const start = url.indexOf('//') + 2
  let end = url.indexOf('/', start)
  if (end === -1) end = url.length
  let host = url.slice(start, end)
  const colon = host.lastIndexOf(':')
  if (colon !== -1 && !host.endsWith(']')) host = host.slice(0, colon)
  return host.startsWith('www.') ? host.slice(4) : host
}

/** Path of a sanitized URL (`/` when it has none). */
export function pathOf (url: string): string {
  const start = url.indexOf('//') + 2
  const slash = url.indexOf('/', start)
  return slash === -1 ? '/' : url.slice(slash)
}

/** True when `host` is `entry` or one of its subdomains. */
export function hostMatches (host: string, entry: string): boolean {
  return host === entry || (host.length > entry.length && host.endsWith(entry) && host[host.length - entry.length - 1] === '.')
}
