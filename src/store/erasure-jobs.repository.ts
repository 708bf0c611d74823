/**
 * The relay's side of `attribution_erasure_jobs`: claim due jobs, record a pass, record a
 * failure. The erasure itself arms the jobs (src/store/erasure.repository.ts).
 *
 * A claim is one short statement, as the outbox's `lease` mode: it locks due jobs with `FOR
 * UPDATE SKIP LOCKED` and pushes `available_at` past a lease, so several relays never run
 * the same job at once and a crashed relay's job is due again when the lease runs out. Every
 * write after the ClickHouse work names the job's `generation`: a job armed again meanwhile
 * is left due, not marked done by a pass that may have started before the rows it must
 * remove arrived. Times come from the database clock.
 */
import { sql, type Kysely } from 'kysely'
import { storeDb, type Database } from './database.ts'
import { nowPlusMs } from './outbox-claims.repository.ts'

/** A claimed erasure job. */
export interface ClaimedErasure {
  tenant_id: string
  generation: number
  /** Set once the first pass ran; the pass now claimed is then the second (last) one. */
  first_pass_at: Date | null
  attempts: number
}

/** Claims up to `limit` due jobs for `leaseMs`. */
export async function claimErasureJobs<DB extends Database> (db: Kysely<DB>, limit: number, leaseMs: number): Promise<ClaimedErasure[]> {
  const s = storeDb(db)
  const rows = await s
    .updateTable('attribution_erasure_jobs')
    .set({ available_at: nowPlusMs(leaseMs) })
    .where('tenant_id', 'in', s
      .selectFrom('attribution_erasure_jobs')
      .select('tenant_id')
      .where('completed_at', 'is', null)
      .where('available_at', '<=', sql<Date>`now()`)
      .orderBy('available_at')
      .limit(limit)
      .forUpdate()
      .skipLocked())
    .returning(['tenant_id', 'generation', 'first_pass_at', 'attempts'])
    .execute()
  return rows.map((r) => ({
    tenant_id: r.tenant_id.toLowerCase(),
    generation: r.generation,
    first_pass_at: r.first_pass_at === null ? null : new Date(r.first_pass_at),
    attempts: r.attempts
  }))
}

/**
 * Records a successful pass: a first pass schedules the second after `settleMs`; the second
 * completes the job. Returns how many jobs completed.
 */
export async function recordErasurePass<DB extends Database> (db: Kysely<DB>, jobs: readonly ClaimedErasure[], settleMs: number): Promise<number> {
  let completed = 0
  for (const job of jobs) {
    const row = await storeDb(db)
      .updateTable('attribution_erasure_jobs')
      .set({
        first_pass_at: sql<Date>`COALESCE(first_pass_at, now())`,
        completed_at: sql<Date | null>`CASE WHEN first_pass_at IS NULL THEN NULL ELSE now() END`,
        available_at: nowPlusMs(settleMs),
        attempts: 0,
        last_error: null
      })
      .where('tenant_id', '=', job.tenant_id)
      .where('generation', '=', job.generation)
      .returning('completed_at')
      .executeTakeFirst()
    if (row?.completed_at != null) completed++
  }
  return completed
}

/** Records a failed pass: one more attempt, due again after `delayMs` (a job is never given up). */
export async function recordErasureFailure<DB extends Database> (db: Kysely<DB>, jobs: readonly ClaimedErasure[], error: string, delayMs: number): Promise<void> {
  for (const job of jobs) {
    await storeDb(db)
      .updateTable('attribution_erasure_jobs')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, available_at: nowPlusMs(delayMs) }))
      .where('tenant_id', '=', job.tenant_id)
      .where('generation', '=', job.generation)
      .execute()
  }
}

/** Jobs not yet completed (for status and tests). */
export async function pendingErasureJobs<DB extends Database> (db: Kysely<DB>): Promise<number> {
  const row = await storeDb(db)
    .selectFrom('attribution_erasure_jobs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('completed_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The erasure backlog at a glance, for metrics. */
export interface ErasureJobsStatus {
  /** Jobs not yet completed. */
  pending: number
  /** Pending jobs whose last pass failed (`attempts` > 0). */
  failing: number
  /** Jobs completed. */
  completed: number
  /** Seconds since the oldest pending job was requested; 0 without one. */
  oldest_pending_age_seconds: number
}

/** One aggregate over `attribution_erasure_jobs` (one row per tenant ever erased). */
export async function erasureJobsStatus<DB extends Database> (db: Kysely<DB>): Promise<ErasureJobsStatus> {
  const res = await sql<{ pending: string | number, failing: string | number, completed: string | number, oldest_age: string | number | null }>`
    SELECT
      count(*) FILTER (WHERE completed_at IS NULL) AS pending,
      count(*) FILTER (WHERE completed_at IS NULL AND attempts > 0) AS failing,
      count(*) FILTER (WHERE completed_at IS NOT NULL) AS completed,
      extract(epoch FROM now() - min(requested_at) FILTER (WHERE completed_at IS NULL)) AS oldest_age
    FROM attribution_erasure_jobs`.execute(storeDb(db))
  const r = res.rows[0]
  return {
    pending: Number(r?.pending ?? 0),
    failing: Number(r?.failing ?? 0),
    completed: Number(r?.completed ?? 0),
    oldest_pending_age_seconds: r?.oldest_age == null ? 0 : Math.max(0, Number(r.oldest_age))
  }
}
