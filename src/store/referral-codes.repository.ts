/**
 * Queries on `referral_codes`: operator CRUD and the atomic redemption at signup.
 *
 * The table is Quartermaster's: `code` is unique case-sensitively, so two codes may differ
 * only in letter case. Which code a text names (redemption, show, deactivate): the code
 * spelled exactly so if there is one, else the only code equal to it case-insensitively;
 * when several codes match case-insensitively and none exactly, the text names none (a
 * signup records it as `unknown`), rather than picking one by chance. `createReferralCode`
 * refuses a code that exists in any letter case, so codes created through the package stay
 * distinct case-insensitively (two concurrent creates of case variants can still both
 * succeed; the rule above then keeps redemption deterministic).
 *
 * Redemption is one conditional `UPDATE … RETURNING` (active, not expired, under `max_uses`),
 * race-free under READ COMMITTED: concurrent signups never push `current_uses` past
 * `max_uses`. It never raises for an unusable code, so the caller's transaction is never
 * aborted by it; the same statement reads the code's state to say why it was not applied
 * and writes that outcome on the tenant's attribution row (one round trip). Quartermaster's
 * NULLs: `is_active` NULL is inactive, `current_uses` NULL is 0; `expires_at` is compared as
 * UTC (see `utc-timestamps.ts`).
 */
import { sql, type RawBuilder } from 'kysely'
import type { ReferralStatus } from '../contracts.ts'
import { storeDb, type Database, type StoreExecutor, type NewReferralCode, type ReferralCode } from './database.ts'
import { utcInstant, utcIso } from './utc-timestamps.ts'

/** The columns of a `ReferralCode`: NULLs resolved, timestamps as TIMESTAMPTZ. */
const CODE_COLUMNS = [
  'id',
  'code',
  'owner_tenant_id',
  'partner_name',
  sql<boolean>`COALESCE(is_active, false)`.as('is_active'),
  'max_uses',
  sql<number>`COALESCE(current_uses, 0)`.as('current_uses'),
  utcInstant('expires_at').as('expires_at'),
  utcInstant<Date>('created_at').as('created_at')
] as const

/**
 * The id of the code `code` names (the rule in the header), or NULL: an exact match, else
 * the single case-insensitive match. Reads through the `lower(code)` index.
 */
function namedCodeId (code: string): RawBuilder<string | null> {
  return sql<string | null>`(
    SELECT CASE
             WHEN bool_or(code = ${code}) THEN (array_agg(id) FILTER (WHERE code = ${code}))[1]
             WHEN count(*) = 1 THEN (array_agg(id))[1]
           END
      FROM referral_codes
     WHERE lower(code) = lower(${code})
  )`
}

/**
 * Creates a code. Returns `undefined` when the code exists already, in any letter case
 * (nothing is written then).
 */
export async function createReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: NewReferralCode): Promise<ReferralCode | undefined> {
  const expiresAt = code.expires_at === undefined || code.expires_at === null ? null : utcIso(code.expires_at)
  const store = storeDb(db)
  // Untyped parameters take the target column's type, so `expires_at` and `created_at` are
  // bound as UTC strings into TIMESTAMP and TIMESTAMPTZ alike.
  const values = store
    .selectNoFrom((eb) => [
      eb.val(code.code).as('code'),
      eb.val(code.owner_tenant_id ?? null).as('owner_tenant_id'),
      eb.val(code.partner_name ?? null).as('partner_name'),
      eb.val(code.is_active ?? true).as('is_active'),
      eb.val(code.max_uses ?? null).as('max_uses'),
      eb.val(0).as('current_uses'),
      eb.val(expiresAt).as('expires_at'),
      eb.val(utcIso(new Date())).as('created_at')
    ])
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('referral_codes').select(sql`1`.as('one')).where(sql<string>`lower(code)`, '=', sql<string>`lower(${code.code})`)
    )))
  return store
    .insertInto('referral_codes')
    .columns(['code', 'owner_tenant_id', 'partner_name', 'is_active', 'max_uses', 'current_uses', 'expires_at', 'created_at'])
    .expression(values)
    .onConflict((oc) => oc.column('code').doNothing())
    .returning(CODE_COLUMNS)
    .executeTakeFirst()
}

/** The code `code` names (exact, else the single case-insensitive match), or `undefined`. */
export async function findReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: string): Promise<ReferralCode | undefined> {
  return storeDb(db)
    .selectFrom('referral_codes')
    .select(CODE_COLUMNS)
    .where('id', '=', namedCodeId(code))
    .executeTakeFirst()
}

/** A page of `listReferralCodes`: its size, the cursor, and an optional active filter. */
export interface ListReferralCodesOptions {
  /** Page size. */
  limit: number
  /** Keyset cursor: codes after this one (case-insensitive order, then exact). */
  after?: string
  /** Only active (`true`) or inactive (`false`) codes; NULL counts as inactive. */
  active?: boolean
}

/**
 * Codes in case-insensitive order, one page. Codes that differ only in letter case are
 * ordered by their exact text, so the cursor never skips one.
 */
export async function listReferralCodes<DB extends Database> (db: StoreExecutor<DB>, options: ListReferralCodesOptions): Promise<ReferralCode[]> {
  let query = storeDb(db).selectFrom('referral_codes').select(CODE_COLUMNS)
  if (options.after !== undefined) {
    query = query.where(sql<boolean>`(lower(code), code::text) > (lower(${options.after}), ${options.after}::text)`)
  }
  if (options.active !== undefined) query = query.where(sql<boolean>`COALESCE(is_active, false) = ${options.active}`)
  return query.orderBy(sql`lower(code)`).orderBy(sql`code::text`).limit(options.limit).execute()
}

/**
 * Deactivates the code `code` names (idempotent). Returns the updated row, or `undefined`
 * if it names none.
 */
export async function deactivateReferralCode<DB extends Database> (db: StoreExecutor<DB>, code: string): Promise<ReferralCode | undefined> {
  return storeDb(db)
    .updateTable('referral_codes')
    .set({ is_active: false })
    .where('id', '=', namedCodeId(code))
    .returning(CODE_COLUMNS)
    .executeTakeFirst()
}

export interface RedemptionOutcome {
  status: ReferralStatus
  /** The code as stored on the tenant's row: its stored letter case when it names a code. */
  code: string
}

/**
 * Redeems a code for a tenant in the caller's transaction, in one statement: increments
 * `current_uses` of the code `code` names only when it is active, not expired and under
 * `max_uses`, and writes the outcome (`referral_status`, and the code in its stored letter
 * case) onto the tenant's attribution row. A code that was usable when read but lost the
 * race for its last use is `exhausted`; text that names no code (none, or several letter
 * case variants and no exact match) is `unknown`. Returns `undefined` when the tenant has no
 * attribution row.
 */
export async function redeemReferralCodeForTenant<DB extends Database> (trx: StoreExecutor<DB>, tenantId: string, code: string): Promise<RedemptionOutcome | undefined> {
  const expiresAt = utcInstant('expires_at')
  const { rows } = await sql<RedemptionOutcome>`
    WITH target AS (
      SELECT ${namedCodeId(code)} AS id
    ),
    redeemed AS (
      UPDATE referral_codes
         SET current_uses = COALESCE(current_uses, 0) + 1
       WHERE id = (SELECT id FROM target)
         AND is_active IS TRUE
         AND (max_uses IS NULL OR COALESCE(current_uses, 0) < max_uses)
         AND (expires_at IS NULL OR ${expiresAt} > now())
      RETURNING code
    ),
    known AS (
      SELECT code, is_active IS TRUE AS active, (expires_at IS NOT NULL AND ${expiresAt} <= now()) AS expired
        FROM referral_codes
       WHERE id = (SELECT id FROM target)
    ),
    outcome AS (
      SELECT CASE
               WHEN EXISTS (SELECT 1 FROM redeemed) THEN 'applied'
               WHEN NOT EXISTS (SELECT 1 FROM known) THEN 'unknown'
               WHEN NOT (SELECT active FROM known) THEN 'inactive'
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
