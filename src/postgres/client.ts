/**
 * The one place that builds the Postgres side: a Kysely instance over a `pg` pool
 * (`DATABASE_URL`, production) or over embedded PGlite (development, tests, demo).
 *
 * Caveats (see shared engine notes): PGlite has one connection, so every query is
 * serialized and using `db` inside `db.transaction()` deadlocks: always use the `trx`
 * handed to the callback. Two processes opening one PGlite directory corrupt it, so the
 * directory is locked with a pid file. PGlite is imported lazily so a production gateway
 * never loads it. All tables live in a configurable schema, selected through
 * `search_path` on every connection, so SQL stays unqualified.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Kysely, PostgresDialect, PGliteDialect, sql } from 'kysely'
import pg from 'pg'
import { ERR_INVALID_OPTION, importOptional } from '../errors.ts'
import { DEFAULT_SCHEMA, sqlIdentifier } from './migrations.ts'

/** Where `openPostgres` connects: a server URL, or an embedded PGlite directory. */
export interface PostgresOptions {
  /** `postgres://…`: use a real server through a `pg` pool. */
  url?: string
  /** PGlite data directory; omitted (and no `url`) → in-memory PGlite. */
  dataDir?: string
  /** Schema holding the package's tables (default `attribution`). */
  schema?: string
  /** Pool size for a real server (default 10). */
  poolSize?: number
}

/** An open Postgres: the Kysely instance, which engine it is, its schema, and how to close it. */
export interface PostgresHandle<DB> {
  db: Kysely<DB>
  /** `'postgres'` for a server, `'pglite'` for the embedded engine. */
  engine: 'postgres' | 'pglite'
  schema: string
  /** Destroys the Kysely instance, closes the pool or PGlite, releases the lock. */
  close: () => Promise<void>
}

function isAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Takes an exclusive pid lock on a PGlite directory; a stale lock of a dead process is taken over. */
function lockDirectory (dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, '.fw-attribution.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number(readFileSync(file, 'utf8'))
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new ERR_INVALID_OPTION('dataDir', `PGlite directory ${dir} is in use by process ${holder}`)
      }
      rmSync(file, { force: true })
    }
  }
  throw new ERR_INVALID_OPTION('dataDir', `could not lock PGlite directory ${dir}`)
}

/** Opens the Postgres side. */
export async function openPostgres<DB> (options: PostgresOptions = {}): Promise<PostgresHandle<DB>> {
  const schema = sqlIdentifier('schema', options.schema ?? DEFAULT_SCHEMA)

  if (options.url !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema},public`
    })
    // A connection the server ends (a restart, a failover, an idle timeout) is reported as an
    // 'error' event: on the pool while the client is idle, on the client itself while it is
    // checked out (between a transaction's statements). With no listener Node throws it and
    // the whole process dies. The query in flight, if any, fails on its own; the pool drops
    // the broken client when it is released, and the next query opens a fresh connection.
    const ignore = (): void => {}
    pool.on('error', ignore)
    pool.on('connect', (client) => { client.on('error', ignore) })
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    return { db, engine: 'postgres', schema, close: () => db.destroy() }
  }

  const { PGlite } = await importOptional(() => import('@electric-sql/pglite'), 'PGlite', '@electric-sql/pglite', 'url')
  const unlock = options.dataDir !== undefined ? lockDirectory(options.dataDir) : () => {}
  try {
    const pglite = new PGlite(options.dataDir ?? 'memory://')
    await pglite.waitReady
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}", public`)
    const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) })
    return {
      db,
      engine: 'pglite',
      schema,
      close: async () => {
        try { await db.destroy() } finally { unlock() }
      }
    }
  } catch (err) {
    unlock()
    throw err
  }
}

/** Creates the schema if missing (a server needs it before migrations; PGlite has it already). */
export async function ensureSchema<DB> (db: Kysely<DB>, schema: string): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(sqlIdentifier('schema', schema))}`.execute(db)
}
