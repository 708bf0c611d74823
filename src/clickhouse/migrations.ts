/**
 * ClickHouse migration runner: applies `sql/clickhouse/NNN_*.sql` in order and records
 * name and checksum in `_fw_attribution_migrations`.
 *
 * ClickHouse has no transactional DDL, so every statement is written idempotently
 * (`IF NOT EXISTS`): a run cut short is simply run again. A file whose checksum changed
 * after it was applied is refused (migrations are frozen). Returns results; does not
 * throw midway.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import { ERR_INVALID_OPTION } from '../errors.ts'

export const CLICKHOUSE_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', 'clickhouse')
const LEDGER = '_fw_attribution_migrations'

/** Which DDL a deployment uses: one server, or a cluster (`ON CLUSTER`, Replicated + Distributed). */
export type ClickHouseDdl = 'server' | 'cluster'

/** Reads `CLICKHOUSE_DDL` (unset → `server`); anything else is refused. */
export function clickHouseDdlOf (value: string | undefined): ClickHouseDdl {
  const ddl = value === undefined || value === '' ? 'server' : value
  if (ddl !== 'server' && ddl !== 'cluster') throw new ERR_INVALID_OPTION('CLICKHOUSE_DDL', 'must be "server" or "cluster"')
  return ddl
}

/** The migrations directory of a DDL flavour. Every tool that migrates must pick the same one. */
export const clickHouseMigrationsDir = (ddl: ClickHouseDdl): string => ddl === 'cluster' ? join(CLICKHOUSE_MIGRATIONS_DIR, 'cluster') : CLICKHOUSE_MIGRATIONS_DIR

export interface MigrationResult {
  name: string
  status: 'applied' | 'skipped' | 'error'
  error?: string
}

export interface MigrateOutcome {
  results: MigrationResult[]
  error?: Error
}

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

/** Applies pending migrations from `dir` (default: the package's `sql/clickhouse`). */
export async function migrateClickHouse (client: ClickHouseClient, dir = CLICKHOUSE_MIGRATIONS_DIR): Promise<MigrateOutcome> {
  const results: MigrationResult[] = []
  try {
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS ${LEDGER} (name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY name`
    })
    const res = await client.query({ query: `SELECT name, any(checksum) AS checksum FROM ${LEDGER} GROUP BY name`, format: 'JSONEachRow' })
    const applied = new Map((await res.json<{ name: string, checksum: string }>()).map((r) => [r.name, r.checksum]))
    const files = (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()
    for (const name of files) {
      const text = await readFile(join(dir, name), 'utf8')
      const checksum = createHash('sha256').update(text).digest('hex')
      const known = applied.get(name)
      if (known !== undefined) {
        if (known !== checksum) {
          results.push({ name, status: 'error', error: 'file changed after it was applied' })
          return { results, error: new Error(`ClickHouse migration ${name} changed after it was applied`) }
        }
        results.push({ name, status: 'skipped' })
        continue
      }
      try {
        for (const statement of splitStatements(text)) await client.command({ query: statement })
        await client.insert({ table: LEDGER, values: [{ name, checksum }], format: 'JSONEachRow' })
        results.push({ name, status: 'applied' })
      } catch (err) {
        results.push({ name, status: 'error', error: (err as Error).message })
        return { results, error: err as Error }
      }
    }
    return { results }
  } catch (err) {
    return { results, error: err as Error }
  }
}
