/**
 * The ingest side: the outbox → ClickHouse relay (which also runs erasure jobs), service-event
 * ingest and their operator routes. See `relay-cycle.ts` for the exactly-once argument and
 * why an erased tenant's event cannot come back. The outbox and erasure-job SQL the relay runs
 * lives in the store (`store/outbox-claims.repository.ts`, `store/erasure-jobs.repository.ts`).
 */
export { createRelay, type Relay, type RelayMetrics } from './relay.ts'
export { backoffDelay, normalizeRelayOptions, type RelayOptions, type RelayLogger } from './relay-options.ts'
export type { BatchOutcome } from './relay-outcome.ts'
export { ingestServiceEvents, parseServiceEvent, MAX_SERVICE_EVENTS, type ServiceEventsResult, type ServiceEventRejection } from './service-events.ts'
export { ingestRoutes, type IngestRoutesOptions } from './ingest-routes.ts'
export { outboxStatus, requeueParked, pruneDelivered, type OutboxStatus, type ParkedEvent } from '../store/outbox-claims.repository.ts'
export { toAcquisitionRow, type AcquisitionRow } from './acquisition-row.ts'
export { scrubMetadata } from '../shared/metadata.ts'
export { eraseAcquisitionRows, type EraseOutcome } from './acquisition-eraser.ts'
export { pendingErasureJobs } from '../store/erasure-jobs.repository.ts'
export { insertAcquisitionRows, dedupToken, isTransientInsertError, DEFAULT_ACQUISITION_TABLE } from './acquisition-writer.ts'
