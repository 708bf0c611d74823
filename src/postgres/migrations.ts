/**
 * A small migration runner for the package's frozen, numbered SQL files (`sql/postgres/`).
 *
 * Why not Kysely's `Migrator`: our migrations are plain SQL files a Quartermaster operator
 * can read and apply by hand, and the runner must refuse a file that changed after it was
 * applied (checksum), which `Migrator` does not do.
 *
 * Each file runs in its own transaction under an advisory lock (two gateways starting at
 * once apply each file once), with `search_path` set to the configured schema so the SQL
 * stays unqualified. The runner never throws midway: it returns what it applied, skipped
 * and where it stopped. Caveats: a file runs as one `DO` block (PGlite's extended protocol
 * refuses several statements in one query), so statements that cannot run in a
 * transaction (`CREATE INDEX CONCURRENTLY`) are not supported.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { ERR_INVALID_OPTION } from '../errors.ts'
import type { HostKysely } from '../store/database.ts'
import type { MigrationResult, MigrateResult } from '../migration-result.ts'

/** The package's own Postgres migrations. */
export const DEFAULT_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../sql/postgres/', import.meta.url))
export const DEFAULT_SCHEMA = 'attribution'
/** Where the runner records what it applied (inside the schema). */
export const DEFAULT_MIGRATIONS_TABLE = 'attribution_migrations'

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/
const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/

/** Options of `migrateToLatest`: the schema, and where the migrations and their record are. */
export interface MigrateOptions {
  /** Schema that holds the tables; created when missing. Default `attribution`. */
  schema?: string
  /** Directory of `NNNN_name.sql` files, applied in name order. Default: the package's. */
  directory?: string
  /**
   * Table (in the schema) recording what was applied. Default `attribution_migrations`.
   * Give another directory its own table: the runner refuses applied names it cannot find.
   */
  table?: string
}

export interface MigrationFile {
  name: string
  /** SHA-256 of the file's bytes, hex. */
  checksum: string
  sql: string
}

export type { MigrationResult, MigrateResult }

/**
 * Checks a schema or table name the package puts into SQL (`sql.id`, `search_path`): a
 * lower-case identifier, else `FW_ATTR_INVALID_OPTION` naming `option`.
 */
export function sqlIdentifier (option: string, value: string): string {
  if (!IDENT.test(value)) throw new ERR_INVALID_OPTION(option, 'must be a lower-case SQL identifier')
  return value
}

/** Reads the numbered SQL files of a directory, in order, with their checksums. */
export async function readMigrationFiles (directory: string = DEFAULT_MIGRATIONS_DIRECTORY): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((n) => FILE_NAME.test(n)).sort()
  return Promise.all(names.map(async (name) => {
    const bytes = await readFile(join(directory, name))
    return { name, checksum: createHash('sha256').update(bytes).digest('hex'), sql: bytes.toString('utf8') }
  }))
}

/** A dollar-quote tag that does not occur in the text. */
function dollarTag (text: string, base: string): string {
  let tag = `$${base}$`
  for (let i = 0; text.includes(tag); i++) tag = `$${base}_${i}$`
  return tag
}

/** Wraps a multi-statement file in one `DO` block (one statement for any protocol). */
function asDoBlock (text: string): string {
  const inner = dollarTag(text, 'fw_sql')
  const outer = dollarTag(text + inner, 'fw_do')
  return `DO ${outer} BEGIN EXECUTE ${inner}${text}${inner}; END ${outer}`
}

/** Serializes migrators across processes; the key is derived from the schema name. */
const lockStatement = (schema: string, table: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtext(${`fw-attribution-migrate:${schema}.${table}`}))`

/**
 * Applies every pending migration file in order and records each (name, checksum).
 * Refuses to run anything when an applied file changed or disappeared.
 */
export async function migrateToLatest (db: HostKysely, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = sqlIdentifier('schema', options.schema ?? DEFAULT_SCHEMA)
  const table = sqlIdentifier('table', options.table ?? DEFAULT_MIGRATIONS_TABLE)
  let files: MigrationFile[]
  try {
    files = await readMigrationFiles(options.directory ?? DEFAULT_MIGRATIONS_DIRECTORY)
  } catch (err) {
    return { results: [], error: err as Error }
  }
  const results: MigrationResult[] = files.map((f) => ({ name: f.name, status: 'not_run' }))

  let applied: Map<string, string>
  try {
    applied = await db.transaction().execute(async (trx) => {
      await lockStatement(schema, table).execute(trx)
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx)
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(schema, table)} (
        name TEXT PRIMARY KEY,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`.execute(trx)
      const rows = await sql<{ name: string, checksum: string }>`SELECT name, checksum FROM ${sql.id(schema, table)}`.execute(trx)
      return new Map(rows.rows.map((r) => [r.name, r.checksum]))
    })
  } catch (err) {
    return { results, error: err as Error }
  }

  const byName = new Map(files.map((f) => [f.name, f]))
  for (const [name, checksum] of applied) {
    const file = byName.get(name)
    if (file === undefined) return { results, error: new Error(`applied migration ${name} is missing from the migrations directory`) }
    if (file.checksum !== checksum) return { results, error: new Error(`applied migration ${name} was changed after it was applied (checksum mismatch)`) }
  }

  for (const [index, file] of files.entries()) {
    const result = results[index] as MigrationResult
    if (applied.has(file.name)) { result.status = 'skipped'; continue }
    try {
      result.status = await db.transaction().execute(async (trx) => {
        await lockStatement(schema, table).execute(trx)
        const done = await sql<{ checksum: string }>`SELECT checksum FROM ${sql.id(schema, table)} WHERE name = ${file.name}`.execute(trx)
        if (done.rows.length > 0) {
          // Another process applied it while we waited for the lock.
          if (done.rows[0]?.checksum !== file.checksum) throw new Error(`applied migration ${file.name} was changed after it was applied (checksum mismatch)`)
          return 'skipped' as const
        }
        await sql`SELECT set_config('search_path', ${`${schema}, public`}, true)`.execute(trx)
        await sql.raw(asDoBlock(file.sql)).execute(trx)
        await sql`INSERT INTO ${sql.id(schema, table)} (name, checksum) VALUES (${file.name}, ${file.checksum})`.execute(trx)
        return 'applied' as const
      })
    } catch (err) {
      result.status = 'failed'
      const cause = err as Error
      return { results, error: new Error(`migration ${file.name} failed: ${cause.message}`, { cause }) }
    }
  }
  return { results }
}

/**
 * The names of the migration files not yet applied (all of them before the first run), for
 * readiness: one read of the record table, no lock. Throws when Postgres cannot be reached.
 */
export async function pendingMigrations (db: HostKysely, options: MigrateOptions = {}): Promise<string[]> {
  const schema = sqlIdentifier('schema', options.schema ?? DEFAULT_SCHEMA)
  const table = sqlIdentifier('table', options.table ?? DEFAULT_MIGRATIONS_TABLE)
  const files = await readMigrationFiles(options.directory ?? DEFAULT_MIGRATIONS_DIRECTORY)
  const exists = await sql<{ found: string | null }>`SELECT to_regclass(${`${schema}.${table}`})::text AS found`.execute(db)
  if (exists.rows[0]?.found == null) return files.map((f) => f.name)
  const rows = await sql<{ name: string, checksum: string }>`SELECT name, checksum FROM ${sql.id(schema, table)}`.execute(db)
  const applied = new Map(rows.rows.map((r) => [r.name, r.checksum]))
  return files.filter((f) => applied.get(f.name) !== f.checksum).map((f) => f.name)
}
