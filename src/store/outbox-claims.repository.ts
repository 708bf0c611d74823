/**
 * The relay's side of `attribution_outbox`: claim, acknowledge, release, fail, park, status.
 *
 * A claim (`lease` mode) is one short statement: it locks up to `limit` due rows with `FOR
 * UPDATE SKIP LOCKED` (several relays never wait on each other or take the same rows) and
 * pushes their `available_at` forward by the lease. Nothing stays locked while ClickHouse is
 * written; if the relay dies, the lease simply runs out and another relay claims the rows
 * again. In `lock` mode the row locks of an open transaction are the claim (`lockDueBatch`).
 * All times come from the database clock (`now()`), so relays on different hosts agree.
 *
 * `attempts` counts failures that are the event's own (ClickHouse rejected its row, or the
 * payload cannot be mapped); an unreachable ClickHouse only delays rows, so an outage never
 * parks anything.
 */
import { sql, type Kysely } from 'kysely'
import { storeDb, type Database } from './database.ts'

/** A claimed outbox row. */
export interface ClaimedEvent {
  id: string
  event_id: string
  tenant_id: string
  /** The stored `TenantCreatedEvent` (parsed JSONB). */
  payload: unknown
  created_at: Date
  attempts: number
}

/** The database's `now()` plus `value` milliseconds (negative counts as zero): lease ends, retry times. */
export const nowPlusMs = (value: number) => sql<Date>`now() + ${Math.max(0, Math.round(value))}::double precision * interval '1 millisecond'`

/** `id = ANY($1)`: one array parameter instead of one parameter per id (cheaper to bind and plan). */
const idIn = (ids: readonly string[]) => sql<boolean>`id = ANY(${[...ids]}::bigint[])`

const CLAIMED_COLUMNS = ['id', 'event_id', 'tenant_id', 'payload', 'created_at', 'attempts'] as const

/**
 * Up to `limit` due rows (not delivered, not parked, `available_at` passed) in claim order,
 * locked, skipping rows another relay holds: both claim modes start from this.
 */
const dueRows = (s: Kysely<Database>, limit: number) => s
  .selectFrom('attribution_outbox')
  .where('delivered_at', 'is', null)
  .where('parked_at', 'is', null)
  .where('available_at', '<=', sql<Date>`now()`)
  .orderBy('available_at')
  .orderBy('id')
  .limit(limit)
  .forUpdate()
  .skipLocked()

const toClaimed = (r: Pick<ClaimedEvent, 'event_id' | 'tenant_id' | 'payload' | 'attempts'> & { id: string | number | bigint, created_at: Date | string }): ClaimedEvent =>
  ({ id: String(r.id), event_id: r.event_id, tenant_id: r.tenant_id.toLowerCase(), payload: r.payload, created_at: new Date(r.created_at), attempts: r.attempts })

/** Claims up to `limit` due rows for `leaseMs`; ordered by id. */
export async function claimOutboxBatch<DB extends Database> (db: Kysely<DB>, limit: number, leaseMs: number): Promise<ClaimedEvent[]> {
  const s = storeDb(db)
  const rows = await s
    .updateTable('attribution_outbox')
    .set({ available_at: nowPlusMs(leaseMs) })
    .where('id', 'in', dueRows(s, limit).select('id'))
    .returning(CLAIMED_COLUMNS)
    .execute()
  return rows.map(toClaimed).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
}

/**
 * Locks up to `limit` due rows in the caller's transaction (`lock` mode): no write, the row
 * locks are the claim, and they go with the transaction (commit, rollback or a dead client).
 */
export async function lockDueBatch<DB extends Database> (trx: Kysely<DB>, limit: number): Promise<ClaimedEvent[]> {
  const rows = await dueRows(storeDb(trx), limit).select(CLAIMED_COLUMNS).execute()
  return rows.map(toClaimed)
}

/** Marks rows delivered (idempotent). */
export async function markDelivered<DB extends Database> (db: Kysely<DB>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await storeDb(db)
    .updateTable('attribution_outbox')
    .set({ delivered_at: sql<Date>`now()`, last_error: null })
    .where(idIn(ids))
    .where('delivered_at', 'is', null)
    .execute()
}

/**
 * Deletes claimed rows that must never be written (events of an erased tenant): they hold
 * attribution values, so they are removed rather than marked.
 */
export async function deleteClaims<DB extends Database> (db: Kysely<DB>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await storeDb(db).deleteFrom('attribution_outbox').where(idIn(ids)).execute()
}

/** Gives rows back after a failure that is not theirs: due again after `delayMs`, attempts unchanged. */
export async function releaseClaims<DB extends Database> (db: Kysely<DB>, ids: readonly string[], error: string, delayMs: number): Promise<void> {
  if (ids.length === 0) return
  await storeDb(db)
    .updateTable('attribution_outbox')
    .set({ available_at: nowPlusMs(delayMs), last_error: error })
    .where(idIn(ids))
    .where('delivered_at', 'is', null)
    .execute()
}

/**
 * Records a failure of the event itself: one more attempt, due again after `delayMs`, and
 * parked (with its error) once `attempts` reaches `maxAttempts`. Returns whether it was parked.
 */
export async function recordEventFailure<DB extends Database> (db: Kysely<DB>, id: string, error: string, delayMs: number, maxAttempts: number): Promise<boolean> {
  const row = await storeDb(db)
    .updateTable('attribution_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error,
      available_at: nowPlusMs(delayMs),
      parked_at: sql<Date | null>`CASE WHEN attempts + 1 >= ${maxAttempts}::integer THEN now() ELSE NULL END`
    }))
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .returning('parked_at')
    .executeTakeFirst()
  return row?.parked_at != null
}

/** Puts parked events back in line (all, or the given event ids); returns how many. */
export async function requeueParked<DB extends Database> (db: Kysely<DB>, eventIds?: readonly string[]): Promise<number> {
  let query = storeDb(db)
    .updateTable('attribution_outbox')
    .set({ parked_at: null, attempts: 0, available_at: sql<Date>`now()` })
    .where('parked_at', 'is not', null)
    .where('delivered_at', 'is', null)
  if (eventIds !== undefined) {
    if (eventIds.length === 0) return 0
    query = query.where('event_id', 'in', eventIds)
  }
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Deletes up to `limit` rows delivered more than `olderThanMs` ago; returns how many. */
export async function pruneDelivered<DB extends Database> (db: Kysely<DB>, olderThanMs: number, limit = 10_000): Promise<number> {
  const s = storeDb(db)
  const result = await s
    .deleteFrom('attribution_outbox')
    .where('id', 'in', (eb) => eb
      .selectFrom('attribution_outbox')
      .select('id')
      .where('delivered_at', '<', sql<Date>`now() - ${Math.round(olderThanMs)}::double precision * interval '1 millisecond'`)
      .limit(limit))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** An outbox event the relay gave up on after its last attempt, with the reason. */
export interface ParkedEvent {
  event_id: string
  tenant_id: string
  attempts: number
  last_error: string | null
  parked_at: Date
}

/** The outbox as the relay sees it: pending and parked events, and the age of the oldest. */
export interface OutboxStatus {
  /** Not yet delivered and not parked (includes rows in backoff or leased). */
  pending: number
  parked: number
  /** Age of the oldest pending event, in seconds (0 when none). */
  oldest_pending_age_seconds: number
  /** Latest delivery by any relay, or null. */
  last_delivered_at: Date | null
  /** The most recently parked events (at most 20), newest first. */
  recent_parked: ParkedEvent[]
}

/**
 * Backlog figures from the outbox itself, so they cover every relay process. One pass over
 * the table: keep it small with the relay's retention pruning.
 */
export async function outboxStatus<DB extends Database> (db: Kysely<DB>): Promise<OutboxStatus> {
  const s = storeDb(db)
  const totals = await sql<{ pending: string | number, parked: string | number, oldest_age: string | number | null, last_delivered_at: Date | string | null }>`
    SELECT
      count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL) AS pending,
      count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NOT NULL) AS parked,
      extract(epoch FROM now() - min(created_at) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL)) AS oldest_age,
      max(delivered_at) AS last_delivered_at
    FROM attribution_outbox`.execute(s)
  const t = totals.rows[0]
  const parked = await s
    .selectFrom('attribution_outbox')
    .select(['event_id', 'tenant_id', 'attempts', 'last_error', 'parked_at'])
    .where('parked_at', 'is not', null)
    .where('delivered_at', 'is', null)
    .orderBy('parked_at', 'desc')
    .limit(20)
    .execute()
  return {
    pending: Number(t?.pending ?? 0),
    parked: Number(t?.parked ?? 0),
    oldest_pending_age_seconds: t?.oldest_age == null ? 0 : Math.max(0, Number(t.oldest_age)),
    last_delivered_at: t?.last_delivered_at == null ? null : new Date(t.last_delivered_at),
    recent_parked: parked.map((p) => ({ ...p, parked_at: new Date(p.parked_at as Date) }))
  }
}
