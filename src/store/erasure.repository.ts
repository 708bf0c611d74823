/**
 * Erasure of a tenant's attribution, the Postgres side: what `DELETE
 * /tenants/:tenantId/attribution` does in one transaction, and the two reads and writes the
 * relay shares with it.
 *
 * Why one transaction: the attribution row, the tenant's outbox events (undelivered ones
 * would otherwise still reach ClickHouse; delivered ones still hold the values), the audit
 * row and the ClickHouse job commit together or not at all. ClickHouse itself is never
 * touched here: the relay runs the job (src/store/erasure-jobs.repository.ts), so an
 * unreachable ClickHouse delays the deletion and loses nothing, and the deletion runs after
 * any insert the relay had in flight (see src/ingest/relay-cycle.ts).
 *
 * Order inside the transaction: the outbox rows go first. A relay in `lock` mode holds the
 * tenant's event locked while it writes it to ClickHouse; the delete waits for that batch to
 * commit, so the job armed below runs after that insert. In `lease` mode nothing waits; the
 * relay's check after its insert and the job's second pass cover that case.
 */
import { sql } from 'kysely'
import { storeDb, type Database, type StoreExecutor } from './database.ts'

/** Longest operator identifier kept in the audit row. */
const MAX_OPERATOR_LENGTH = 200

/** What an erasure call found and did. */
export interface ErasureResult {
  /**
   * `erased`: something was removed now; `already_erased`: nothing left in Postgres, but an
   * earlier erasure is on record (the ClickHouse job is armed again, harmlessly);
   * `not_found`: the package never knew the tenant (nothing was written).
   */
  outcome: 'erased' | 'already_erased' | 'not_found'
  /** Whether the tenant's `tenant_attribution` row was deleted. */
  attributionRow: boolean
  /** The tenant's outbox events deleted (delivered or not). */
  outboxEvents: number
}

/**
 * Erases a tenant's attribution in Postgres and arms its ClickHouse job. Run it inside a
 * transaction (`db.transaction().execute((trx) => eraseTenantAttribution(trx, …))`): the
 * steps must commit together. `operator` is the credential's identifier (`operatorOf`), kept
 * in the audit row; give an identifier, not a person's name or address.
 */
export async function eraseTenantAttribution<DB extends Database> (trx: StoreExecutor<DB>, tenantId: string, operator: string): Promise<ErasureResult> {
  const s = storeDb(trx)
  const outbox = await s.deleteFrom('attribution_outbox').where('tenant_id', '=', tenantId).executeTakeFirst()
  const row = await s.deleteFrom('tenant_attribution').where('tenant_id', '=', tenantId).executeTakeFirst()
  const outboxEvents = Number(outbox.numDeletedRows)
  const attributionRow = Number(row.numDeletedRows) > 0
  let outcome: ErasureResult['outcome'] = 'erased'
  if (!attributionRow && outboxEvents === 0) {
    const earlier = await s.selectFrom('attribution_erasures').select('id').where('tenant_id', '=', tenantId).limit(1).executeTakeFirst()
    if (earlier === undefined) return { outcome: 'not_found', attributionRow, outboxEvents }
    outcome = 'already_erased'
  }
  await s.insertInto('attribution_erasures').values({
    tenant_id: tenantId,
    operator: operator.slice(0, MAX_OPERATOR_LENGTH),
    attribution_row: attributionRow,
    outbox_events: outboxEvents
  }).execute()
  await armErasureJobs(trx, [tenantId])
  return { outcome, attributionRow, outboxEvents }
}

/**
 * Arms the ClickHouse erasure job of each tenant: due now, both passes to run again. A job
 * that exists gets a new `generation`, so a pass already running cannot complete it.
 */
export async function armErasureJobs<DB extends Database> (db: StoreExecutor<DB>, tenantIds: readonly string[]): Promise<void> {
  if (tenantIds.length === 0) return
  // One order for every caller, so two multi-row upserts never wait on each other in a cycle.
  const ids = [...new Set(tenantIds.map((id) => id.toLowerCase()))].sort()
  await storeDb(db)
    .insertInto('attribution_erasure_jobs')
    .values(ids.map((tenant_id) => ({ tenant_id })))
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({
      generation: eb('attribution_erasure_jobs.generation', '+', 1),
      requested_at: sql<Date>`now()`,
      available_at: sql<Date>`now()`,
      attempts: 0,
      last_error: null,
      first_pass_at: null,
      completed_at: null
    })))
    .execute()
}

/** The latest erasure time of each of these tenants that was ever erased (lower-case ids). */
export async function latestErasures<DB extends Database> (db: StoreExecutor<DB>, tenantIds: readonly string[]): Promise<Map<string, Date>> {
  const ids = [...new Set(tenantIds.map((id) => id.toLowerCase()))]
  if (ids.length === 0) return new Map()
  const rows = await storeDb(db)
    .selectFrom('attribution_erasures')
    .select(['tenant_id', (eb) => eb.fn.max('erased_at').as('erased_at')])
    .where(sql<boolean>`tenant_id = ANY(${ids}::uuid[])`)
    .groupBy('tenant_id')
    .execute()
  return new Map(rows.map((r) => [r.tenant_id.toLowerCase(), new Date(r.erased_at)]))
}
