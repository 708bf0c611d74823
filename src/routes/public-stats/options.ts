/**
 * The options of the public network stats (`publicStats` of the reports plugin): their
 * defaults, and their validation once at registration, so a bad value stops the plugin with a
 * message that names the option.
 */
import { ERR_INVALID_OPTION } from '../../errors.ts'

/** Seconds an answer is kept and may be cached by clients (`Cache-Control: public, max-age`). */
export const DEFAULT_STATS_MAX_AGE_SECONDS = 300
/** Requests per client and window. */
export const DEFAULT_STATS_RATE_LIMIT_MAX = 60
/** The rate limit's window, in milliseconds. */
export const DEFAULT_STATS_RATE_LIMIT_WINDOW_MS = 60_000

/** Options of the public network stats (`publicStats` of the reports plugin). */
export interface PublicStatsOptions {
  /**
   * Origins whose pages may read the stats (CORS), each as a browser sends it in `Origin`
   * (`https://frameworks.network`, no path). Default none: same-origin pages only.
   */
  corsOrigins?: readonly string[]
  /**
   * Seconds an answer is kept before it is computed again, and the `max-age` clients and
   * shared caches get: 300 … 86400. Default {@link DEFAULT_STATS_MAX_AGE_SECONDS}.
   */
  maxAgeSeconds?: number
  /**
   * Requests a client (by `request.ip`: set Fastify's `trustProxy` behind a proxy) may make
   * per window before it gets 429 with `Retry-After`. Defaults
   * {@link DEFAULT_STATS_RATE_LIMIT_MAX} per {@link DEFAULT_STATS_RATE_LIMIT_WINDOW_MS} ms.
   */
  rateLimit?: { max?: number, timeWindowMs?: number }
}

export interface NormalizedPublicStatsOptions {
  corsOrigins: readonly string[]
  maxAgeSeconds: number
  rateLimit: { max: number, timeWindowMs: number }
}

/** Validates `publicStats` once; `true` takes every default. */
export function normalizePublicStatsOptions (value: true | PublicStatsOptions): Readonly<NormalizedPublicStatsOptions> {
  if (value !== true && (value === null || typeof value !== 'object')) throw new ERR_INVALID_OPTION('publicStats', 'must be true, false or an object')
  const options: PublicStatsOptions = value === true ? {} : value
  const corsOrigins = options.corsOrigins ?? []
  if (!Array.isArray(corsOrigins)) throw new ERR_INVALID_OPTION('publicStats.corsOrigins', 'must be an array of origins')
  for (const origin of corsOrigins) {
    let parsed: URL | null = null
    try { parsed = new URL(origin) } catch { /* refused below */ }
    if (parsed === null || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      throw new ERR_INVALID_OPTION('publicStats.corsOrigins', `"${String(origin)}" is not an origin like https://example.com`)
    }
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_STATS_MAX_AGE_SECONDS
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 300 || maxAgeSeconds > 86_400) throw new ERR_INVALID_OPTION('publicStats.maxAgeSeconds', 'must be an integer from 300 to 86400')
  const max = options.rateLimit?.max ?? DEFAULT_STATS_RATE_LIMIT_MAX
  if (!Number.isInteger(max) || max < 1) throw new ERR_INVALID_OPTION('publicStats.rateLimit.max', 'must be a positive integer')
  const timeWindowMs = options.rateLimit?.timeWindowMs ?? DEFAULT_STATS_RATE_LIMIT_WINDOW_MS
  if (!Number.isInteger(timeWindowMs) || timeWindowMs < 1000) throw new ERR_INVALID_OPTION('publicStats.rateLimit.timeWindowMs', 'must be an integer of at least 1000')
  return Object.freeze({ corsOrigins: Object.freeze([...corsOrigins]), maxAgeSeconds, rateLimit: Object.freeze({ max, timeWindowMs }) })
}
