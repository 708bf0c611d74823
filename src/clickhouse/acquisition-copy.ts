/**
 * Copies acquisition rows that another writer put in a table (FrameWorks' Go ingest in
 * `tenant_acquisition_events`, or the package's old copy in FrameWorks' database) into
 * `attribution_signups`, one row per tenant not yet there.
 *
 * Why through Node and not `INSERT … SELECT`: a row FrameWorks' Go ingest wrote is a way in
 * like any other, and whatever the package keeps passes the one normalizer
 * (src/shared/normalize.ts) with the row's bounds: an e-mail or wallet address in a UTM
 * value, a token as a referral code, a query string in a URL never reach the package's
 * database or its reports. Acquisition rows are few (one per tenant), so the round trip is
 * cheap, and it is paged by tenant id.
 *
 * What is kept of each row: FrameWorks' proto columns, normalized; `event_data` only when the
 * package's own relay wrote it (`source` is `outbox` or `service_event`: already normalized
 * and capped by src/ingest/acquisition-row.ts). The Go ingest's own `event_data` is not ours to
 * keep (it may carry the signup's raw metadata): such rows get `{}`, so their client kind is
 * `unknown` and their channel group is derived from the fields, as for every row without one.
 * Of several rows of one tenant (replays, both writers) the earliest is copied, the relay's
 * first among equals, as `attribution_signups`' version would keep it.
 */
import { normalizeAttribution, protoTextFields, ROW_ATTRIBUTION_LIMITS } from '../shared/normalize.ts'
import { ACQUISITION_COLUMNS, type AcquisitionRow } from '../ingest/acquisition-row.ts'
import { SIGNUPS_TABLE } from '../ingest/acquisition-writer.ts'
import type { ClickHouseHandle } from './client.ts'

const OWN_SOURCES = new Set(['outbox', 'service_event'])

/** A source row as read (aliases that do not shadow the columns the query filters on). */
type SourceRow = Omit<AcquisitionRow, 'timestamp' | 'tenant_id' | 'user_id' | 'event_id'> & { tenant: string, ts: number, user: string | null }

/** `event_data` as kept: the relay's own, or nothing. */
function keptEventData (text: string): string {
  try {
    const data = JSON.parse(text) as { source?: unknown } | null
    return data !== null && typeof data === 'object' && OWN_SOURCES.has(String(data.source)) ? text : '{}'
  } catch {
    return '{}'
  }
}

/** The row as the package keeps it (see the module comment). */
function keptAcquisitionRow (row: SourceRow): Omit<AcquisitionRow, 'event_id'> {
  // The proto columns carry the proto's names; nothing else of the row is an attribution field.
  const a = normalizeAttribution({ ...row, is_agent: Number(row.is_agent) === 1 }, ROW_ATTRIBUTION_LIMITS)
  return {
    timestamp: Number(row.ts),
    tenant_id: row.tenant,
    user_id: row.user,
    ...protoTextFields(a),
    is_agent: a.is_agent ? 1 : 0,
    event_data: keptEventData(row.event_data)
  }
}

/** Options of `copyAcquisitionRows`. */
export interface CopyOptions {
  /** Tenants never copied (erased ones). */
  exclude?: readonly string[]
  /** Tenants read per round trip (default 5,000). */
  pageSize?: number
}

/**
 * Copies, normalized, the earliest row of every tenant of `source` (a qualified table with
 * FrameWorks' acquisition columns) that `attribution_signups` lacks. Answers the rows copied.
 */
export async function copyAcquisitionRows (ch: ClickHouseHandle, source: string, options: CopyOptions = {}): Promise<number> {
  const pageSize = options.pageSize ?? 5_000
  const exclude = [...(options.exclude ?? [])]
  let after = '00000000-0000-0000-0000-000000000000'
  let first = true
  let copied = 0
  for (;;) {
    const res = await ch.client.query({
      query: `SELECT toString(tenant_id) AS tenant, toUnixTimestamp(timestamp) AS ts, toString(user_id) AS user,
    signup_channel, signup_method, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    http_referer, landing_page, referral_code, is_agent, event_data
FROM ${source}
WHERE (tenant_id > {after:UUID} OR {first:Bool}) AND tenant_id NOT IN {exclude:Array(UUID)}
    AND tenant_id NOT IN (SELECT tenant_id FROM ${SIGNUPS_TABLE})
ORDER BY tenant_id, timestamp, JSONExtractString(event_data, 'source') IN ('outbox', 'service_event') DESC
LIMIT 1 BY tenant_id
LIMIT {n:UInt32}
SETTINGS output_format_json_quote_64bit_integers = 0`,
      query_params: { after, first, exclude, n: pageSize },
      format: 'JSONEachRow'
    })
    const rows = await res.json<SourceRow>()
    if (rows.length === 0) return copied
    let body = ''
    for (const row of rows) {
      const kept = keptAcquisitionRow(row)
      body += JSON.stringify(ACQUISITION_COLUMNS.map((c) => kept[c])) + '\n'
    }
    await ch.client.command({
      query: `INSERT INTO ${SIGNUPS_TABLE} (${ACQUISITION_COLUMNS.join(', ')}) SETTINGS insert_deduplicate = 0, async_insert = 0 FORMAT JSONCompactEachRow\n${body}`
    })
    copied += rows.length
    after = rows[rows.length - 1]!.tenant
    first = false
    if (rows.length < pageSize) return copied
  }
}
