/**
 * Kysely table types of the package's Postgres tables (`sql/postgres/*.sql`).
 *
 * Why by hand: the migrations are frozen SQL files and the source of truth; these types
 * mirror them column for column (Quartermaster names first, our derived columns beside
 * them). A host joins `Database` into its own interface (`interface HostDb extends
 * Database { tenants: … }`) and passes its `Kysely`/`Transaction` to the repositories.
 *
 * `pg` returns TIMESTAMPTZ as `Date`, PGlite too; BIGINT identity columns come back as
 * strings from `pg` and as numbers from PGlite, so `id` is typed as both.
 */
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely'
import type { ReferralStatus, Touch } from '../contracts.ts'

/** A TIMESTAMPTZ column with a database default. */
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>
/** A JSONB column: read parsed, written as a JSON string (bound as a parameter). */
export type Jsonb<T> = ColumnType<T, string, string>

/** `referral_codes`: Quartermaster's columns; codes are unique case-insensitively. */
export interface ReferralCodesTable {
  id: Generated<string>
  code: string
  owner_tenant_id: string | null
  partner_name: string | null
  is_active: Generated<boolean>
  max_uses: number | null
  current_uses: Generated<number>
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  created_at: GeneratedTimestamp
}

/** `tenant_attribution`: one row per tenant, Quartermaster's columns plus derived ones. */
export interface TenantAttributionTable {
  tenant_id: string
  signup_channel: string
  signup_method: string | null
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_content: string | null
  utm_term: string | null
  http_referer: string | null
  landing_page: string | null
  referral_code: string | null
  is_agent: Generated<boolean>
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>
  created_at: GeneratedTimestamp
  // derived
  user_id: string | null
  channel_group: string | null
  client_kind: string | null
  first_touch_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  referral_status: ReferralStatus | null
  last_touch: ColumnType<Touch | null, string | null | undefined, string | null>
}

/**
 * `attribution_outbox`: the transactional outbox the relay drains. The column set is a
 * contract with `src/ingest/`: add columns beside these, never change them.
 */
export interface AttributionOutboxTable {
  id: ColumnType<string | number, never, never>
  event_id: string
  /** `'tenant_created'`. */
  event_type: string
  tenant_id: string
  /** A `TenantCreatedEvent` (src/contracts.ts). */
  payload: Jsonb<unknown>
  created_at: GeneratedTimestamp
  /** Next attempt time (the relay's backoff). */
  available_at: GeneratedTimestamp
  attempts: Generated<number>
  last_error: string | null
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  parked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

/** `attribution_migrations`: what the runner applied (see `migrations.ts`). */
export interface AttributionMigrationsTable {
  name: string
  checksum: string
  applied_at: GeneratedTimestamp
}

/** The package's tables. */
export interface Database {
  referral_codes: ReferralCodesTable
  tenant_attribution: TenantAttributionTable
  attribution_outbox: AttributionOutboxTable
  attribution_migrations: AttributionMigrationsTable
}

export type ReferralCode = Selectable<ReferralCodesTable>
export type NewReferralCode = Insertable<ReferralCodesTable>
export type TenantAttributionRow = Selectable<TenantAttributionTable>
export type NewTenantAttribution = Insertable<TenantAttributionTable>
export type OutboxRow = Selectable<AttributionOutboxTable>
export type NewOutboxRow = Insertable<AttributionOutboxTable>
export type OutboxUpdate = Updateable<AttributionOutboxTable>

/**
 * What repositories accept: a host's Kysely instance or transaction whose `DB` includes the
 * package's tables. (Both are listed so TypeScript infers `DB` from a `Transaction`.)
 */
export type StoreExecutor<DB extends Database> = Kysely<DB> | Transaction<DB>

/**
 * A host's Kysely instance as plugin options accept it: any database type (the host's own
 * interface usually extends `Database`); the tables must exist (run the migrations).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely is invariant in DB; options accept any host type
export type HostKysely = Kysely<any>

/**
 * Views a host's Kysely instance (or transaction) whose `DB` includes these tables as one
 * over `Database` only. Kysely's types are invariant in `DB`, so repositories take any
 * `Kysely<DB extends Database>` and narrow it here; no runtime cost.
 */
export function storeDb<DB extends Database> (db: StoreExecutor<DB>): Kysely<Database> {
  return db as unknown as Kysely<Database>
}
