/**
 * Queries on `referral_codes`: operator CRUD and the atomic redemption at signup.
 *
 * Codes are case-insensitive everywhere (unique index on `lower(code)`). Redemption is one
 * conditional `UPDATE … RETURNING` (active, not expired, under `max_uses`), race-free under
 * READ COMMITTED: concurrent signups never push `current_uses` past `max_uses`. It never
 * raises for an unusable code, so the caller's transaction is never aborted by it; the same
 * statement reads the code's state to say why it was not applied and writes that outcome on
 * the tenant's attribution row (one round trip).
 */
import { sql } from 'kysely'
import type { ReferralStatus } from '../contracts.ts'
import { storeDb, type Database, type StoreExecutor, type NewReferralCode, type ReferralCode } from './database.ts'

/** Creates a code. Returns `undefined` when the code exists already (in any letter case). */
export async function createReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: NewReferralCode): Promise<ReferralCode | undefined> {
  return storeDb(db)
    .insertInto('referral_codes')
    .values(code)
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
}

/** A code by its text, case-insensitively. */
export async function findReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: string): Promise<ReferralCode | undefined> {
  return storeDb(db)
    .selectFrom('referral_codes')
    .selectAll()
    .where(sql<string>`lower(code)`, '=', sql<string>`lower(${code})`)
    .executeTakeFirst()
}

export interface ListReferralCodesOptions {
  /** Page size. */
  limit: number
  /** Keyset cursor: codes after this one (case-insensitive order). */
  after?: string
  /** Only active (`true`) or inactive (`false`) codes. */
  active?: boolean
}

/** Codes in case-insensitive order, one page. */
export async function listReferralCodes<DB extends Database> (db: StoreExecutor<DB>, options: ListReferralCodesOptions): Promise<ReferralCode[]> {
  let query = storeDb(db).selectFrom('referral_codes').selectAll()
  if (options.after !== undefined) query = query.where(sql<string>`lower(code)`, '>', sql<string>`lower(${options.after})`)
  if (options.active !== undefined) query = query.where('is_active', '=', options.active)
  return query.orderBy(sql`lower(code)`).limit(options.limit).execute()
}

/** Deactivates a code (idempotent). Returns the updated row, or `undefined` if unknown. */
export async function deactivateReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: string): Promise<ReferralCode | undefined> {
  return storeDb(db)
    .updateTable('referral_codes')
    .set({ is_active: false })
    .where(sql<string>`lower(code)`, '=', sql<string>`lower(${code})`)
    .returningAll()
    .executeTakeFirst()
}

export interface RedemptionOutcome {
  status: ReferralStatus
  /** The code as stored on the tenant's row: its canonical letter case when known. */
  code: string
}

/**
 * Redeems a code for a tenant in the caller's transaction, in one statement: increments
 * `current_uses` only when the code is active, not expired and under `max_uses`, and writes
 * the outcome (`referral_status`, and the code in its stored letter case) onto the tenant's
 * attribution row. A code that was usable when read but lost the race for its last use is
 * `exhausted`. Returns `undefined` when the tenant has no attribution row.
 */
export async function redeemReferralCodeForTenant<DB extends Database> (trx: StoreExecutor<DB>, tenantId: string, code: string): Promise<RedemptionOutcome | undefined> {
  const { rows } = await sql<RedemptionOutcome>`
    WITH redeemed AS (
      UPDATE referral_codes
         SET current_uses = current_uses + 1
       WHERE lower(code) = lower(${code})
         AND is_active
         AND (max_uses IS NULL OR current_uses < max_uses)
         AND (expires_at IS NULL OR expires_at > now())
      RETURNING code
    ),
    known AS (
      SELECT code, is_active, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
        FROM referral_codes
       WHERE lower(code) = lower(${code})
    ),
    outcome AS (
      SELECT CASE
               WHEN EXISTS (SELECT 1 FROM redeemed) THEN 'applied'
               WHEN NOT EXISTS (SELECT 1 FROM known) THEN 'unknown'
               WHEN NOT (SELECT is_active FROM known) THEN 'inactive'
               WHEN (SELECT expired FROM known) THEN 'expired'
               ELSE 'exhausted'
             END AS status,
             COALESCE((SELECT code FROM redeemed), (SELECT code FROM known), ${code}) AS code
    )
    UPDATE tenant_attribution
       SET referral_status = outcome.status, referral_code = outcome.code
      FROM outcome
     WHERE tenant_attribution.tenant_id = ${tenantId}
    RETURNING tenant_attribution.referral_status AS status, tenant_attribution.referral_code AS code
  `.execute(storeDb(trx))
  return rows[0]
}
