/**
 * `npm run bench:relay`: end-to-end outbox → ClickHouse throughput and delivery lag of the
 * relay, on the embedded engines (PGlite + chDB) and, when `DATABASE_URL` is set, on the real
 * Postgres (+ chDB), in one run.
 *
 * - Throughput: a backlog of BENCH_EVENTS outbox rows is drained by one relay
 *   (`runUntilIdle`, default batch size): claim → map → insert with token → acknowledge.
 *   Baseline measured in the same run: the same rows inserted straight into ClickHouse in the
 *   same batch size (no Postgres), so the ratio shows what the outbox round trips cost.
 * - Lag: a producer appends 1,000 events/s (10 every 10 ms) for BENCH_LAG_SECONDS while the
 *   relay runs its normal loop; lag = delivered_at − created_at per event, both from the
 *   database clock. Printed: p50, p99, max.
 * Rounds alternate baseline and relay; figures are medians. The CPU time this process spent
 * per relayed event is printed too: on a loaded machine it says more than wall-clock rates
 * (with PGlite it covers Postgres and chDB work as well; chDB runs on worker threads of this
 * process). Targets: ≥ 20,000 events/s, lag p99 < 2 s at 1,000 events/s.
 *
 * Options (env): BENCH_EVENTS (default 30000), BENCH_ROUNDS (default 3),
 * BENCH_LAG_SECONDS (default 5), DATABASE_URL.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { sql, type Kysely } from 'kysely'
import { openClickHouse } from '../src/clickhouse/client.ts'
import { migrateClickHouse } from '../src/clickhouse/migrations.ts'
import type { TenantCreatedEvent } from '../src/contracts.ts'
import { ensureSchema, openPostgres, type PostgresHandle } from '../src/postgres/client.ts'
import { toAcquisitionRow } from '../src/ingest/acquisition-row.ts'
import { insertAcquisitionRows } from '../src/ingest/acquisition-writer.ts'
import { createRelay } from '../src/ingest/relay.ts'
import { DEFAULT_BATCH_SIZE } from '../src/ingest/relay-options.ts'
import type { Database } from '../src/store/database.ts'
import { migrateToLatest } from '../src/postgres/migrations.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 5)
const RATE = 1_000

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

function tenantEvent (): TenantCreatedEvent {
  const tenantId = randomUUID()
  return {
    event_id: randomUUID(),
    event_type: 'tenant_created',
    timestamp: new Date().toISOString(),
    tenant_id: tenantId,
    user_id: randomUUID(),
    attribution: {
      signup_channel: 'web',
      signup_method: 'email_password',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring-launch',
      utm_content: null,
      utm_term: null,
      http_referer: 'https://news.example.com/posts/launch',
      landing_page: 'https://frameworks.network/pricing',
      referral_code: null,
      is_agent: false,
      metadata_json: '{"plan":"free","locale":"en"}',
      channel_group: 'email',
      client_kind: 'browser',
      first_touch_at: new Date(Date.now() - 86_400_000).toISOString(),
      last_touch: null
    },
    referral_status: null
  }
}

async function append (db: Kysely<Database>, events: TenantCreatedEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1_000) {
    await db.insertInto('attribution_outbox').values(events.slice(i, i + 1_000).map((e) => ({
      event_id: e.event_id, event_type: e.event_type, tenant_id: e.tenant_id, payload: JSON.stringify(e)
    }))).execute()
  }
}

interface Engine { name: string, claimMode: 'lease' | 'lock', open: () => Promise<PostgresHandle<Database>> }

const dir = mkdtempSync(join(tmpdir(), 'fw-bench-relay-'))
// PGlite in a directory, as the example gateway runs it.
const engines: Engine[] = [{ name: 'pglite', claimMode: 'lease', open: () => openPostgres<Database>({ dataDir: join(dir, 'pglite'), schema: 'attribution' }) }]
if (process.env.DATABASE_URL) {
  const url = process.env.DATABASE_URL
  const open = async (): Promise<PostgresHandle<Database>> => {
    const schema = `bench_${randomUUID().slice(0, 8)}`
    const handle = await openPostgres<Database>({ url, schema, poolSize: 6 })
    await ensureSchema(handle.db, schema)
    return { ...handle, close: async () => { await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(handle.db); await handle.close() } }
  }
  engines.push({ name: 'postgres', claimMode: 'lease', open }, { name: 'postgres', claimMode: 'lock', open })
}

const ch = await openClickHouse({ dataDir: join(dir, 'chdb') })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error

console.log(`relay benchmark: ${EVENTS} events per round, ${ROUNDS} rounds, batch ${DEFAULT_BATCH_SIZE}, lag at ${RATE}/s for ${LAG_SECONDS} s (ClickHouse: chDB)`)
const results: string[] = []
for (const engine of engines) {
  const pg = await engine.open()
  const m = await migrateToLatest(pg.db, { schema: pg.schema })
  if (m.error !== undefined) throw m.error
  const baseline: number[] = []
  const relayed: number[] = []
  const cpuPerEvent: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // Baseline: the same work on the ClickHouse side only (map + insert per batch).
    const direct = Array.from({ length: EVENTS }, tenantEvent)
    let started = performance.now()
    for (let i = 0; i < direct.length; i += DEFAULT_BATCH_SIZE) {
      await insertAcquisitionRows(ch, direct.slice(i, i + DEFAULT_BATCH_SIZE).map((e) => toAcquisitionRow(e)))
    }
    baseline.push(EVENTS / ((performance.now() - started) / 1000))

    await append(pg.db, Array.from({ length: EVENTS }, tenantEvent))
    const relay = createRelay({ db: pg.db, clickhouse: ch, claimMode: engine.claimMode })
    started = performance.now()
    const cpu = process.cpuUsage()
    const outcome = await relay.runUntilIdle()
    const seconds = (performance.now() - started) / 1000
    const used = process.cpuUsage(cpu)
    cpuPerEvent.push((used.user + used.system) / EVENTS)
    if (outcome.delivered !== EVENTS) throw new Error(`${engine.name}: delivered ${outcome.delivered} of ${EVENTS} (${outcome.transientError ?? ''})`)
    relayed.push(EVENTS / seconds)
    console.log(`  ${engine.name} ${engine.claimMode} round ${round + 1}: relay ${fmt(relayed.at(-1) as number)} ev/s (${(cpuPerEvent.at(-1) as number).toFixed(1)} µs CPU/event in this process), ClickHouse-only ${fmt(baseline.at(-1) as number)} ev/s`)
  }

  // Lag at a steady 1,000 events/s with the relay's own loop.
  await sql`DELETE FROM attribution_outbox`.execute(pg.db)
  const relay = createRelay({ db: pg.db, clickhouse: ch, claimMode: engine.claimMode })
  relay.start()
  const ticks = LAG_SECONDS * 100
  const t0 = performance.now()
  for (let tick = 0; tick < ticks; tick++) {
    await append(pg.db, Array.from({ length: RATE / 100 }, tenantEvent))
    const next = t0 + (tick + 1) * 10
    const wait = next - performance.now()
    if (wait > 0) await delay(wait)
  }
  const produced = ticks * (RATE / 100)
  const achievedRate = produced / ((performance.now() - t0) / 1000)
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM attribution_outbox WHERE delivered_at IS NULL`.execute(pg.db)
    if (Number(rows[0]?.n) === 0) break
    await delay(50)
  }
  await relay.drain()
  const { rows } = await sql<{ p50: number, p99: number, max: number, n: string }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99,
           max(lag) AS max, count(*) AS n
    FROM (SELECT extract(epoch FROM delivered_at - created_at) * 1000 AS lag FROM attribution_outbox WHERE delivered_at IS NOT NULL) l`.execute(pg.db)
  const lag = rows[0]
  await pg.close()

  const line = `${engine.name} + chDB, ${engine.claimMode} mode: relay ${fmt(median(relayed))} events/s (median of ${ROUNDS}; ClickHouse-only baseline ${fmt(median(baseline))} events/s, ratio ${(median(relayed) / median(baseline)).toFixed(2)}; ` +
    `${median(cpuPerEvent).toFixed(1)} µs CPU/event in this process${engine.name === 'pglite' ? ' incl. PGlite and chDB' : ' incl. chDB, excl. the Postgres server'}) · ` +
    `lag at ${fmt(achievedRate)}/s over ${lag?.n} events: p50 ${fmt(Number(lag?.p50))} ms, p99 ${fmt(Number(lag?.p99))} ms, max ${fmt(Number(lag?.max))} ms`
  results.push(line)
}
await ch.close()
rmSync(dir, { recursive: true, force: true })
console.log('\nresults')
for (const line of results) console.log('  ' + line)
console.log('targets: ≥ 20,000 events/s; lag p99 < 2,000 ms at 1,000 events/s')
