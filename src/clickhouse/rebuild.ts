/**
 * Rebuilds the package's ClickHouse database from what FrameWorks keeps, so that nothing
 * the package stores in ClickHouse is ever the only copy: after a FrameWorks host migration
 * that left it behind, a lost database, or to move off the package's old objects in
 * FrameWorks' database.
 *
 * Sources, in order of precedence per tenant (a tenant is taken from the first that has it):
 * 1. FrameWorks' `tenant_acquisition_events`: the very rows the relay and FrameWorks' Go
 *    ingest wrote (within FrameWorks' 730-day TTL), copied through the one normalizer as the
 *    hourly upkeep copies them (src/clickhouse/acquisition-copy.ts).
 * 2. The package's previous copy in FrameWorks' database (`<periscope>.attribution_signups`
 *    of releases before the database of our own), when it is still there.
 * 3. Quartermaster's `tenant_attribution` (Postgres), which keeps every tenant for good with
 *    the derived fields (channel group, client kind, first touch, referral outcome): the
 *    row is rebuilt exactly as the relay builds it from the signup's event.
 * Tenants with an erasure on record (`attribution_erasures`, `attribution_erasure_jobs`)
 * are never written back, whichever source still holds them.
 *
 * Then the usage snapshot is rebuilt by a full upkeep pass (one month at a time). The
 * rebuild empties `attribution_signups` first: reports read fewer attributed tenants until
 * the copy ends (seconds at 100,000 tenants); the usage months are replaced one by one.
 */
import type { Kysely } from 'kysely'
import { jsonRows, type ClickHouseHandle } from './client.ts'
import { copyAcquisitionRows } from './acquisition-copy.ts'
import { migrateClickHouse } from './migrations.ts'
import { runUsageUpkeep, SIGNUPS_TABLE, type UsageUpkeepResult } from './usage-upkeep.ts'
import type { Database } from '../store/database.ts'
import { tenantCreatedEventId } from '../store/outbox.repository.ts'
import { ACQUISITION_COLUMNS, toAcquisitionRow } from '../ingest/acquisition-row.ts'
import type { MigrateResult } from '../migration-result.ts'
import { protoTextFields } from '../shared/normalize.ts'
import type { SignupAttribution, TenantCreatedEvent } from '../contracts.ts'

/**
 * What the previous releases created in FrameWorks' database, by exact name, in the order
 * they can be dropped (views that read a table before the table).
 */
export const LEGACY_OBJECTS = [
  { kind: 'VIEW', name: 'attribution_usage_daily_mv' },
  { kind: 'VIEW', name: 'attribution_signups_mv' },
  { kind: 'VIEW', name: 'attribution_bi_cohort_usage_daily' },
  { kind: 'VIEW', name: 'attribution_bi_network_usage_daily' },
  { kind: 'VIEW', name: 'attribution_bi_usage_daily' },
  { kind: 'VIEW', name: 'attribution_bi_acquisition_daily' },
  { kind: 'VIEW', name: 'attribution_bi_tenant_cohorts' },
  { kind: 'VIEW', name: 'attribution_acquisitions' },
  { kind: 'TABLE', name: 'attribution_usage_daily' },
  { kind: 'TABLE', name: 'attribution_signups' },
  { kind: 'TABLE', name: 'attribution_migrations' }
] as const

/** Options of `rebuildAttribution`. */
export interface RebuildOptions {
  clickhouse: ClickHouseHandle
  /** Quartermaster's Postgres (the package's tables: `tenant_attribution`, the erasure records). */
  db: Kysely<Database>
  /**
   * Afterwards, drop the package's old objects from FrameWorks' database (`LEGACY_OBJECTS`,
   * by exact name; nothing else there is touched). Default false.
   */
  dropLegacy?: boolean
  /** Rows per Postgres page and per ClickHouse insert (default 5,000). */
  batchSize?: number
}

/** What a rebuild wrote. */
export interface RebuildResult {
  migrate: MigrateResult
  /** Tenants copied from FrameWorks' acquisition table. */
  fromFrameworks: number
  /** Tenants copied from the package's old copy in FrameWorks' database. */
  fromLegacy: number
  /** Tenants rebuilt from Quartermaster's `tenant_attribution`. */
  fromQuartermaster: number
  /** Tenants left out because an erasure is on record. */
  erased: number
  /** The full usage build. */
  usage: UsageUpkeepResult
  /** The old objects dropped from FrameWorks' database. */
  legacyDropped: string[]
  durationMs: number
}

const COLUMNS = ACQUISITION_COLUMNS.join(', ')

async function count (ch: ClickHouseHandle, query: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await jsonRows<{ n: number }>(ch, { query, params })
  return Number(row?.n ?? 0)
}

/** The signup event a `tenant_attribution` row stands for (as `recordSignup` built it). */
function eventOf (row: Record<string, unknown>): TenantCreatedEvent {
  const tenantId = String(row.tenant_id).toLowerCase()
  const iso = (v: unknown): string | null => v === null || v === undefined ? null : new Date(v as string | Date).toISOString()
  const attribution = {
    // The proto's text columns keep the proto's names in Quartermaster.
    ...protoTextFields(row as unknown as SignupAttribution),
    is_agent: row.is_agent === true,
    metadata_json: JSON.stringify(row.metadata ?? {}),
    channel_group: row.channel_group,
    client_kind: row.client_kind,
    first_touch_at: iso(row.first_touch_at),
    last_touch: row.last_touch ?? null
  } as unknown as SignupAttribution
  return {
    event_id: tenantCreatedEventId(tenantId),
    event_type: 'tenant_created',
    timestamp: iso(row.created_at) as string,
    tenant_id: tenantId,
    user_id: row.user_id === null || row.user_id === undefined ? null : String(row.user_id).toLowerCase(),
    attribution,
    referral_status: (row.referral_status ?? null) as TenantCreatedEvent['referral_status']
  }
}

/**
 * Rebuilds the package's database: migrations (creating it when missing), the acquisition
 * copy from FrameWorks' table, the old copy and Quartermaster (erased tenants left out),
 * then a full usage build. Safe to rerun; throws what ClickHouse or Postgres throw.
 */
export async function rebuildAttribution (options: RebuildOptions): Promise<RebuildResult> {
  const t0 = Date.now()
  const ch = options.clickhouse
  const batchSize = options.batchSize ?? 5_000
  const migrate = await migrateClickHouse(ch)
  if (migrate.error !== undefined) throw migrate.error

  const erasedRows = await options.db.selectFrom('attribution_erasures').select('tenant_id')
    .union(options.db.selectFrom('attribution_erasure_jobs').select('tenant_id')).execute()
  const erased = [...new Set(erasedRows.map((r) => String(r.tenant_id).toLowerCase()))]

  await ch.client.command({ query: `TRUNCATE TABLE ${SIGNUPS_TABLE}` })
  // Through the one normalizer, as the hourly upkeep copies the Go ingest's rows.
  const copyFrom = (table: string): Promise<number> => copyAcquisitionRows(ch, table, { exclude: erased })
  const fromFrameworks = await copyFrom(`${ch.database}.tenant_acquisition_events`)
  const legacy = await count(ch, "SELECT count() AS n FROM system.tables WHERE database = {d:String} AND name = 'attribution_signups' AND engine LIKE '%MergeTree'", { d: ch.database })
  const fromLegacy = legacy > 0 ? await copyFrom(`${ch.database}.attribution_signups`) : 0

  // Quartermaster: every tenant the package recorded, paged by key; those already copied skipped.
  const present = new Set((await (await ch.client.query({ query: `SELECT DISTINCT toString(tenant_id) AS t FROM ${SIGNUPS_TABLE}`, format: 'JSONEachRow' }))
    .json<{ t: string }>()).map((r) => r.t))
  const skip = new Set(erased)
  let fromQuartermaster = 0
  let after: string | null = null
  for (;;) {
    let q = options.db.selectFrom('tenant_attribution').selectAll().orderBy('tenant_id').limit(batchSize)
    if (after !== null) q = q.where('tenant_id', '>', after)
    const page = await q.execute()
    if (page.length === 0) break
    after = String(page[page.length - 1]?.tenant_id)
    let body = ''
    for (const row of page) {
      const id = String(row.tenant_id).toLowerCase()
      if (present.has(id) || skip.has(id)) continue
      const r = toAcquisitionRow(eventOf(row as unknown as Record<string, unknown>))
      body += JSON.stringify(ACQUISITION_COLUMNS.map((c) => r[c])) + '\n'
      fromQuartermaster++
    }
    if (body !== '') {
      await ch.client.command({ query: `INSERT INTO ${SIGNUPS_TABLE} (${COLUMNS}) SETTINGS insert_deduplicate = 0, async_insert = 0 FORMAT JSONCompactEachRow\n${body}` })
    }
  }

  const usage = await runUsageUpkeep(ch, { full: true, copySignups: false })

  const legacyDropped: string[] = []
  if (options.dropLegacy === true) {
    for (const { kind, name } of LEGACY_OBJECTS) {
      const exists = await count(ch, 'SELECT count() AS n FROM system.tables WHERE database = {d:String} AND name = {n:String}', { d: ch.database, n: name })
      if (exists === 0) continue
      await ch.frameworksClient.command({ query: `DROP ${kind} IF EXISTS ${ch.database}.${name}` })
      legacyDropped.push(name)
    }
  }
  return { migrate, fromFrameworks, fromLegacy, fromQuartermaster, erased: erased.length, usage, legacyDropped, durationMs: Date.now() - t0 }
}
