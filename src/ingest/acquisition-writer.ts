/**
 * Writes rows to FrameWorks' `tenant_acquisition_events` with a deterministic deduplication
 * token, and the same rows to the package's own `attribution_signups` (in the package's
 * database): nothing of ours hangs on FrameWorks' table, so the relay writes both rows.
 *
 * Why the token is inline: through `chdb/connection`, `clickhouse_settings` become `SET`s on
 * chDB's shared session, and a leaked `insert_deduplication_token` silently drops every
 * later insert (shared engine notes). A `SETTINGS` clause inside the INSERT applies to that
 * statement only, on chDB and on a server alike. The token is a SHA-256 of the batch's sorted
 * event ids (hex, so inlining it is safe): in FrameWorks' Replicated table a retry of the
 * same batch is dropped by the engine. FrameWorks' table is append-only and the package
 * adds no setting to it, so on a plain MergeTree (the embedded engine) a retry lands twice;
 * either way every copy of a tenant's event collapses in `attribution_signups`, which the
 * reports read, so a tenant counts once.
 *
 * `async_insert = 0` is inline too: no async-insert buffer (different dedup rules, early
 * acknowledgement), so a failure is seen and retried.
 */
import { createHash } from 'node:crypto'
import { isUnreachable, type ClickHouseHandle } from '../clickhouse/client.ts'
import { ERR_INVALID_OPTION } from '../errors.ts'
import { ACQUISITION_COLUMNS, type AcquisitionRow } from './acquisition-row.ts'

export const DEFAULT_ACQUISITION_TABLE = 'tenant_acquisition_events'
/** The package's copy of the acquisition rows (sql/clickhouse/attribution/001), in its own database. */
export const SIGNUPS_TABLE = 'attribution_signups'

/** FrameWorks' acquisition table: `table` as given, else the default in FrameWorks' database. */
export function acquisitionTableOf (ch: ClickHouseHandle, table?: string): string {
  return checkAcquisitionTable(table ?? `${ch.database}.${DEFAULT_ACQUISITION_TABLE}`)
}

/** Synchronous inserts: no async-insert buffer, so a failure is seen and retried. */
const COMMON_SETTINGS = 'async_insert = 0'

const COLUMN_LIST = ACQUISITION_COLUMNS.join(', ')

const TABLE = /^(?:[A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** The table name, or an `ERR_INVALID_OPTION` when it is not a (`db.`)`table` identifier. */
export function checkAcquisitionTable (table: string): string {
  if (typeof table !== 'string' || !TABLE.test(table)) throw new ERR_INVALID_OPTION('table', 'must be a ClickHouse identifier')
  return table
}

/**
 * ClickHouse error codes that say nothing about the rows: overload, timeouts, missing schema,
 * permissions, replication trouble. Such a failure is retried for the whole batch and never
 * counts against an event. Every other `ClickHouseError` is taken as a rejection of the data.
 */
const TRANSIENT_CODES = new Set([
  16, // NO_SUCH_COLUMN_IN_TABLE (migrations not applied)
  60, // UNKNOWN_TABLE
  81, // UNKNOWN_DATABASE
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  164, // READONLY
  201, // QUOTA_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  497, // ACCESS_DENIED
  516, // AUTHENTICATION_FAILED
  999 // KEEPER_EXCEPTION
])

/** The deduplication token of a set of events: order-independent, deterministic. */
export function dedupToken (eventIds: readonly string[]): string {
  const hash = createHash('sha256')
  for (const id of [...eventIds].map((i) => i.toLowerCase()).sort()) hash.update(id).update('\n')
  return `fw-acq-${hash.digest('hex')}`
}

/**
 * True when an insert failure is not the rows' fault (ClickHouse unreachable, overloaded,
 * schema missing, an error we cannot classify): retry later, do not blame the events.
 */
export function isTransientInsertError (err: unknown): boolean {
  if (isUnreachable(err)) return true
  const code = clickHouseErrorCode(err)
  return code === null || TRANSIENT_CODES.has(code)
}

/**
 * The numeric code of a `ClickHouseError`, or null. Duck-typed: `chdb/connection` loads
 * `@clickhouse/client-common` through `require`, our code through `import`, so the two
 * `ClickHouseError` classes differ and `instanceof` fails across them.
 */
export function clickHouseErrorCode (err: unknown): number | null {
  const e = err as { code?: unknown, type?: unknown } | null
  if (!(err instanceof Error) || typeof e?.type !== 'string' || typeof e.code !== 'string' || !/^\d+$/.test(e.code)) return null
  return Number(e.code)
}

export interface InsertOptions {
  /** FrameWorks' table (default `tenant_acquisition_events` in FrameWorks' database). */
  table?: string
  /** Deduplication token; default `dedupToken(rows' event ids)`. `null` inserts without one. */
  token?: string | null
}

/**
 * Inserts rows into FrameWorks' table in one statement (one block) with an inline
 * deduplication token, then the same rows into `attribution_signups`, where every copy of a
 * tenant collapses. A failure between the two is retried whole; a row missing in ours is
 * also copied by the usage upkeep.
 */
export async function insertAcquisitionRows (ch: ClickHouseHandle, rows: readonly AcquisitionRow[], options: InsertOptions = {}): Promise<void> {
  if (rows.length === 0) return
  const table = acquisitionTableOf(ch, options.table)
  const token = options.token === undefined ? dedupToken(rows.map((r) => r.event_id)) : options.token
  if (token !== null && !/^[A-Za-z0-9_-]{1,128}$/.test(token)) throw new ERR_INVALID_OPTION('token', 'must be 1–128 characters of [A-Za-z0-9_-]')
  const settings = token === null
    ? `SETTINGS ${COMMON_SETTINGS}`
    : `SETTINGS insert_deduplicate = 1, insert_deduplication_token = '${token}', ${COMMON_SETTINGS}`
  // JSONCompactEachRow (one array per row, in ACQUISITION_COLUMNS order): half the bytes and
  // about half the parse time of JSONEachRow, measured on chDB.
  let body = ''
  for (const row of rows) {
    const values: unknown[] = []
    for (const column of ACQUISITION_COLUMNS) values.push(row[column])
    body += JSON.stringify(values) + '\n'
  }
  await ch.client.command({
    query: `INSERT INTO ${table} (${COLUMN_LIST}) ${settings} FORMAT JSONCompactEachRow\n${body}`
  })
  await ch.client.command({
    query: `INSERT INTO ${SIGNUPS_TABLE} (${COLUMN_LIST}) SETTINGS insert_deduplicate = 0, ${COMMON_SETTINGS} FORMAT JSONCompactEachRow\n${body}`
  })
}
