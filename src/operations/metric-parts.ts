/**
 * The small parts of the metrics module (metrics.ts) that do not register anything: the
 * package's version, the client's process metrics without its nonconforming names, bounded
 * label values, the kind of a ClickHouse error, and a cached read for scrape-time gauges.
 */
import { readFileSync } from 'node:fs'
import { collectDefaultMetrics, Registry, type Gauge } from '@prometheus-io/client'
import { isUnreachable } from '../clickhouse/client.ts'

/** The kinds a ClickHouse error is counted as. */
export const CLICKHOUSE_ERROR_KINDS = ['timeout', 'memory_limit', 'unavailable', 'query', 'other'] as const
/** The label value of anything outside a fixed set. */
export const OTHER = 'other'

/** The package's version, for `attribution_build_info`. */
export function packageVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * The client's default metrics whose names break Prometheus' naming rules (promtool flags a
 * `_total` gauge, a type in a name): left out. The active handles, requests and resources
 * stay, by type, and so does the event-loop lag.
 */
const NONCONFORMING_DEFAULT_METRICS: ReadonlySet<string> = new Set([
  'nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total',
  'nodejs_eventloop_utilization_histogram', 'nodejs_eventloop_utilization_summary'
])

/** The client's process and Node.js metrics, but for {@link NONCONFORMING_DEFAULT_METRICS}. */
export function registerProcessMetrics (registry: Registry): void {
  const all = new Registry()
  collectDefaultMetrics({ register: all })
  for (const metric of all.getMetricsAsArray()) {
    if (!NONCONFORMING_DEFAULT_METRICS.has(metric.name)) registry.registerMetric(metric as unknown as Gauge)
  }
}

/** `value` when it is one of `allowed`, else `other`. */
export function bounded (value: unknown, allowed: ReadonlySet<string>): string {
  return typeof value === 'string' && allowed.has(value) ? value : OTHER
}

/** The kind of a ClickHouse failure, from its numeric code (never its message). */
export function clickHouseErrorKind (error: unknown): typeof CLICKHOUSE_ERROR_KINDS[number] {
  if (isUnreachable(error)) return 'unavailable'
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return 'other'
  switch (code) {
    case '159': case '160': return 'timeout'
    case '241': return 'memory_limit'
    case '202': case '210': case '209': return 'unavailable'
    default: return 'query'
  }
}

/**
 * A value read at most once per `periodMs` (counted from when the read answered); callers
 * while a read is in flight share it, so the collectors of one scrape cause one read.
 */
export function cachedRead<T> (read: () => Promise<T>, periodMs: number): () => Promise<T> {
  let kept: { at: number, value: Promise<T> } | undefined
  return () => {
    if (kept === undefined || Date.now() - kept.at >= periodMs) {
      const entry = { at: Number.POSITIVE_INFINITY, value: read() }
      entry.value.then(() => { entry.at = Date.now() }, () => {
        // A failed read is not kept: the next scrape tries again.
        if (kept === entry) kept = undefined
      })
      kept = entry
    }
    return kept.value
  }
}
