/**
 * Store test helpers: a migrated database per Postgres target, either with the tables the
 * package creates and a host `tenants` table, or on a FrameWorks Quartermaster schema
 * prepared first with FrameWorks' own DDL and rows; and a signup attribution to start from.
 */
import { sql, type Kysely } from 'kysely'
import type { SignupAttribution } from '../../src/contracts.ts'
import type { PostgresHandle } from '../../src/postgres/client.ts'
import type { Database } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import type { PostgresTarget } from './postgres.ts'

/** What a host adds beside the package's tables. */
export interface HostDatabase extends Database {
  tenants: { id: string, name: string }
}

/** Opens a fresh database on the target with the package's migrations and a `tenants` table. */
export async function openStore (target: PostgresTarget): Promise<PostgresHandle<HostDatabase>> {
  const handle = await target.open<HostDatabase>()
  const result = await migrateToLatest(handle.db, { schema: handle.schema })
  if (result.error !== undefined) throw result.error
  await sql`CREATE TABLE tenants (id UUID PRIMARY KEY, name TEXT NOT NULL)`.execute(handle.db)
  return handle
}

/** How `referral_codes.expires_at` is typed: FrameWorks' schema, or after its later migration. */
export type ExpiresAtType = 'TIMESTAMP' | 'TIMESTAMPTZ'

/** FrameWorks' rows present before the package's migrations run (`openQuartermasterStore`). */
export const QUARTERMASTER_ROWS = {
  /** A tenant with an attribution row FrameWorks wrote: `is_agent` and `metadata` NULL. */
  tenantId: '0b6c1f64-8f0e-4c57-9d4e-6a3c2f7e1d01',
  /** Its `created_at` (TIMESTAMP, UTC wall-clock time). */
  createdAt: '2026-03-01 12:00:00',
  /** Two codes that differ only in letter case (FrameWorks' UNIQUE is case-sensitive). */
  caseVariants: ['Spring', 'SPRING'],
  /** A code with `is_active` and `current_uses` NULL. */
  nullFlags: 'NULL-FLAGS'
} as const

/**
 * FrameWorks' Quartermaster DDL for the tables the package uses, column types as in
 * `pkg/database/sql/schema/quartermaster.sql` (`tenants` trimmed to the columns used here).
 */
function quartermasterDdl (expiresAt: ExpiresAtType) {
  return [
    sql`CREATE TABLE tenants (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name VARCHAR(255) NOT NULL,
      created_at TIMESTAMP DEFAULT NOW()
    )`,
    sql`CREATE TABLE tenant_attribution (
      tenant_id UUID PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      signup_channel VARCHAR(50) NOT NULL,
      signup_method VARCHAR(50),
      utm_source VARCHAR(255),
      utm_medium VARCHAR(100),
      utm_campaign VARCHAR(255),
      utm_content VARCHAR(255),
      utm_term VARCHAR(255),
      http_referer TEXT,
      landing_page TEXT,
      referral_code VARCHAR(100),
      is_agent BOOLEAN DEFAULT FALSE,
      metadata JSONB DEFAULT '{}',
      created_at TIMESTAMP DEFAULT NOW()
    )`,
    sql`CREATE INDEX idx_tenant_attribution_channel ON tenant_attribution (signup_channel, created_at)`,
    sql`CREATE INDEX idx_tenant_attribution_utm ON tenant_attribution (utm_source) WHERE utm_source IS NOT NULL`,
    sql`CREATE INDEX idx_tenant_attribution_referral ON tenant_attribution (referral_code) WHERE referral_code IS NOT NULL`,
    sql`CREATE TABLE referral_codes (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      code VARCHAR(100) NOT NULL UNIQUE,
      owner_tenant_id UUID REFERENCES tenants(id),
      partner_name VARCHAR(255),
      is_active BOOLEAN DEFAULT TRUE,
      max_uses INTEGER,
      current_uses INTEGER DEFAULT 0,
      expires_at ${sql.raw(expiresAt)},
      created_at TIMESTAMP DEFAULT NOW()
    )`
  ]
}

/**
 * Opens a fresh database on the target whose schema (`quartermaster`, with a random suffix on
 * a server) holds FrameWorks' `tenants`, `tenant_attribution` and `referral_codes` with
 * FrameWorks' types and some FrameWorks rows (`QUARTERMASTER_ROWS`), then runs the
 * package's migrations on it.
 */
export async function openQuartermasterStore (target: PostgresTarget, options: { expiresAt?: ExpiresAtType } = {}): Promise<PostgresHandle<HostDatabase>> {
  const handle = await target.open<HostDatabase>('quartermaster')
  try {
    const { db } = handle
    await db.transaction().execute(async (trx) => {
      for (const statement of quartermasterDdl(options.expiresAt ?? 'TIMESTAMP')) await statement.execute(trx)
      const { tenantId, createdAt, caseVariants, nullFlags } = QUARTERMASTER_ROWS
      await sql`INSERT INTO tenants (id, name) VALUES (${tenantId}, 'legacy')`.execute(trx)
      await sql`INSERT INTO tenant_attribution (tenant_id, signup_channel, signup_method, is_agent, metadata, created_at)
                VALUES (${tenantId}, 'web', 'email_password', NULL, NULL, ${createdAt})`.execute(trx)
      for (const code of caseVariants) await sql`INSERT INTO referral_codes (code, partner_name) VALUES (${code}, ${`partner ${code}`})`.execute(trx)
      await sql`INSERT INTO referral_codes (code, is_active, current_uses) VALUES (${nullFlags}, NULL, NULL)`.execute(trx)
    })
    const result = await migrateToLatest(db, { schema: handle.schema })
    if (result.error !== undefined) throw result.error
    return handle
  } catch (err) {
    await handle.close()
    throw err
  }
}

/** The two ways a store meets its tables: created by the package, or FrameWorks' own. */
export const STORE_SHAPES = [
  { name: 'package tables', open: openStore },
  { name: 'quartermaster tables', open: (target: PostgresTarget) => openQuartermasterStore(target) }
] as const

/** A plain web signup attribution with overrides. */
export function attribution (overrides: Partial<SignupAttribution> = {}): SignupAttribution {
  return {
    signup_channel: 'web',
    signup_method: 'email_password',
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_content: null,
    utm_term: null,
    http_referer: null,
    landing_page: null,
    referral_code: null,
    is_agent: false,
    metadata_json: '{}',
    channel_group: 'direct',
    client_kind: 'browser',
    first_touch_at: null,
    last_touch: null,
    ...overrides
  }
}

/** Row counts of the package's tables for one tenant. */
export async function countsFor (db: Kysely<HostDatabase>, tenantId: string): Promise<{ attribution: number, outbox: number, tenants: number }> {
  const [a, o, t] = await Promise.all([
    db.selectFrom('tenant_attribution').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow(),
    db.selectFrom('attribution_outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow(),
    db.selectFrom('tenants').select((eb) => eb.fn.countAll<string>().as('n')).where('id', '=', tenantId).executeTakeFirstOrThrow()
  ])
  return { attribution: Number(a.n), outbox: Number(o.n), tenants: Number(t.n) }
}
