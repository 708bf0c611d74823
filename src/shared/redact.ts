/**
 * Redaction: what no captured value may carry, whoever produced it.
 *
 * Never stored, echoed, put in the cookie or relayed: e-mail addresses, wallet addresses
 * (`0x` + 40 hex) and credential-like tokens. A credential-like token is a JWT, a run of 32 or
 * more hexadecimal characters (digits and letters), or a run of 32 or more base64url characters mixing upper
 * case, lower case and digits: password-reset and invite tokens in paths, subscriber ids in
 * UTM values. A run counts when it has no word separator (`-`, `_`) at all, or when it has
 * some but still reads as random rather than as words (its letter/digit groups average
 * under three characters), so `spring_sale_2026_newsletter_v2` is kept and
 * `secrets.token_urlsafe(32)` is not.
 *
 * Why one module: the capture plugin (query values, Referer, landing page, the signup form
 * and body, metadata), the store, the relay and the service-event ingest apply the same
 * rules, so a value is judged alike on every path in. A sensitive text becomes `REDACTED`
 * whole; a URL keeps its origin and loses only the path segments that hold something, each
 * replaced by the same marker, so reports show that something was removed.
 *
 * Caveats: hosts are never redacted (they carry the channel); a token cut below 32
 * characters by the value's length bound is no longer recognised as one; IP addresses are
 * looked for only in metadata (`isPiiValue`), where version strings are rare.
 */

/** What a redacted value, or path segment, becomes. */
export const REDACTED = '(redacted)'

/** Shortest token and wallet address (below these lengths only the e-mail rule can match). */
const MIN_TOKEN = 32
const MIN_WALLET = 42

// A character before the at sign (`@` or `%40`), a domain label, a dot, more domain.
const EMAIL = /[^\s@](?:@|%40)[^\s@.]+\.[^\s@.]/i
const WALLET = /0x[0-9a-f]{40}/i
const HEX_RUN = /[0-9a-f]{32,}/gi
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/
const IPV6 = /\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){4,7}\b/i

const UPPER = 1
const LOWER = 2
const DIGIT = 4
const SEPARATOR = 8

/** Class of a base64url character, 0 for any other. */
function classOf (c: number): number {
  if (c >= 97 && c <= 122) return LOWER
  if (c >= 65 && c <= 90) return UPPER
  if (c >= 48 && c <= 57) return DIGIT
  return c === 45 || c === 95 ? SEPARATOR : 0
}

/**
 * Whether `text[start, end)`, a run of base64url characters, is a token: it mixes upper
 * case, lower case and digits, and either has a separator-free stretch of `MIN_TOKEN`
 * characters or averages fewer than three characters a letter/digit group (a capital
 * followed by lower case is one group, as in `Sale`).
 */
function tokenRun (text: string, start: number, end: number): boolean {
  let seen = 0
  let groups = 0
  let chars = 0
  let stretch = 0
  let longest = 0
  let prev = 0
  let prevRun = 0
  for (let i = start; i < end; i++) {
    const k = classOf(text.charCodeAt(i))
    seen |= k
    if (k === SEPARATOR) {
      if (stretch > longest) longest = stretch
      stretch = 0
      prev = 0
      continue
    }
    chars++
    stretch++
    if (k === prev) {
      prevRun++
    } else {
      // A single capital followed by lower case continues the same group.
      if (!(prev === UPPER && k === LOWER && prevRun === 1)) groups++
      prev = k
      prevRun = 1
    }
  }
  if (stretch > longest) longest = stretch
  if ((seen & (UPPER | LOWER | DIGIT)) !== (UPPER | LOWER | DIGIT)) return false
  return longest >= MIN_TOKEN || chars < groups * 3
}

/** Whether a text holds a run of 32+ hex characters mixing digits and letters (`aaaa…` is no token). */
function hasHexRun (text: string): boolean {
  HEX_RUN.lastIndex = 0
  for (let m = HEX_RUN.exec(text); m !== null; m = HEX_RUN.exec(text)) {
    if (/\d/.test(m[0]) && /[a-f]/i.test(m[0])) return true
  }
  return false
}

/** Whether a text holds a credential-like token (see the module comment). */
export function hasToken (text: string): boolean {
  if (text.length < MIN_TOKEN) return false
  if (hasHexRun(text) || JWT.test(text)) return true
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && classOf(text.charCodeAt(i)) !== 0) {
      if (start === -1) start = i
      continue
    }
    if (start !== -1 && i - start >= MIN_TOKEN && tokenRun(text, start, i)) return true
    start = -1
  }
  return false
}

/** Whether a text holds an e-mail address (`@` or `%40` between a name and a dotted domain). */
export function hasEmail (text: string): boolean {
  return (text.includes('@') || text.includes('%40')) && EMAIL.test(text)
}

/** Whether a text holds a wallet address. */
export function hasWallet (text: string): boolean {
  return text.length >= MIN_WALLET && WALLET.test(text)
}

/**
 * Whether a text must not be kept: an e-mail or wallet address, or (unless `tokens` is
 * false, as for a valid referral code) a credential-like token.
 */
export function isSensitive (text: string, tokens = true): boolean {
  return hasEmail(text) || hasWallet(text) || (tokens && hasToken(text))
}

/** The text, or `REDACTED` when it is sensitive; null stays null. */
export function redactText (text: string | null, tokens = true): string | null {
  return text !== null && isSensitive(text, tokens) ? REDACTED : text
}

/** Whether a metadata text must not be kept: `isSensitive`, or an IPv4/IPv6 address. */
export function isPiiValue (text: string): boolean {
  return isSensitive(text) || IPV4.test(text) || IPV6.test(text)
}

/** Whether one URL path segment must go: any `@` (a user name or address), a wallet address or a token. */
function sensitiveSegment (segment: string): boolean {
  return segment.includes('@') || segment.includes('%40') || hasWallet(segment) || hasToken(segment)
}

/** A URL path with every sensitive segment replaced by `REDACTED`. */
export function redactPath (path: string): string {
  if (path.length < MIN_TOKEN && !path.includes('@') && !path.includes('%40')) return path
  const segments = path.split('/')
  let changed = false
  for (let i = 0; i < segments.length; i++) {
    if (sensitiveSegment(segments[i]!)) {
      segments[i] = REDACTED
      changed = true
    }
  }
  return changed ? segments.join('/') : path
}
