import t, { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { Registry } from '@prometheus-io/client'
import { sql } from 'kysely'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { createRelay } from '../../src/ingest/relay.ts'
import { createAttributionMetrics, type AttributionMetrics } from '../../src/operations/metrics.ts'
import { metricsPlugin } from '../../src/operations/routes.ts'
import { attributionCapturePlugin } from '../../src/plugin/index.ts'
import reportsPlugin from '../../src/routes/reports/index.ts'
import { eraseTenantAttribution } from '../../src/store/erasure.repository.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import type { PostgresHandle } from '../../src/postgres/client.ts'
import { CAPTURE_DECISIONS, CLICKHOUSE_OPERATIONS, RELAY_EVENT_OUTCOMES, RELAY_FAILURE_KINDS, REPORT_NAMES } from '../../src/shared/telemetry.ts'
import { CHANNEL_GROUPS, REFERRAL_STATUSES } from '../../src/contracts.ts'
import { closedPort } from '../helpers/closed-port.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { attribution, openStore, type HostDatabase } from '../helpers/store.ts'
import { NAVIGATE, UA, cookiePair } from '../plugin/fixtures.ts'

const TOKEN = 'metrics-test-operator-token-0123456789'
const AUTH = { authorization: `Bearer ${TOKEN}` }

const dir = mkdtempSync(join(tmpdir(), 'fw-metrics-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL !== undefined ? { url: process.env.CLICKHOUSE_URL } : { dataDir: join(dir, 'chdb') })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error
const downClickHouse = await openClickHouse({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 2_000 })
t.teardown(() => downClickHouse.close())

/** A gateway with every piece reporting into `metrics`: capture, a signup route, reports, public stats, /metrics. */
async function gateway (pg: PostgresHandle<HostDatabase>, metrics: AttributionMetrics): Promise<FastifyInstance> {
  const { telemetry } = metrics
  const app = Fastify()
  await app.register(attributionCapturePlugin, { secrets: ['metrics-test-secret-metrics-test-secret-01'], publicBaseUrl: 'https://frameworks.example/', telemetry })
  app.get('/', async () => 'home')
  app.get('/docs/*', async () => 'docs')
  app.post('/signup', async (request, reply) => {
    const body = request.body as { referral_code?: string, utm?: Record<string, string> }
    const signup = request.signupAttribution({ channel: 'web', method: 'email_password', referralCode: body.referral_code, utm: body.utm })
    const tenantId = randomUUID()
    await pg.db.transaction().execute(async (trx) => {
      await trx.insertInto('tenants').values({ id: tenantId, name: 'test' }).execute()
      await recordSignup(trx, { tenantId, attribution: signup, telemetry })
    })
    return reply.code(201).send({ tenant_id: tenantId })
  })
  await app.register(async (scope) => {
    await scope.register(reportsPlugin, { clickhouse: ch, operatorTokens: [TOKEN], telemetry, publicStats: { rateLimit: { max: 2, timeWindowMs: 60_000 } } })
    await scope.register(metricsPlugin, { registry: metrics.registry, operatorTokens: [TOKEN] })
  })
  return app
}

/** The value of one series: the metric's sample with exactly these labels (0 when absent). */
async function value (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  const sample = values.find((v) => {
    const l = v.labels as Record<string, string | number>
    return Object.keys(l).length === Object.keys(labels).length && Object.entries(labels).every(([k, x]) => String(l[k]) === x)
  })
  return sample?.value ?? 0
}

/** Runs the relay's cycles until `done()` holds (bounded: a relay that never gets there fails the test). */
async function runUntil (relay: ReturnType<typeof createRelay>, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await relay.runOnce()
    if (await done()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('the relay did not get there')
}

for (const target of postgresTargets()) {
  test(`${target.name}: after a known sequence each counter has the expected value`, async (t) => {
    const pg = await openStore(target)
    t.teardown(() => pg.close())
    const metrics = createAttributionMetrics({ db: pg.db, statusCacheMs: 0 })
    const { registry, telemetry } = metrics
    const app = await gateway(pg, metrics)
    t.teardown(() => app.close())

    // ── Visits: each capture decision once, and a plain API request that is no candidate ──
    const first = await app.inject({ url: '/?utm_source=newsletter&utm_medium=email', headers: NAVIGATE })
    const cookie = cookiePair(first.headers['set-cookie'])!
    t.ok(cookie, 'a new visitor got the cookie')
    await app.inject({ url: '/docs/start', headers: { ...NAVIGATE, cookie } })
    await app.inject({ url: '/?utm_source=google&utm_medium=cpc', headers: { ...NAVIGATE, cookie } })
    await app.inject({ url: '/', headers: { ...NAVIGATE, 'user-agent': UA.googlebot } })
    await app.inject({ url: '/?utm_source=x', headers: { ...NAVIGATE, 'sec-gpc': '1' } })
    await app.inject({ url: '/docs/api', headers: { accept: 'application/json', 'user-agent': UA.chrome } })
    for (const [decision, expected] of [['cookie_set', 1], ['no_signal', 1], ['cookie_updated', 1], ['client_skipped', 1], ['consent_denied', 1], ['cookie_refreshed', 0]] as const) {
      t.equal(await value(registry, 'attribution_capture_requests_total', { decision }), expected, `capture ${decision}`)
    }
    t.equal(await value(registry, 'attribution_capture_errors_total'), 0)

    // ── Signups: two with the visitor's cookie (its first touch is the newsletter: email; one
    // with an unknown code), one direct ──
    const tenants: string[] = []
    for (const body of [{}, { referral_code: 'NO-SUCH-CODE' }]) {
      const res = await app.inject({ method: 'POST', url: '/signup', headers: { cookie, 'user-agent': UA.chrome }, payload: body })
      t.equal(res.statusCode, 201)
      tenants.push(res.json<{ tenant_id: string }>().tenant_id)
    }
    const direct = randomUUID()
    await pg.db.transaction().execute(async (trx) => {
      await trx.insertInto('tenants').values({ id: direct, name: 'direct' }).execute()
      await recordSignup(trx, { tenantId: direct, attribution: attribution(), telemetry })
    })
    tenants.push(direct)
    t.equal(await value(registry, 'attribution_signups_recorded_total', { channel_group: 'email', referral_status: 'none' }), 1)
    t.equal(await value(registry, 'attribution_signups_recorded_total', { channel_group: 'email', referral_status: 'unknown' }), 1)
    t.equal(await value(registry, 'attribution_signups_recorded_total', { channel_group: 'direct', referral_status: 'none' }), 1)
    // A recording that fails (the tenant id is no UUID) is counted and rethrown.
    await t.rejects(recordSignup(pg.db, { tenantId: 'not-a-uuid', attribution: attribution(), telemetry }))
    t.equal(await value(registry, 'attribution_signup_record_failures_total'), 1)
    t.equal(await value(registry, 'attribution_outbox_pending_events'), 3, 'three events wait for the relay')

    // ── A failed insert: ClickHouse unreachable, and an erasure that cannot run yet ──
    await pg.db.transaction().execute((trx) => eraseTenantAttribution(trx, direct, 'test'))
    const down = createRelay({ db: pg.db, clickhouse: downClickHouse, telemetry, backoffBaseMs: 1, backoffMaxMs: 1 })
    const failed = await down.runOnce()
    t.ok(failed.transientError, 'the insert failed')
    t.equal(await value(registry, 'attribution_relay_failures_total', { kind: 'transient' }), 1)
    t.equal(await value(registry, 'attribution_relay_failures_total', { kind: 'erasure' }), 1)
    t.equal(await value(registry, 'attribution_clickhouse_errors_total', { operation: 'relay_insert', kind: 'unavailable' }), 1)
    t.equal(await value(registry, 'attribution_clickhouse_errors_total', { operation: 'erasure', kind: 'unavailable' }), 1)
    t.equal(await value(registry, 'attribution_relay_events_total', { outcome: 'retried' }), 2, 'both remaining events were released')
    t.equal(await value(registry, 'attribution_relay_events_total', { outcome: 'delivered' }), 0)
    t.equal(await value(registry, 'attribution_erasure_jobs', { state: 'failing' }), 1)
    t.equal(await value(registry, 'attribution_erasure_jobs', { state: 'pending' }), 1)

    // ── The relay runs: both events delivered, the erasure's two passes done ──
    const relay = createRelay({ db: pg.db, clickhouse: ch, telemetry, erasureSettleMs: 1 })
    metrics.observeRelay(relay)
    await runUntil(relay, async () => await value(registry, 'attribution_erasure_jobs', { state: 'completed' }) === 1 &&
      await value(registry, 'attribution_relay_events_total', { outcome: 'delivered' }) === 2)
    t.equal(await value(registry, 'attribution_relay_events_total', { outcome: 'delivered' }), 2)
    t.equal(await value(registry, 'attribution_relay_events_total', { outcome: 'parked' }), 0)
    t.equal(await value(registry, 'attribution_relay_batches_total'), 2, 'the failed batch and the delivered one')
    t.equal(await value(registry, 'attribution_erasure_jobs_completed_total'), 1)
    t.equal(await value(registry, 'attribution_erasure_jobs', { state: 'failing' }), 0)
    t.equal(await value(registry, 'attribution_outbox_pending_events'), 0)
    t.equal(await value(registry, 'attribution_outbox_parked_events'), 0)
    t.equal(await value(registry, 'attribution_relay_state', { state: 'idle' }), 1)
    const lag = (await registry.getSingleMetric('attribution_relay_delivery_lag_seconds')!.get()).values
    t.equal(lag.find((v) => (v as { metricName?: string }).metricName === 'attribution_relay_delivery_lag_seconds_count')?.value, 2, 'one lag per delivered event')

    // ── Reports: one JSON, one CSV, one refused; public stats: a miss, a hit, a 429 ──
    t.equal((await app.inject({ url: '/reports/network-usage', headers: AUTH })).statusCode, 200)
    const json = await app.inject({ url: '/reports/acquisition-funnel?group_by=utm_source', headers: AUTH })
    const csv = await app.inject({ url: '/reports/acquisition-funnel?group_by=utm_source&format=csv', headers: AUTH })
    t.equal(csv.statusCode, 200)
    t.equal((await app.inject({ url: '/reports/cohort-usage?from=nonsense', headers: AUTH })).statusCode, 400)
    const reportCount = async (report: string, format: string, statusClass: string): Promise<number> =>
      (await registry.getSingleMetric('attribution_report_duration_seconds')!.get()).values
        .find((v) => (v as { metricName?: string }).metricName === 'attribution_report_duration_seconds_count' && v.labels.report === report && v.labels.format === format && v.labels.status_class === statusClass)?.value ?? 0
    t.equal(await reportCount('network-usage', 'json', '2xx'), 1)
    t.equal(await reportCount('acquisition-funnel', 'json', '2xx'), 1)
    t.equal(await reportCount('acquisition-funnel', 'csv', '2xx'), 1)
    t.equal(await reportCount('cohort-usage', 'json', '4xx'), 1)
    const rows = json.json<{ data: unknown[] }>().data.length
    t.ok(rows > 0)
    t.equal(await value(registry, 'attribution_report_csv_rows_total', { report: 'acquisition-funnel' }), rows, 'CSV rows: as many as the JSON answer has')
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await app.inject({ url: '/stats/network' })).statusCode)
    t.same(statuses, [200, 200, 429])
    t.equal(await value(registry, 'attribution_public_stats_requests_total', { cache: 'miss' }), 1)
    t.equal(await value(registry, 'attribution_public_stats_requests_total', { cache: 'hit' }), 1)
    t.equal(await value(registry, 'attribution_public_stats_rate_limited_total'), 1)
    t.equal(await value(registry, 'attribution_clickhouse_errors_total', { operation: 'report', kind: 'query' }), 0, 'a 400 is no engine error')

    // ── The usage upkeep's run, and the exposition behind operator auth ──
    telemetry.usageUpkeepRun({ ok: true, finishedAt: 1_800_000_000_000, durationSeconds: 2.5 })
    telemetry.usageUpkeepRun({ ok: false, finishedAt: 1_800_000_360_000, durationSeconds: 1 })
    t.equal(await value(registry, 'attribution_usage_snapshot_last_success_timestamp_seconds'), 1_800_000_000, 'a failed run leaves the last success')
    t.equal(await value(registry, 'attribution_usage_snapshot_failures_total'), 1)
    t.equal((await app.inject({ url: '/metrics' })).statusCode, 401)
    const exposition = await app.inject({ url: '/metrics', headers: AUTH })
    t.equal(exposition.statusCode, 200)
    t.match(exposition.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    t.match(exposition.body, /^attribution_signups_recorded_total\{channel_group="email",referral_status="unknown"\} 1$/m)
    t.match(exposition.body, /^process_resident_memory_bytes \d+/m, 'process metrics come with the package\'s own registry')
  })
}

test('hostile UTM values, codes and paths never become label values', async (t) => {
  const [target] = postgresTargets()
  const pg = await openStore(target!)
  t.teardown(() => pg.close())
  const metrics = createAttributionMetrics({ db: pg.db, statusCacheMs: 0 })
  const app = await gateway(pg, metrics)
  t.teardown(() => app.close())
  const hostile = ['evil_source_7f3a', 'evil-medium-7f3a', 'EVILCODE7f3a', 'evil-path-7f3a', 'evil-term-7f3a', 'evil-body-7f3a']
  await app.inject({ url: `/${hostile[3]}/x?utm_source=${hostile[0]}&utm_medium=${hostile[1]}&utm_term=${hostile[4]}&ref=${hostile[2]}`, headers: NAVIGATE })
  await app.inject({ url: `/r/${hostile[2]}`, headers: NAVIGATE })
  await app.inject({ url: `/docs/${hostile[3]}?utm_source=%22%7D%201%0Aevil_injected_metric%201`, headers: NAVIGATE })
  await app.inject({ method: 'POST', url: '/signup', headers: { 'user-agent': UA.chrome }, payload: { referral_code: hostile[2], utm: { source: hostile[5], medium: hostile[1] } } })
  await app.inject({ url: `/reports/${hostile[3]}`, headers: AUTH })
  // A caller of the telemetry that passes values outside the sets gets `other`.
  metrics.telemetry.signupRecorded(hostile[0] as never, hostile[2] as never)
  metrics.telemetry.captureDecision(hostile[3] as never)
  metrics.telemetry.reportServed(`/reports/${hostile[3]}`, 'text/html', 200, 0.1)
  metrics.telemetry.relayEvents(hostile[1] as never, 1)
  metrics.telemetry.clickhouseError(hostile[4] as never, { code: hostile[4] })

  const text = await metrics.registry.metrics()
  for (const value of hostile) t.notOk(text.toLowerCase().includes(value.toLowerCase()), `${value} is nowhere in the exposition`)
  t.notOk(text.includes('evil_injected_metric'))
  // Every label value of the package's metrics comes from a fixed set.
  const allowed = new Set<string>([
    ...CAPTURE_DECISIONS, ...CHANNEL_GROUPS, ...REFERRAL_STATUSES, 'none', ...RELAY_EVENT_OUTCOMES, ...RELAY_FAILURE_KINDS,
    ...REPORT_NAMES, ...CLICKHOUSE_OPERATIONS, 'timeout', 'memory_limit', 'unavailable', 'query', 'json', 'csv',
    '2xx', '3xx', '4xx', '5xx', 'hit', 'miss', 'pending', 'failing', 'completed', 'other'
  ])
  const seen = new Set<string>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('attribution_') || line.startsWith('attribution_build_info')) continue
    for (const [, name, v] of line.matchAll(/(\w+)="([^"]*)"/g)) if (name !== 'le') seen.add(v!)
  }
  t.ok(seen.has('other'), 'values outside the sets were counted as other')
  t.same([...seen].filter((v) => !allowed.has(v)), [], 'no label value outside the fixed sets')
  t.ok(await value(metrics.registry, 'attribution_signups_recorded_total', { channel_group: 'other', referral_status: 'other' }) === 1)
})

test('one registry holds the metrics once, and a host registry gets no process metrics unless asked', async (t) => {
  const registry = new Registry()
  createAttributionMetrics({ registry })
  t.throws(() => createAttributionMetrics({ registry }), { code: 'FW_ATTR_INVALID_OPTION' })
  t.notOk((await registry.metrics()).includes('process_cpu_seconds_total'))
  const own = createAttributionMetrics()
  t.ok((await own.registry.metrics()).includes('process_cpu_seconds_total'))
  t.throws(() => createAttributionMetrics({ statusCacheMs: -1 }), { code: 'FW_ATTR_INVALID_OPTION' })
})

test('a Postgres that cannot be read at scrape time leaves the gauges and says so', async (t) => {
  const [target] = postgresTargets()
  const pg = await openStore(target!)
  const metrics = createAttributionMetrics({ db: pg.db, statusCacheMs: 0 })
  await sql`DROP TABLE attribution_erasure_jobs`.execute(pg.db)
  t.teardown(() => pg.close())
  const text = await metrics.registry.metrics()
  t.match(text, /^attribution_status_up 0$/m)
  t.match(text, /^attribution_status_read_failures_total 1$/m)
})
