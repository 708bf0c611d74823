/**
 * Postgres targets for tests: embedded PGlite always, and the real server when
 * `DATABASE_URL` is set (CI sets it). Each real-server handle gets its own schema, dropped
 * on close, so test files run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { openPostgres, ensureSchema, type PostgresHandle } from '../../src/postgres/client.ts'

export interface PostgresTarget {
  name: 'pglite' | 'postgres'
  /**
   * Opens a fresh, empty database handle. Its schema is `schema` (default `attribution`) on
   * PGlite, and `schema` with a random suffix on a server, so parallel files never share one.
   */
  open: <DB>(schema?: string) => Promise<PostgresHandle<DB>>
}

export function postgresTargets (): PostgresTarget[] {
  const targets: PostgresTarget[] = [{ name: 'pglite', open: (schema = 'attribution') => openPostgres({ schema }) }]
  const url = process.env.DATABASE_URL
  if (url !== undefined && url !== '') {
    targets.push({
      name: 'postgres',
      open: async <DB>(prefix = 't') => {
        const schema = `${prefix}_${randomBytes(6).toString('hex')}`
        const handle = await openPostgres<DB>({ url, schema, poolSize: 30 })
        await ensureSchema(handle.db, schema)
        return {
          ...handle,
          close: async () => {
            try { await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(handle.db) } finally { await handle.close() }
          }
        }
      }
    })
  }
  return targets
}
