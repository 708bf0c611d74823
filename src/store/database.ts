/**
 * Kysely table types of the package's Postgres tables (`sql/postgres/*.sql`).
 *
 * Why by hand: the migrations are frozen SQL files and the source of truth; these types
 * mirror them column for column (Quartermaster names first, our derived columns beside
 * them). A host joins `Database` into its own interface (`interface HostDb extends
 * Database { tenants: … }`) and passes its `Kysely`/`Transaction` to the repositories.
 *
 * `referral_codes` and `tenant_attribution` are Quartermaster's tables with Quartermaster's
 * types (TIMESTAMP without time zone, nullable flags, counters and metadata), so their table
 * types are nullable where Quartermaster's columns are, and their timestamps are written as
 * UTC ISO strings (see `utc-timestamps.ts`). The repositories return rows with those values
 * resolved (`ReferralCode`, `TenantAttributionRow`).
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
/**
 * A Quartermaster timestamp: TIMESTAMP without time zone holding UTC (or TIMESTAMPTZ),
 * nullable. Written as a `utcIso(…)` string only: `pg` binds a `Date` in local time, which a
 * TIMESTAMP drops. Read it through the repositories; a raw read of a TIMESTAMP is parsed in
 * the process's time zone.
 */
export type QuartermasterTimestamp = ColumnType<Date | null, string | null | undefined, string | null>

/**
 * `referral_codes`: Quartermaster's table as it is. `code` is unique case-sensitively; the
 * store finds codes case-insensitively (see `referral-codes.repository.ts`).
 */
export interface ReferralCodesTable {
  id: Generated<string>
  code: string
  owner_tenant_id: string | null
  partner_name: string | null
  /** NULL counts as inactive (as Quartermaster's own `is_active = true`). */
  is_active: ColumnType<boolean | null, boolean | null | undefined, boolean | null>
  max_uses: number | null
  /** NULL counts as 0. */
  current_uses: ColumnType<number | null, number | null | undefined, number | null>
  expires_at: QuartermasterTimestamp
  created_at: QuartermasterTimestamp
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
  is_agent: ColumnType<boolean | null, boolean | null | undefined, boolean | null>
  metadata: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>
  created_at: QuartermasterTimestamp
  // derived (the package's own columns)
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

/** `attribution_erasures`: the audit trail of erasures, one row per call, never updated. */
export interface AttributionErasuresTable {
  id: ColumnType<string | number, never, never>
  tenant_id: string
  erased_at: GeneratedTimestamp
  /** The operator credential's identifier (`operatorOf`): a token fingerprint or the host hook's name. */
  operator: string
  /** Whether the tenant's `tenant_attribution` row was deleted by this call. */
  attribution_row: boolean
  /** Outbox events of the tenant deleted by this call. */
  outbox_events: number
}

/** `attribution_erasure_jobs`: the ClickHouse side of an erasure, one row per tenant (see 0004). */
export interface AttributionErasureJobsTable {
  tenant_id: string
  generation: Generated<number>
  requested_at: GeneratedTimestamp
  available_at: GeneratedTimestamp
  attempts: Generated<number>
  last_error: string | null
  first_pass_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

/** `attribution_migrations`: what the runner applied (see `src/postgres/migrations.ts`). */
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
  attribution_erasures: AttributionErasuresTable
  attribution_erasure_jobs: AttributionErasureJobsTable
  attribution_migrations: AttributionMigrationsTable
}

/** A code as the repositories return it: NULL flags and counters resolved, times as UTC. */
export interface ReferralCode extends Omit<Selectable<ReferralCodesTable>, 'is_active' | 'current_uses' | 'created_at'> {
  is_active: boolean
  current_uses: number
  /** Quartermaster's column is nullable; the store always sets it. */
  created_at: Date
}

/** What `createReferralCode` takes; `expires_at` is converted to UTC before it is bound. */
export interface NewReferralCode {
  code: string
  owner_tenant_id?: string | null
  partner_name?: string | null
  /** Default `true`. */
  is_active?: boolean
  /** `null` (the default) is unlimited. */
  max_uses?: number | null
  expires_at?: Date | string | null
}

/**
 * A tenant's row as the repositories return it: Quartermaster's NULL `is_agent` is `false`,
 * a NULL `metadata` is `{}`, times are UTC.
 */
export interface TenantAttributionRow extends Omit<Selectable<TenantAttributionTable>, 'is_agent' | 'metadata' | 'created_at'> {
  is_agent: boolean
  metadata: Record<string, unknown>
  /** Quartermaster's column is nullable; the store always sets it. */
  created_at: Date
}
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
