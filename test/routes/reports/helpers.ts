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
import { migrateClickHouse } from '../../../src/clickhouse/migrations.ts'
import { runUsageUpkeep } from '../../../src/clickhouse/usage-upkeep.ts'
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
  await createFrameworksPeriscope(ch.frameworksClient)
  await loadFixture(ch.frameworksClient)
  const migrated = await migrateClickHouse(ch)
  if (migrated.error !== undefined) throw migrated.error
  // The old row was fresh when the package copied it: no TTL merge until the upkeep has
  // copied FrameWorks' acquisition rows (and taken the usage snapshot); then FrameWorks' TTL
  // removes the old row from its own table before the reports run.
  await ch.frameworksClient.command({ query: 'SYSTEM STOP TTL MERGES tenant_acquisition_events' })
  await loadExpiringEvents(ch.frameworksClient)
  await runUsageUpkeep(ch)
  await ch.frameworksClient.command({ query: 'SYSTEM START TTL MERGES tenant_acquisition_events' })
  await ch.frameworksClient.command({ query: 'OPTIMIZE TABLE tenant_acquisition_events FINAL' })
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
