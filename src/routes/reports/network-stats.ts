/**
 * The public network stats without Fastify: option normalization, the per-period cache that
 * computes at most once per period however many requests wait, the answer's shape, and the
 * `ETag` / `If-None-Match` comparison.
 *
 * Why a cache in the process and not only `Cache-Control`: the endpoint is public, so a crowd
 * (or a script) can arrive at once; every request of a period shares one computation (one
 * engine query), and requests that arrive while it runs wait for it instead of starting
 * their own. A failed computation is not kept: the next request tries again.
 */
import { createHash } from 'node:crypto'
import { ERR_INVALID_OPTION } from '../../errors.ts'
import { networkStatsRanges } from './network-stats.query.ts'

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

/**
 * A value computed at most once per `periodMs`: callers within a period get the kept value;
 * callers while a computation runs share it; a failure is handed to its waiters and not kept.
 * The period starts when the computation starts.
 */
export function periodCache<T> (compute: () => Promise<T>, periodMs: number, now: () => number = Date.now): () => Promise<T> {
  let kept: { since: number, value: T } | undefined
  let running: Promise<T> | undefined
  return async function cached () {
    if (kept !== undefined && now() - kept.since < periodMs) return kept.value
    if (running === undefined) {
      const since = now()
      running = compute().then((value) => {
        kept = { since, value }
        return value
      }).finally(() => { running = undefined })
    }
    return running
  }
}

/** The rows {@link buildNetworkStatsQuery} answers, as read. */
export interface NetworkStatsRow {
  range_index: number
  viewer_hours: number
  egress_gb: number
  livepeer_seconds: number
  native_seconds: number
  active_tenants: number
  data_from: string | null
  first_usage_day: string | null
}

/** Hours from seconds, rounded like every figure (6 decimals). */
export const hoursOf = (seconds: number): number => Math.round(seconds / 3600 * 1e6) / 1e6

/** The figures of one range that the public may see: network totals only. */
function publicFigures (row: NetworkStatsRow | undefined) {
  return {
    viewer_hours: Number(row?.viewer_hours ?? 0),
    egress_gb: Number(row?.egress_gb ?? 0),
    livepeer_hours: hoursOf(Number(row?.livepeer_seconds ?? 0)),
    native_hours: hoursOf(Number(row?.native_seconds ?? 0)),
    active_tenants: Number(row?.active_tenants ?? 0)
  }
}

/** The answer of `GET /stats/network`, built from the query's rows (field by field: nothing else leaks). */
export function networkStatsBody (rows: readonly NetworkStatsRow[], today: string, generatedAt: Date) {
  const { recent, allTime } = networkStatsRanges(today)
  const byIndex = new Map(rows.map((r) => [Number(r.range_index), r]))
  const first = rows[0]
  const dataFrom = first?.data_from ?? null
  const firstUsage = first?.first_usage_day ?? null
  const starts = [dataFrom?.slice(0, 10), firstUsage].filter((d): d is string => typeof d === 'string')
  return {
    generated_at: generatedAt.toISOString(),
    data_from: dataFrom,
    last_30_days: { ...recent, ...publicFigures(byIndex.get(1)) },
    all_time: { from: starts.length === 0 ? null : starts.reduce((a, b) => (a < b ? a : b)), to: allTime.to, ...publicFigures(byIndex.get(2)) }
  }
}

/** A strong `ETag` of a body. */
export function etagOf (body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
}

/** Whether an `If-None-Match` header matches `etag` (weak comparison, lists and `*`, RFC 9110). */
export function ifNoneMatchHits (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || c.replace(/^W\//, '') === bare
  })
}
