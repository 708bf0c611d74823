/**
 * Queries on `tenant_attribution` (one row per tenant).
 *
 * Functions take `db` or `trx` first so the caller owns the transaction. The insert ignores
 * an existing row for the tenant: a replayed signup changes nothing.
 */
import { storeDb, type Database, type StoreExecutor, type NewTenantAttribution, type TenantAttributionRow } from './database.ts'

/**
 * Inserts the tenant's row unless one exists. Returns the stored `created_at` of the new
 * row, or `undefined` when the tenant already had one (nothing was written).
 */
export async function insertTenantAttribution<DB extends Database> (trx: StoreExecutor<DB>, row: NewTenantAttribution): Promise<{ created_at: Date } | undefined> {
  return storeDb(trx)
    .insertInto('tenant_attribution')
    .values(row)
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .returning('created_at')
    .executeTakeFirst()
}

/** The tenant's row, or `undefined`. */
export async function findTenantAttribution<DB extends Database> (db: StoreExecutor<DB>, tenantId: string): Promise<TenantAttributionRow | undefined> {
  return storeDb(db).selectFrom('tenant_attribution').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst()
}
