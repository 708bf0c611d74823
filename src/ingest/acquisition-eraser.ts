/**
 * Deletes tenants' acquisition rows from ClickHouse: FrameWorks' `tenant_acquisition_events`
 * and the package's `attribution_signups` (which the reports read through
 * `attribution_acquisitions`). The usage tables are never touched: an erased tenant's usage
 * stays in every report, in the `unattributed` bucket.
 *
 * One statement per table, suited to each:
 * - FrameWorks' table (a plain append-only `(Replicated)MergeTree` that FrameWorks' Go ingest
 *   also writes): a lightweight `DELETE`. It masks the rows for every reader at once, the
 *   package's and FrameWorks' own, without rewriting FrameWorks' parts; the rows leave the
 *   disk at the part's next merge, or with FrameWorks' 730-day TTL. FrameWorks' table has
 *   no projection; where a deployment added one, ClickHouse refuses a lightweight delete
 *   (SUPPORT_IS_DISABLED, since the package never changes the table's
 *   `lightweight_mutation_projection_mode`), and the delete falls back to a mutation.
 * - `attribution_signups` (the package's `ReplacingMergeTree`, `ORDER BY tenant_id`, no TTL):
 *   an `ALTER TABLE … DELETE` mutation. It rewrites only the parts holding the tenants and
 *   removes the rows from disk when it completes, instead of leaving them, masked, in a table
 *   that keeps rows for good.
 *
 * FrameWorks' table goes first: the usage upkeep copies into ours the rows of tenants we
 * have no row of, so once FrameWorks' rows are gone nothing brings the tenant back.
 * Both statements wait for every replica (`lightweight_deletes_sync` / `mutations_sync` = 2,
 * inline so no setting sticks to chDB's shared session) and are plain statements in a
 * `Replicated` database (no `ON CLUSTER`). A table is only deleted from when it holds one of
 * the tenants, so a second pass over a clean table creates no mutation.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { ClickHouseHandle } from '../clickhouse/client.ts'
import { acquisitionTableOf, clickHouseErrorCode, SIGNUPS_TABLE } from './acquisition-writer.ts'

export { SIGNUPS_TABLE }

/** SUPPORT_IS_DISABLED: a lightweight delete on a table with projections. */
const SUPPORT_IS_DISABLED = 344

export interface EraseOptions {
  /** FrameWorks' acquisition table (default `tenant_acquisition_events` in FrameWorks' database), as the relay's `table`. */
  table?: string
}

/** What a pass found: rows of how many of the tenants, per table. */
export interface EraseOutcome {
  acquisitionTenants: number
  signupTenants: number
}

/** Which of the tenants have rows in `table`. */
async function presentTenants (client: ClickHouseClient, table: string, tenantIds: readonly string[]): Promise<string[]> {
  const res = await client.query({
    // No alias named `tenant_id`: ClickHouse would read the alias in WHERE, not the column.
    query: `SELECT DISTINCT tenant_id FROM ${table} WHERE tenant_id IN {ids:Array(UUID)}`,
    query_params: { ids: tenantIds },
    format: 'JSONEachRow'
  })
  return (await res.json<{ tenant_id: string }>()).map((r) => r.tenant_id)
}

const mutationDelete = (table: string): string =>
  `ALTER TABLE ${table} DELETE WHERE tenant_id IN {ids:Array(UUID)} SETTINGS mutations_sync = 2`

/**
 * Deletes every acquisition row of the tenants from both tables; resolves once the rows are
 * gone for readers on every replica. Throws what ClickHouse throws (the caller retries: every
 * step is idempotent).
 */
export async function eraseAcquisitionRows (ch: ClickHouseHandle, tenantIds: readonly string[], options: EraseOptions = {}): Promise<EraseOutcome> {
  const table = acquisitionTableOf(ch, options.table)
  const client = ch.client
  if (tenantIds.length === 0) return { acquisitionTenants: 0, signupTenants: 0 }
  const acquisition = await presentTenants(client, table, tenantIds)
  if (acquisition.length > 0) {
    try {
      await client.command({
        query: `DELETE FROM ${table} WHERE tenant_id IN {ids:Array(UUID)} SETTINGS lightweight_deletes_sync = 2`,
        query_params: { ids: acquisition }
      })
    } catch (err) {
      if (clickHouseErrorCode(err) !== SUPPORT_IS_DISABLED) throw err
      await client.command({ query: mutationDelete(table), query_params: { ids: acquisition } })
    }
  }
  const signups = await presentTenants(client, SIGNUPS_TABLE, tenantIds)
  if (signups.length > 0) await client.command({ query: mutationDelete(SIGNUPS_TABLE), query_params: { ids: signups } })
  return { acquisitionTenants: acquisition.length, signupTenants: signups.length }
}
