/**
 * CSV answers of the reports: the header line (the JSON field names, quoted as `CSVWithNames`
 * quotes them, written once, so an empty answer still has it), then the `CSV` bytes of each
 * query from `streamQuery` go to the socket untouched (no per-row JS, constant memory). The
 * first chunk is awaited before the headers go out, so a failing query still answers a proper
 * problem. A client that goes away aborts the query; on chDB exports queue
 * (`clickhouse/stream-gate.ts`).
 */
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ClickHouseHandle } from '../../clickhouse/client.ts'
import { acquireStream } from '../../clickhouse/stream-gate.ts'
import type { BuiltQuery } from './common.query.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../../shared/telemetry.ts'
import { csvDisposition } from './report-request.ts'

/** The CSV header line ClickHouse's `CSVWithNames` would write for these columns. */
const csvHeader = (columns: readonly string[]): Buffer => Buffer.from(`${columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')}\n`)

/** Line ends in a chunk of `CSV` output: one per row (values hold no line breaks: sanitized). */
function lineCount (chunk: Buffer): number {
  let n = 0
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++
  return n
}

/**
 * The CSV body: the header line, then the bytes of each query in turn (format `CSV`).
 * The first query's first chunk is awaited before this returns, so an error in the SQL
 * still answers a problem instead of a cut connection; later errors can only cut it.
 */
async function csvBody (ch: ClickHouseHandle, queries: readonly BuiltQuery[], signal: AbortSignal, onLines: (lines: number) => void): Promise<Readable> {
  const [head, ...tail] = queries
  if (head === undefined) throw new TypeError('no query')
  const open = (q: BuiltQuery): AsyncIterator<Buffer> =>
    (ch.streamQuery({ query: q.query, params: q.params, format: 'CSV', signal }) as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  const firstIt = open(head)
  const first = await firstIt.next()
  async function * chunks (): AsyncGenerator<Buffer> {
    let it: AsyncIterator<Buffer> | null = firstIt
    try {
      yield csvHeader(head?.columns ?? [])
      if (first.done !== true) { onLines(lineCount(first.value)); yield first.value }
      for (let n = await it.next(); n.done !== true; n = await it.next()) { onLines(lineCount(n.value)); yield n.value }
      it = null
      for (const q of tail) {
        it = open(q)
        for (let n = await it.next(); n.done !== true; n = await it.next()) { onLines(lineCount(n.value)); yield n.value }
        it = null
      }
    } finally {
      await it?.return?.()
    }
  }
  return Readable.from(chunks(), { objectMode: false })
}

/**
 * Answers a report as CSV: waits for a chDB stream slot, opens the body (a failing query
 * still answers a problem) and streams it; the client leaving aborts the query.
 */
export async function sendCsv (reply: FastifyReply, ch: ClickHouseHandle, report: string, range: { from: string, to: string }, queries: readonly BuiltQuery[], telemetry: AttributionTelemetry = NOOP_TELEMETRY): Promise<FastifyReply> {
  const controller = new AbortController()
  // The response closing before it finished means the client went away.
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort() })
  const release = await acquireStream(ch, controller.signal)
  let body: Readable
  try {
    let rows = 0
    body = await csvBody(ch, queries, controller.signal, (lines) => { rows += lines })
    body.once('close', () => { telemetry.csvRowsStreamed(`/${report}`, rows) })
  } catch (err) {
    release()
    throw err
  }
  body.once('close', release)
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', csvDisposition(report, range.from, range.to))
    .header('cache-control', 'no-store')
    .send(body)
}
