/**
 * Store test helpers: a migrated database per Postgres target, a host `tenants` table, and
 * a signup attribution to start from.
 */
import { sql, type Kysely } from 'kysely'
import type { SignupAttribution } from '../../src/contracts.ts'
import type { PostgresHandle } from '../../src/db/postgres.ts'
import type { Database } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/store/migrations.ts'
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
