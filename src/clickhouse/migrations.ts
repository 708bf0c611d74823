/**
 * ClickHouse migration runner, for two databases.
 *
 * - `sql/clickhouse/frameworks/NNN_*.sql`: FrameWorks' own objects (the tables and views the
 *   package reads or appends to), each `CREATE … IF NOT EXISTS` in FrameWorks' exact shape.
 *   They run in FrameWorks' database on every migrate and are recorded nowhere there: where
 *   FrameWorks has them (production) every statement is a no-op, and on an empty engine (the
 *   quick start, the tests) they create what FrameWorks would have.
 * - `sql/clickhouse/attribution/NNN_*.sql`, then the views generated from code
 *   (`src/clickhouse/views.ts`): the package's own objects, in the package's own database,
 *   recorded (name and checksum) in its ledger `attribution_migrations` there.
 *
 * ClickHouse has no transactional DDL, so every statement is written idempotently
 * (`IF NOT EXISTS`): a run cut short is simply run again. A numbered file of ours whose
 * checksum changed after it was applied is refused (those are frozen). A generated view is
 * replaced whenever its text changes (for example a new channel-rule version), like a
 * repeatable migration. Returns results; does not throw midway.
 *
 * One DDL for every deployment. In a `Replicated` database (FrameWorks' Periscope, and ours
 * when an operator creates it so) each `…MergeTree` engine of a statement is created as its
 * `Replicated…MergeTree` twin with no arguments, so its replica path is the database's
 * default, as FrameWorks' own tables do; without the rewrite the table would exist on one
 * replica only. No `ON CLUSTER`: the Replicated database runs the DDL on every replica.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import type { ClickHouseHandle } from './client.ts'
import { generatedViews } from './views.ts'
import type { MigrationResult, MigrateResult } from '../migration-result.ts'

/** The folder holding `frameworks/` and `attribution/`. */
export const CLICKHOUSE_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', 'clickhouse')
/** Where the runner records what it applied (in the package's database). */
export const CLICKHOUSE_LEDGER = 'attribution_migrations'

export type { MigrationResult, MigrateResult }

/** Splits a SQL file into statements: `;` at the end of a line ends one; `--` comments dropped. */
export function splitStatements (sqlText: string): string[] {
  const statements: string[] = []
  let current: string[] = []
  for (const line of sqlText.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.startsWith('--') || trimmed === '') continue
    current.push(line)
    if (trimmed.endsWith(';')) {
      statements.push(current.join('\n').trim().replace(/;$/, ''))
      current = []
    }
  }
  if (current.length > 0) statements.push(current.join('\n').trim())
  return statements.filter((s) => s.length > 0)
}

const ENGINE = /\bENGINE\s*=\s*(?!Replicated)((?:Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing|Graphite|Coalescing)?MergeTree)\b(\s*\(\s*\))?/g

/**
 * A statement as it must run in a database of the given engine: in a `Replicated` database
 * every `…MergeTree` engine becomes `Replicated…MergeTree` with the same version argument
 * and no replica path (the database's default); elsewhere the statement is unchanged.
 */
export function forDatabaseEngine (statement: string, databaseEngine: string): string {
  if (databaseEngine !== 'Replicated') return statement
  return statement.replace(ENGINE, (_m, engine: string) => `ENGINE = Replicated${engine}`)
}

/** The engine of a database (`Atomic`, `Replicated`, …), or null when it does not exist. */
async function databaseEngine (client: ClickHouseClient, database: string): Promise<string | null> {
  const res = await client.query({ query: 'SELECT engine FROM system.databases WHERE name = {d:String}', query_params: { d: database }, format: 'JSONEachRow' })
  const rows = await res.json<{ engine: string }>()
  return rows[0]?.engine ?? null
}

/** How many tables and views a database holds. */
async function objectCount (client: ClickHouseClient, database: string): Promise<number> {
  const res = await client.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = {d:String}', query_params: { d: database }, format: 'JSONEachRow' })
  return Number((await res.json<{ n: string }>())[0]?.n ?? 0)
}

const checksumOf = (text: string): string => createHash('sha256').update(text).digest('hex')

/** The numbered SQL files of a folder, in order (none when the folder is absent). */
async function numberedFiles (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/**
 * Creates FrameWorks' objects where absent (in FrameWorks' database, no ledger), then our
 * database when missing, then applies our pending migrations and the generated views there.
 * `dir` (default: the package's `sql/clickhouse`) holds `frameworks/` and `attribution/`.
 */
export async function migrateClickHouse (ch: ClickHouseHandle, dir = CLICKHOUSE_MIGRATIONS_DIR): Promise<MigrateResult> {
  const results: MigrationResult[] = []
  try {
    // FrameWorks' objects: every statement every time, each a no-op where the object exists.
    const frameworksEngine = await databaseEngine(ch.frameworksClient, ch.database)
    if (frameworksEngine === null) throw new Error(`ClickHouse database ${ch.database} (CLICKHOUSE_DATABASE) does not exist`)
    for (const name of await numberedFiles(join(dir, 'frameworks'))) {
      const before = await objectCount(ch.frameworksClient, ch.database)
      try {
        for (const statement of splitStatements(await readFile(join(dir, 'frameworks', name), 'utf8'))) {
          await ch.frameworksClient.command({ query: forDatabaseEngine(statement, frameworksEngine) })
        }
      } catch (err) {
        results.push({ name: `frameworks/${name}`, status: 'failed' })
        return { results, error: err as Error }
      }
      const created = await objectCount(ch.frameworksClient, ch.database) > before
      results.push({ name: `frameworks/${name}`, status: created ? 'applied' : 'skipped' })
    }

    // Our database: created as Atomic when missing. An operator who wants it Replicated
    // creates it first (docs/production.md); a missing grant then never matters.
    let engine = await databaseEngine(ch.frameworksClient, ch.attributionDatabase)
    if (engine === null) {
      await ch.frameworksClient.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.attributionDatabase}` })
      engine = await databaseEngine(ch.frameworksClient, ch.attributionDatabase) ?? 'Atomic'
    }
    const client = ch.client
    const run = async (statement: string): Promise<void> => { await client.command({ query: forDatabaseEngine(statement, engine) }) }
    await run(`CREATE TABLE IF NOT EXISTS ${CLICKHOUSE_LEDGER} (name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY name`)
    const res = await client.query({ query: `SELECT name, argMax(checksum, applied_at) AS checksum FROM ${CLICKHOUSE_LEDGER} GROUP BY name`, format: 'JSONEachRow' })
    const applied = new Map((await res.json<{ name: string, checksum: string }>()).map((r) => [r.name, r.checksum]))
    /** Runs one migration's statements and records it; answers the error that stopped it, if any. */
    const apply = async (name: string, checksum: string, statements: readonly string[]): Promise<Error | undefined> => {
      try {
        for (const statement of statements) await run(statement)
        await client.insert({ table: CLICKHOUSE_LEDGER, values: [{ name, checksum }], format: 'JSONEachRow' })
        results.push({ name, status: 'applied' })
        return undefined
      } catch (err) {
        results.push({ name, status: 'failed' })
        return err as Error
      }
    }

    for (const name of await numberedFiles(join(dir, 'attribution'))) {
      const text = await readFile(join(dir, 'attribution', name), 'utf8')
      const checksum = checksumOf(text)
      const known = applied.get(name)
      if (known !== undefined) {
        if (known !== checksum) {
          results.push({ name, status: 'failed' })
          return { results, error: new Error(`ClickHouse migration ${name} changed after it was applied`) }
        }
        results.push({ name, status: 'skipped' })
        continue
      }
      const error = await apply(name, checksum, splitStatements(text))
      if (error !== undefined) return { results, error }
    }

    for (const view of generatedViews()) {
      const name = `view:${view.name}`
      const statement = `CREATE OR REPLACE VIEW ${view.name} AS\n${view.query}`
      const checksum = checksumOf(statement)
      if (applied.get(name) === checksum) {
        results.push({ name, status: 'skipped' })
        continue
      }
      const error = await apply(name, checksum, [statement])
      if (error !== undefined) return { results, error }
    }
    return { results }
  } catch (err) {
    return { results, error: err as Error }
  }
}

/**
 * Our migrations (numbered files of `attribution/` and generated views) not yet applied as
 * they are now, for readiness: one read of our ledger. All of them before the first run
 * (no database or no ledger yet). Throws when ClickHouse cannot be reached.
 */
export async function pendingClickHouseMigrations (ch: ClickHouseHandle, dir = CLICKHOUSE_MIGRATIONS_DIR): Promise<string[]> {
  const expected = new Map<string, string>()
  for (const name of await numberedFiles(join(dir, 'attribution'))) {
    expected.set(name, checksumOf(await readFile(join(dir, 'attribution', name), 'utf8')))
  }
  for (const view of generatedViews()) expected.set(`view:${view.name}`, checksumOf(`CREATE OR REPLACE VIEW ${view.name} AS\n${view.query}`))
  const exists = await ch.frameworksClient.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    query_params: { db: ch.attributionDatabase, name: CLICKHOUSE_LEDGER },
    format: 'JSONEachRow'
  })
  if (Number((await exists.json<{ n: string | number }>())[0]?.n ?? 0) === 0) return [...expected.keys()]
  const res = await ch.client.query({ query: `SELECT name, argMax(checksum, applied_at) AS checksum FROM ${CLICKHOUSE_LEDGER} GROUP BY name`, format: 'JSONEachRow' })
  const applied = new Map((await res.json<{ name: string, checksum: string }>()).map((r) => [r.name, r.checksum]))
  return [...expected].filter(([name, checksum]) => applied.get(name) !== checksum).map(([name]) => name)
}
