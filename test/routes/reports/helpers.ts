/**
 * Test helpers for the reports: one chDB engine (or `CLICKHOUSE_URL`) per test file loaded
 * with the fixture, an app with the reports plugin, and a small CSV parser (RFC 4180) so the
 * tests read CSV the way a spreadsheet would.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { openClickHouse, type ClickHouseHandle } from '../../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../../src/clickhouse/migrations.ts'
import { problemErrorHandler } from '../../../src/errors.ts'
import reportsPlugin, { type ReportsPluginOptions } from '../../../src/routes/reports/index.ts'
import { loadFixture } from './fixture.ts'

export const TOKEN = 'operator-token-for-tests'
export const AUTH = { authorization: `Bearer ${TOKEN}` }

/** Opens the engine, migrates, loads the fixture. */
export async function openFixtureEngine (): Promise<{ ch: ClickHouseHandle, close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-reports-'))
  const ch = await openClickHouse(process.env.CLICKHOUSE_URL !== undefined && process.env.CLICKHOUSE_URL !== '' ? { url: process.env.CLICKHOUSE_URL } : { dataDir: dir })
  const migrated = await migrateClickHouse(ch.client)
  if (migrated.error !== undefined) throw migrated.error
  await loadFixture(ch.client)
  return { ch, close: async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) } }
}

/** A fresh app with the reports plugin on `ch`. */
export async function buildReportsApp (ch: ClickHouseHandle, options: Partial<ReportsPluginOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  app.setErrorHandler(problemErrorHandler)
  await app.register(reportsPlugin, { clickhouse: ch, operatorTokens: [TOKEN], referralPartners: () => ({ PARTNER1: 'Acme Partners' }), ...options })
  await app.ready()
  return app
}

/** Parses RFC 4180 CSV into rows of cells. */
export function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = '' } else if (c !== '\r') cell += c
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row) }
  return rows
}

/** CSV rows as objects keyed by the header. */
export function csvObjects (text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text)
  if (header === undefined) return []
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])))
}
