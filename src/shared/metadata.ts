/**
 * Metadata scrubbing: what a signup's `metadata_json` may hold, whoever wrote it.
 *
 * Why one module: the capture plugin (a signup handler's `metadata`, allow-listed), the
 * store, the relay and the service-event ingest all keep metadata, and each used to scrub
 * it with its own depth and size limits. Now every layer calls `scrubMetadata` with its own
 * `MetadataLimits`; the rules are the same everywhere:
 * - keys are 1–64 characters of `[A-Za-z0-9_.-]` (no `@`, so no e-mail address), and a key
 *   holding a wallet address or a credential-like token is dropped;
 * - values are strings, finite numbers, booleans, null, or (down to `maxDepth`) objects;
 *   arrays and anything else are dropped;
 * - a text holding an e-mail, wallet or IP address or a credential-like token becomes
 *   `(redacted)`; other texts are sanitized and bounded (`sanitizeValue`).
 */
import { hasToken, hasWallet, isPiiValue } from './redact.ts'
import { sanitizeValue } from './sanitize.ts'

/** How much metadata a layer keeps. */
export interface MetadataLimits {
  /** Most keys kept per object. */
  readonly maxKeys: number
  /** Levels of nested objects kept below the top one (0: scalars only). */
  readonly maxDepth: number
  /** Longest text value, in code points. */
  readonly maxText: number
  /** When set, only these top-level keys are kept. */
  readonly allowed?: ReadonlySet<string> | null
}

/** The limits of the store and the relay: 32 keys an object, one nested level, texts of 200 code points. */
export const METADATA_LIMITS: MetadataLimits = Object.freeze({ maxKeys: 32, maxDepth: 1, maxText: 200 })

const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Metadata as it may be kept (see the module comment); anything but a plain object gives `{}`. */
export function scrubMetadata (value: unknown, limits: MetadataLimits = METADATA_LIMITS, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!isPlainObject(value)) return out
  const allowed = depth === 0 ? limits.allowed : null
  let kept = 0
  for (const key of Object.keys(value)) {
    if (kept >= limits.maxKeys) break
    if (allowed !== null && allowed !== undefined && !allowed.has(key)) continue
    if (!METADATA_KEY.test(key) || hasWallet(key) || hasToken(key)) continue
    const v = value[key]
    let clean: unknown
    if (typeof v === 'string') clean = sanitizeValue(v, limits.maxText, isPiiValue) ?? undefined
    else if (typeof v === 'number') clean = Number.isFinite(v) ? v : undefined
    else if (typeof v === 'boolean' || v === null) clean = v
    else if (depth < limits.maxDepth && isPlainObject(v)) clean = scrubMetadata(v, limits, depth + 1)
    if (clean === undefined) continue
    out[key] = clean
    kept++
  }
  return out
}

/**
 * The scrubbed metadata of a `metadata_json` text; `{}` when it is not a JSON object, is
 * longer than `4 × maxJson`, or scrubs to more than `maxJson` characters.
 */
export function metadataOf (json: unknown, maxJson: number, limits: MetadataLimits = METADATA_LIMITS): Record<string, unknown> {
  if (typeof json !== 'string' || json === '' || json.length > maxJson * 4) return {}
  let parsed: unknown
  try { parsed = JSON.parse(json) } catch { return {} }
  const out = scrubMetadata(parsed, limits)
  return JSON.stringify(out).length > maxJson ? {} : out
}
