/**
 * Test helpers for the reports: one chDB engine (or `CLICKHOUSE_URL`) per test file holding a
 * `periscope` database as FrameWorks has it, loaded with the fixture before the package's
 * migrations run (as on a FrameWorks deployment that adopts the package), an app with the
 * reports plugin, and a small CSV parser (RFC 4180) so the tests read CSV the way a
 * spreadsheet would.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { openClickHouse, type ClickHouseHandle } from '../../../src/clickhouse/client.ts'
import { migrateClickHouse, refreshUsage } from '../../../src/clickhouse/migrations.ts'
import { problemErrorHandler } from '../../../src/errors.ts'
import reportsPlugin, { type ReportsPluginOptions } from '../../../src/routes/reports/index.ts'
import { createFrameworksPeriscope } from '../../helpers/frameworks-periscope.ts'
import { loadExpiringEvents, loadFixture } from './fixture.ts'

export const TOKEN = 'operator-token-for-tests'
export const AUTH = { authorization: `Bearer ${TOKEN}` }

/**
 * Opens the engine on a `periscope` database, creates FrameWorks' tables and loads the
 * fixture into them, then applies the package's migrations and takes the usage snapshot.
 */
export async function openFixtureEngine (): Promise<{ ch: ClickHouseHandle, close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-reports-'))
  const ch = await openClickHouse(process.env.CLICKHOUSE_URL !== undefined && process.env.CLICKHOUSE_URL !== ''
    ? { url: process.env.CLICKHOUSE_URL, database: 'periscope' }
    : { dataDir: dir, database: 'periscope' })
  await createFrameworksPeriscope(ch.client)
  await loadFixture(ch.client)
  const migrated = await migrateClickHouse(ch)
  if (migrated.error !== undefined) throw migrated.error
  await loadExpiringEvents(ch.client)
  // FrameWorks' TTL has removed the old row from its own table by the time reports run.
  await ch.client.command({ query: 'OPTIMIZE TABLE tenant_acquisition_events FINAL' })
  await refreshUsage(ch.client)
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
