/**
 * The one place that builds a ClickHouse client.
 *
 * Two databases on one engine: FrameWorks' (`database`, `periscope` in FrameWorks), where the
 * package only reads FrameWorks' views and appends acquisition rows, and the package's own
 * (`attributionDatabase`, default `attribution`), which holds every object the package
 * creates. `client` runs in ours, so the reports and the generated views name our objects
 * unqualified; code that reads or writes FrameWorks' objects qualifies them with
 * `database`, or uses `frameworksClient`, whose current database is FrameWorks'.
 *
 * `url` → `@clickhouse/client` over HTTP (keep-alive TTL below the server's keep-alive
 * timeout, response compression on, explicit request timeout). Otherwise chDB, a real
 * ClickHouse engine in-process, plugged into the same client through `chdb/connection`
 * and imported lazily so a production gateway never loads it.
 *
 * Caveats (shared engine notes): through `chdb/connection` every result is buffered whole,
 * and `clickhouse_settings` leak into chDB's shared session as `SET`s. So large reads go
 * through `streamQuery`, which on chDB uses `Session.queryStreamBind` (constant memory) and
 * on a server the HTTP response stream; settings that must not stick go inline in SQL.
 */
import { Readable } from 'node:stream'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Session as ChdbSession } from 'chdb'
import { ERR_INVALID_OPTION, importOptional } from '../errors.ts'

/** Where `openClickHouse` connects: a server URL, or an embedded chDB directory, and the database. */
export interface ClickHouseOptions {
  /** `http(s)://user:pass@host:8123`: a ClickHouse server. */
  url?: string
  /** chDB data directory when no `url` (omitted → a temporary directory, removed on close). */
  dataDir?: string
  /**
   * FrameWorks' database (`periscope` in FrameWorks): its rollup views and
   * `tenant_acquisition_events`. On a server it must exist (default `default`). On chDB it is
   * created when missing (default `periscope`; chDB's own `default` database is an Overlay,
   * refused).
   */
  database?: string
  /**
   * The package's own database (default `attribution`), distinct from `database`. On chDB it
   * is created when missing; on a server `migrateClickHouse` creates it when missing.
   */
  attributionDatabase?: string
  /** Per-request timeout on a server (default 60 s; a CSV export can run longer via streamQuery's own signal). */
  requestTimeoutMs?: number
}

export interface StreamQueryParams {
  query: string
  /** Bound `{name:Type}` parameters: values never enter the SQL text. */
  params?: Record<string, unknown>
  /** Output format, e.g. `CSVWithNames`, `JSONEachRow`. */
  format: string
  /** Aborting cancels the query (client went away). */
  signal?: AbortSignal
}

/** An open ClickHouse: the clients, which engine it is, its databases, streaming reads, and close. */
export interface ClickHouseHandle {
  /** Runs in the package's database (`attributionDatabase`). */
  client: ClickHouseClient
  /** Runs in FrameWorks' database (`database`): FrameWorks' own DDL and test data. */
  frameworksClient: ClickHouseClient
  engine: 'chdb' | 'server'
  /** FrameWorks' database. */
  database: string
  /** The package's database. */
  attributionDatabase: string
  /**
   * Streams a query's bytes in `format` in constant memory on both engines. With a
   * `…WithNames` format the header appears once, however many blocks the engine sends.
   */
  streamQuery: (params: StreamQueryParams) => Readable
  close: () => Promise<void>
}

/** The database on a server when none is named. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'default'
/** The database on the embedded engine when none is named (FrameWorks' name). */
export const DEFAULT_EMBEDDED_DATABASE = 'periscope'
/** The package's own database when none is named. */
export const DEFAULT_ATTRIBUTION_DATABASE = 'attribution'
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
/** Below the self-hosted server's 10 s keep-alive timeout and Cloud's 3 s. */
export const DEFAULT_IDLE_SOCKET_TTL_MS = 2_000

/** A database name the package accepts (it is spliced into SQL: `USE`, `CREATE DATABASE`, qualified names). */
export const CLICKHOUSE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** Opens the ClickHouse side. */
export async function openClickHouse (options: ClickHouseOptions = {}): Promise<ClickHouseHandle> {
  const database = options.database ?? (options.url !== undefined ? DEFAULT_CLICKHOUSE_DATABASE : DEFAULT_EMBEDDED_DATABASE)
  if (!CLICKHOUSE_IDENTIFIER.test(database)) throw new ERR_INVALID_OPTION('database', 'must be a ClickHouse identifier')
  if (options.url === undefined && database === DEFAULT_CLICKHOUSE_DATABASE) {
    throw new ERR_INVALID_OPTION('database', `chDB's "default" database is an Overlay: name another (default "${DEFAULT_EMBEDDED_DATABASE}")`)
  }
  const attributionDatabase = options.attributionDatabase ?? DEFAULT_ATTRIBUTION_DATABASE
  if (!CLICKHOUSE_IDENTIFIER.test(attributionDatabase)) throw new ERR_INVALID_OPTION('attributionDatabase', 'must be a ClickHouse identifier')
  if (attributionDatabase === database || attributionDatabase === DEFAULT_CLICKHOUSE_DATABASE) {
    throw new ERR_INVALID_OPTION('attributionDatabase', `must be a database of the package's own, not "${attributionDatabase}"`)
  }

  if (options.url !== undefined) {
    let parsed: URL
    try { parsed = new URL(options.url) } catch { throw new ERR_INVALID_OPTION('CLICKHOUSE_URL', 'must be an http(s) URL') }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ERR_INVALID_OPTION('CLICKHOUSE_URL', 'must be an http(s) URL')
    const url = options.url
    const open = (db: string): ClickHouseClient => createClient({
      url,
      database: db,
      request_timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      compression: { response: true, request: false },
      keep_alive: { enabled: true, idle_socket_ttl: DEFAULT_IDLE_SOCKET_TTL_MS },
      clickhouse_settings: { date_time_input_format: 'best_effort' }
    })
    const client = open(attributionDatabase)
    const frameworksClient = open(database)
    return {
      client,
      frameworksClient,
      engine: 'server',
      database,
      attributionDatabase,
      streamQuery: (p) => serverStream(client, p),
      close: async () => { await Promise.all([client.close(), frameworksClient.close()]) }
    }
  }

  const [{ createChdbConnection }, { Session }] = await importOptional(() => Promise.all([import('chdb/connection'), import('chdb')]), 'chDB', 'chdb', 'url')
  // chDB allows one data directory per process, and the connection and the streaming
  // session must share it: without a dataDir, one temporary directory serves both.
  const temporary = options.dataDir === undefined
  const path = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fw-chdb-'))
  mkdirSync(path, { recursive: true })
  const connect = (): ClickHouseClient => createClient({ connection: createChdbConnection({ path }) } as unknown as Parameters<typeof createClient>[0])
  const client = connect()
  const frameworksClient = connect()
  // Same engine, same path: the Session is only for streaming reads with bound parameters.
  const session = new Session(path)
  // chDB has no per-request database: `USE` is per session (each connection holds one), so
  // every session switches once, ours to ours and FrameWorks' to FrameWorks'.
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database} ENGINE = Atomic` })
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${attributionDatabase} ENGINE = Atomic` })
  await client.command({ query: `USE ${attributionDatabase}` })
  await frameworksClient.command({ query: `USE ${database}` })
  session.query(`USE ${attributionDatabase}`)
  let active: Readable | null = null
  return {
    client,
    frameworksClient,
    engine: 'chdb',
    database,
    attributionDatabase,
    streamQuery: (p) => {
      const stream = chdbStream(session, p)
      active = stream
      stream.once('close', () => { if (active === stream) active = null })
      return stream
    },
    close: async () => {
      // Closing a session while a query runs has crashed the engine: drain first.
      if (active !== null && !active.destroyed) {
        await new Promise<void>((resolve) => { active?.once('close', () => resolve()); active?.destroy() })
      }
      await client.close()
      await frameworksClient.close()
      session.close()
      if (temporary) rmSync(path, { recursive: true, force: true })
    }
  }
}

/** chDB: chunked native stream; later blocks' repeated header line is dropped. */
function chdbStream (session: ChdbSession, p: StreamQueryParams): Readable {
  const withNames = /WithNames/i.test(p.format)
  const source = session.queryStreamBind(p.query, p.params ?? {}, { format: p.format, ...(p.signal !== undefined ? { signal: p.signal } : {}) })
  let header: Buffer | null = null
  async function * chunks (): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        // A view of the chunk's own memory, not a copy: an export passes gigabytes through here.
        const raw = chunk.raw()
        let bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
        if (withNames) {
          const nl = bytes.indexOf(0x0a)
          if (header === null) {
            header = bytes.subarray(0, nl + 1)
          } else if (nl >= 0 && bytes.subarray(0, nl + 1).equals(header)) {
            bytes = bytes.subarray(nl + 1)
          }
        }
        if (bytes.length > 0) yield bytes
      }
    } finally {
      if (!source.closed) source.cancel()
    }
  }
  return Readable.from(chunks(), { objectMode: false })
}

/** Server: the HTTP response stream itself (the client never buffers `exec`). */
function serverStream (client: ClickHouseClient, p: StreamQueryParams): Readable {
  const out = new Readable({ read () {} })
  const controller = new AbortController()
  const onAbort = (): void => controller.abort()
  p.signal?.addEventListener('abort', onAbort, { once: true })
  // Registered before the query starts: a consumer that leaves early still cancels it.
  out.once('close', () => { p.signal?.removeEventListener('abort', onAbort); controller.abort() })
  client.exec({
    query: `${p.query}\nFORMAT ${p.format}`,
    query_params: p.params ?? {},
    abort_signal: controller.signal
  }).then((result) => {
    const body = result.stream
    // Left before the answer came: an unread response would hold its keep-alive socket.
    if (out.destroyed) { body.destroy(); return }
    out._read = () => { body.resume() }
    body.on('data', (chunk: Buffer) => { if (!out.push(chunk)) body.pause() })
    body.once('end', () => out.push(null))
    body.once('error', (err) => out.destroy(err))
    out.once('close', () => { if (!body.destroyed) body.destroy() })
  }, (err: unknown) => out.destroy(err as Error))
  return out
}

/**
 * The rows of a query with bound parameters, as JSON objects; 64-bit integers come as
 * numbers (every figure the reports answer fits a double).
 */
export async function jsonRows<T = Record<string, unknown>> (ch: ClickHouseHandle, q: { query: string, params: Record<string, unknown> }): Promise<T[]> {
  const rs = await ch.client.query({
    query: `${q.query}\nSETTINGS output_format_json_quote_64bit_integers = 0`,
    query_params: q.params,
    format: 'JSONEachRow'
  })
  return rs.json<T>()
}

/** Whether the error means ClickHouse itself could not be reached (vs a query error). */
export function isUnreachable (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE' ||
    code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'UND_ERR_SOCKET' ||
    /timeout|socket hang up/i.test(String((err as Error | undefined)?.message ?? ''))
}
