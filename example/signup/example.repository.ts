/**
 * The example gateway's own tables (example/sql/postgres/): tenants, users, SIWE nonces and
 * spent x402 authorizations. A real gateway has its own; what matters is that each signup
 * writes its tenant and calls `recordSignup` on the same transaction.
 */
import { fileURLToPath } from 'node:url'
import type { ColumnType, Kysely, Transaction } from 'kysely'
import { migrateToLatest, type Database, type HostKysely, type MigrateResult } from '@frameworks/attribution'

type CreatedAt = ColumnType<Date, Date | string | undefined, never>

/** The example's database: the package's tables plus the host's. */
export interface ExampleDatabase extends Database {
  tenants: { id: string, name: string | null, created_at: CreatedAt }
  users: {
    id: string
    tenant_id: string
    email: string | null
    password_hash: string | null
    wallet_address: string | null
    created_at: CreatedAt
  }
  wallet_nonces: { nonce: string, address: string, chain_id: number, expires_at: Date | string, used_at: Date | string | null }
  x402_payments: { authorization_nonce: string, tenant_id: string, created_at: CreatedAt }
}

export type ExampleDb = Kysely<ExampleDatabase>
export type ExampleTrx = Transaction<ExampleDatabase>

export const EXAMPLE_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../sql/postgres/', import.meta.url))

/** Applies the example's own migrations (after the package's). */
export function migrateExample (db: HostKysely, options: { schema: string }): Promise<MigrateResult> {
  return migrateToLatest(db, { schema: options.schema, directory: EXAMPLE_MIGRATIONS_DIRECTORY, table: 'example_migrations' })
}

export async function insertTenant (trx: ExampleTrx, id: string, name: string | null): Promise<void> {
  await trx.insertInto('tenants').values({ id, name }).execute()
}

/** Inserts a user unless the e-mail or wallet is taken; `false` when taken. */
export async function insertUser (trx: ExampleTrx, user: { id: string, tenant_id: string, email?: string, password_hash?: string, wallet_address?: string }): Promise<boolean> {
  const row = await trx.insertInto('users').values(user).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst()
  return row !== undefined
}

export async function tenantOfWallet (db: ExampleDb | ExampleTrx, address: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('tenant_id').where('wallet_address', '=', address.toLowerCase()).executeTakeFirst()
  return row?.tenant_id
}

export async function storeWalletNonce (db: ExampleDb, nonce: string, address: string, chainId: number, expiresAt: Date): Promise<void> {
  await db.deleteFrom('wallet_nonces').where('expires_at', '<', new Date(Date.now() - 3_600_000)).execute()
  await db.insertInto('wallet_nonces').values({ nonce, address: address.toLowerCase(), chain_id: chainId, expires_at: expiresAt }).execute()
}

/** Spends a nonce issued for this address and chain; `false` when unknown, spent or expired. */
export async function spendWalletNonce (trx: ExampleTrx, nonce: string, address: string, chainId: number, now: Date): Promise<boolean> {
  const row = await trx.updateTable('wallet_nonces')
    .set({ used_at: now })
    .where('nonce', '=', nonce)
    .where('address', '=', address.toLowerCase())
    .where('chain_id', '=', chainId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('nonce')
    .executeTakeFirst()
  return row !== undefined
}

/** Records a spent x402 authorization; returns the tenant it already provisioned, if any. */
export async function claimX402Payment (trx: ExampleTrx, authorizationNonce: string, tenantId: string): Promise<string | undefined> {
  const inserted = await trx.insertInto('x402_payments')
    .values({ authorization_nonce: authorizationNonce.toLowerCase(), tenant_id: tenantId })
    .onConflict((oc) => oc.column('authorization_nonce').doNothing())
    .returning('tenant_id')
    .executeTakeFirst()
  if (inserted !== undefined) return undefined
  const existing = await trx.selectFrom('x402_payments').select('tenant_id').where('authorization_nonce', '=', authorizationNonce.toLowerCase()).executeTakeFirst()
  return existing?.tenant_id
}
