/**
 * What a relay cycle reports: its outcome, the delivery figures it keeps, and the bounded
 * text of an error as stored with an event and logged. Apart from the cycle
 * (relay-cycle.ts) so the loop (relay.ts) and the metrics read them without the cycle.
 */

const MAX_ERROR_LENGTH = 1_000

/** What one cycle did. */
export interface BatchOutcome {
  claimed: number
  delivered: number
  /** Events that failed on their own this cycle (including `parked`). */
  failed: number
  parked: number
  /** Claimed events of erased tenants, deleted instead of written. */
  dropped: number
  /** Erasure job passes run against ClickHouse. */
  erasures: number
  /** Set when the cycle stopped on a failure that is not the events' (ClickHouse or Postgres unreachable…). */
  transientError?: string
}

/** The relay's figures a cycle keeps up to date (the loop adds its state and failures). */
export interface DeliveryMetrics {
  delivered_total: number
  parked_total: number
  batches_total: number
  last_delivery_at: Date | null
  /** Creation → delivery of the newest event of the last delivered batch, ms. */
  last_batch_lag_ms: number | null
  /** Creation → delivery of the oldest event of the last delivered batch, ms. */
  last_batch_max_lag_ms: number | null
}

/** An error as the text stored with an event and logged: its code, its message, bounded. */
export const errorText = (err: unknown): string => {
  const e = err as { code?: unknown, type?: unknown, message?: unknown } | null
  const code = e?.type !== undefined ? `${String(e.type)} (${String(e.code)}): ` : (typeof e?.code === 'string' ? `${e.code}: ` : '')
  return (code + String(e?.message ?? err)).slice(0, MAX_ERROR_LENGTH)
}
