/**
 * ClickHouse migration runner: applies `sql/clickhouse/NNN_*.sql` in order, then the views
 * generated from code (`src/clickhouse/views.ts`), and records name and checksum of each in
 * `attribution_migrations`.
 *
 * ClickHouse has no transactional DDL, so every statement is written idempotently
 * (`IF NOT EXISTS`): a run cut short is simply run again. A numbered file whose checksum
 * changed after it was applied is refused (those are frozen). A generated view is replaced
 * whenever its text changes (for example a new channel-rule version), like a repeatable
 * migration. Returns results; does not throw midway.
 *
 * One DDL for every deployment. In a `Replicated` database (FrameWorks' Periscope) each
 * `…MergeTree` engine of a statement is created as its `Replicated…MergeTree` twin with no
 * arguments, so its replica path is the database's default, as FrameWorks' own tables do;
 * a self-hosted server does not convert engines by itself, and without the rewrite the
 * table would exist on one replica only. No `ON CLUSTER`: the Replicated database runs
 * the DDL on every replica.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import { generatedViews } from './views.ts'
import type { MigrationResult, MigrateResult } from '../migration-result.ts'

export const CLICKHOUSE_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', 'clickhouse')
/** Where the runner records what it applied (in the configured database). */
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

/** The engine of the client's current database (`Atomic`, `Replicated`, …). */
async function currentDatabaseEngine (client: ClickHouseClient): Promise<string> {
  const res = await client.query({ query: 'SELECT engine FROM system.databases WHERE name = currentDatabase()', format: 'JSONEachRow' })
  const rows = await res.json<{ engine: string }>()
  return rows[0]?.engine ?? 'Atomic'
}

const checksumOf = (text: string): string => createHash('sha256').update(text).digest('hex')

/** Applies pending migrations from `dir` (default: the package's `sql/clickhouse`), then the generated views. */
export async function migrateClickHouse (client: ClickHouseClient, dir = CLICKHOUSE_MIGRATIONS_DIR): Promise<MigrateResult> {
  const results: MigrationResult[] = []
  try {
    const engine = await currentDatabaseEngine(client)
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

    const files = (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()
    for (const name of files) {
      const text = await readFile(join(dir, name), 'utf8')
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

/** The refreshable view that rebuilds `attribution_usage_daily`. */
export const USAGE_REFRESH_VIEW = 'attribution_usage_daily_mv'

/**
 * Rebuilds `attribution_usage_daily` now and waits for it: after loading data (seed, tests,
 * a first start on an existing database), so reports need not wait for the hourly refresh.
 * Throws when the refresh fails (ClickHouse reports the refresh's own error).
 */
export async function refreshUsage (client: ClickHouseClient): Promise<void> {
  await client.command({ query: `SYSTEM REFRESH VIEW ${USAGE_REFRESH_VIEW}` })
  await waitForUsageRefresh(client)
}

/** Waits for a refresh of `attribution_usage_daily` that is running (the first one starts when the view is created). */
export async function waitForUsageRefresh (client: ClickHouseClient): Promise<void> {
  await client.command({ query: `SYSTEM WAIT VIEW ${USAGE_REFRESH_VIEW}` })
}

/**
 * The migrations (numbered files and generated views) not yet applied as they are now, for
 * readiness: one read of the ledger. All of them before the first run. Throws when ClickHouse
 * cannot be reached.
 */
export async function pendingClickHouseMigrations (client: ClickHouseClient, dir = CLICKHOUSE_MIGRATIONS_DIR): Promise<string[]> {
  const expected = new Map<string, string>()
  for (const name of (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()) {
    expected.set(name, checksumOf(await readFile(join(dir, name), 'utf8')))
  }
  for (const view of generatedViews()) expected.set(`view:${view.name}`, checksumOf(`CREATE OR REPLACE VIEW ${view.name} AS\n${view.query}`))
  const exists = await client.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {name:String}', query_params: { name: CLICKHOUSE_LEDGER }, format: 'JSONEachRow' })
  if (Number((await exists.json<{ n: string | number }>())[0]?.n ?? 0) === 0) return [...expected.keys()]
  const res = await client.query({ query: `SELECT name, argMax(checksum, applied_at) AS checksum FROM ${CLICKHOUSE_LEDGER} GROUP BY name`, format: 'JSONEachRow' })
  const applied = new Map((await res.json<{ name: string, checksum: string }>()).map((r) => [r.name, r.checksum]))
  return [...expected].filter(([name, checksum]) => applied.get(name) !== checksum).map(([name]) => name)
}
