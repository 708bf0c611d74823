/**
 * Shared pieces of the ingest tests: a migrated outbox database per target, signups through
 * the store's real `recordSignup`, and counts of our own tenants in ClickHouse (each test uses
 * fresh tenant ids, so tests sharing one chDB engine never see each other's rows).
 */
import { randomUUID } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Kysely } from 'kysely'
import type { SignupAttribution } from '../../src/contracts.ts'
import type { PostgresHandle } from '../../src/postgres/client.ts'
import type { Database } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import type { PostgresTarget } from '../helpers/postgres.ts'

export function attribution (overrides: Partial<SignupAttribution> = {}): SignupAttribution {
  return {
    signup_channel: 'web',
    signup_method: 'email_password',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'launch',
    utm_content: null,
    utm_term: null,
    http_referer: 'https://news.example.com/post',
    landing_page: 'https://frameworks.network/pricing',
    referral_code: null,
    is_agent: false,
    metadata_json: '{"plan":"free"}',
    channel_group: 'email',
    client_kind: 'browser',
    first_touch_at: '2026-01-02T03:04:05.678Z',
    last_touch: null,
    ...overrides
  }
}

/** Opens a fresh database for the target and applies the store's migrations. */
export async function openOutbox (target: PostgresTarget): Promise<PostgresHandle<Database>> {
  const handle = await target.open<Database>()
  const migrated = await migrateToLatest(handle.db, { schema: handle.schema })
  if (migrated.error !== undefined) throw migrated.error
  return handle
}

/** `n` signups, each in its own transaction; returns the tenant ids. */
export async function signups (db: Kysely<Database>, n: number, overrides: Partial<SignupAttribution> = {}): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const tenantId = randomUUID()
    await db.transaction().execute((trx) => recordSignup(trx, { tenantId, attribution: attribution(overrides) }))
    ids.push(tenantId)
  }
  return ids
}

async function scalar (client: ClickHouseClient, query: string, ids: readonly string[]): Promise<number> {
  const res = await client.query({ query, query_params: { ids }, format: 'JSONEachRow' })
  return Number((await res.json<{ n: string }>())[0]?.n ?? 0)
}

/** Rows in the raw table for these tenants (duplicates included). */
export function rawCount (client: ClickHouseClient, ids: readonly string[]): Promise<number> {
  return scalar(client, 'SELECT count() AS n FROM tenant_acquisition_events WHERE tenant_id IN {ids:Array(UUID)}', ids)
}

/** Tenants as the reports count them (the deduplicating view). */
export function reportedTenants (client: ClickHouseClient, ids: readonly string[]): Promise<number> {
  return scalar(client, 'SELECT count() AS n FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)}', ids)
}

/** Outbox rows that are neither delivered nor parked. */
export async function pendingCount (db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('attribution_outbox').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('delivered_at', 'is', null).where('parked_at', 'is', null).executeTakeFirstOrThrow()
  return Number(row.n)
}
