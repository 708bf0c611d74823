/**
 * Queries on `tenant_attribution` (one row per tenant), Quartermaster's table with the
 * package's derived columns beside Quartermaster's.
 *
 * Functions take `db` or `trx` first so the caller owns the transaction. The insert ignores
 * an existing row for the tenant: a replayed signup changes nothing. Reads resolve
 * Quartermaster's NULLs (`is_agent` false, `metadata` `{}`) and read timestamps as UTC
 * (see `utc-timestamps.ts`).
 */
import { sql } from 'kysely'
import { storeDb, type Database, type StoreExecutor, type NewTenantAttribution, type TenantAttributionRow } from './database.ts'
import { utcInstant } from './utc-timestamps.ts'

/** The columns of a `TenantAttributionRow`. */
const ROW_COLUMNS = [
  'tenant_id',
  'signup_channel',
  'signup_method',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'http_referer',
  'landing_page',
  'referral_code',
  sql<boolean>`COALESCE(is_agent, false)`.as('is_agent'),
  sql<Record<string, unknown>>`COALESCE(metadata, '{}'::jsonb)`.as('metadata'),
  utcInstant<Date>('created_at').as('created_at'),
  'user_id',
  'channel_group',
  'client_kind',
  utcInstant('first_touch_at').as('first_touch_at'),
  'referral_status',
  'last_touch'
] as const

/**
 * Inserts the tenant's row unless one exists. Returns `true` when the row was written,
 * `false` when the tenant already had one (nothing was written). Give `created_at` as a
 * `utcIso(…)` string.
 */
export async function insertTenantAttribution<DB extends Database> (trx: StoreExecutor<DB>, row: NewTenantAttribution): Promise<boolean> {
  const inserted = await storeDb(trx)
    .insertInto('tenant_attribution')
    .values(row)
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .returning('tenant_id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** The tenant's row, or `undefined`. */
export async function findTenantAttribution<DB extends Database> (db: StoreExecutor<DB>, tenantId: string): Promise<TenantAttributionRow | undefined> {
  return storeDb(db).selectFrom('tenant_attribution').select(ROW_COLUMNS).where('tenant_id', '=', tenantId).executeTakeFirst()
}
