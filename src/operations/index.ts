/**
 * Operations: Prometheus metrics, liveness and readiness. The pieces of the package report
 * into `AttributionTelemetry` (src/shared/telemetry.ts); `createAttributionMetrics` (metrics.ts) is the
 * Prometheus implementation; `metricsPlugin` and `healthPlugin` (routes.ts) serve them.
 */
export {
  CAPTURE_DECISIONS, CLICKHOUSE_OPERATIONS, NOOP_TELEMETRY, RELAY_EVENT_OUTCOMES, RELAY_FAILURE_KINDS, REPORT_NAMES
} from '../shared/telemetry.ts'
export type { AttributionTelemetry, CaptureDecision, ClickHouseOperation, RelayEventOutcome, RelayFailureKind, UsageUpkeepRun } from '../shared/telemetry.ts'
export { createAttributionMetrics, DEFAULT_STATUS_CACHE_MS } from './metrics.ts'
export type { AttributionMetrics, AttributionMetricsOptions } from './metrics.ts'
export { createReadinessCheck } from './readiness.ts'
export type { DatabaseCheck, ReadinessOptions, ReadinessResult } from './readiness.ts'
export { healthPlugin, metricsPlugin } from './routes.ts'
export type { HealthPluginOptions, MetricsPluginOptions } from './routes.ts'
