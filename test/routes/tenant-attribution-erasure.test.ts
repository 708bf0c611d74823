import t, { test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import Fastify from 'fastify'
import type { Kysely } from 'kysely'
import { openClickHouse, type ClickHouseHandle } from '../../src/clickhouse/client.ts'
import { problemErrorHandler } from '../../src/errors.ts'
import { pendingErasureJobs } from '../../src/store/erasure-jobs.repository.ts'
import { createRelay, type Relay } from '../../src/ingest/relay.ts'
import type { RelayOptions } from '../../src/ingest/relay-options.ts'
import { ingestServiceEvents } from '../../src/ingest/service-events.ts'
import reportsPlugin from '../../src/routes/reports/index.ts'
import { tokenFingerprint } from '../../src/routes/operator-auth.ts'
import { tenantAttributionRoutes } from '../../src/routes/tenant-attribution.ts'
import type { Database } from '../../src/store/database.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import { closedPort } from '../helpers/closed-port.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { attribution, openStore } from '../helpers/store.ts'
import { T2, T3 } from './reports/fixture.ts'
import { openFixtureEngine } from './reports/helpers.ts'

// FrameWorks' Periscope as the reports tests have it (FrameWorks' tables loaded first, then the
// package's migrations): its tenants T2 and T3 have acquisition rows and usage.
const { ch, close } = await openFixtureEngine()
t.teardown(close)

const TOKEN = 'erasure-operator-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const RANGE = 'from=2026-01-01&to=2026-03-01'
const METRICS = ['viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'api_requests', 'active_tenants']

type Row = Record<string, unknown>

/** The tenant's rows in FrameWorks' table, in the package's copy, and as the reports see them. */
async function acquisitionRows (client: ClickHouseClient, tenantId: string): Promise<{ events: number, signups: number, reported: number }> {
  const res = await client.query({
    query: `SELECT
      (SELECT count() FROM periscope.tenant_acquisition_events WHERE tenant_id = {t:UUID}) AS events,
      (SELECT count() FROM attribution_signups WHERE tenant_id = {t:UUID}) AS signups,
      (SELECT count() FROM attribution_acquisitions WHERE tenant_id = {t:UUID}) AS reported`,
    query_params: { t: tenantId },
    format: 'JSONEachRow'
  })
  const [row] = await res.json<{ events: string, signups: string, reported: string }>()
  return { events: Number(row?.events), signups: Number(row?.signups), reported: Number(row?.reported) }
}

const NOTHING = { events: 0, signups: 0, reported: 0 }

async function outboxRows (db: Kysely<Database>, tenantId: string): Promise<number> {
  const rows = await db.selectFrom('attribution_outbox').select('id').where('tenant_id', '=', tenantId).execute()
  return rows.length
}

async function signup (db: Kysely<Database>, tenantId: string = randomUUID()): Promise<string> {
  await db.transaction().execute((trx) => recordSignup(trx, { tenantId, attribution: attribution({ utm_campaign: 'erase-me' }) }))
  return tenantId
}

/** Makes every pending erasure job due now (the second pass waits `erasureSettleMs`). */
async function settle (db: Kysely<Database>): Promise<void> {
  await db.updateTable('attribution_erasure_jobs').set({ available_at: new Date(0) }).where('completed_at', 'is', null).execute()
}

/**
 * The client with a hook that runs before an INSERT reaches ClickHouse: a relay "mid-batch",
 * which has claimed an event and not yet written it.
 */
function beforeInsert (ch: ClickHouseHandle, hook: () => Promise<void>): ClickHouseHandle {
  let fired = false
  const client = new Proxy(ch.client, {
    get (target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (prop !== 'command' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value
      return async (params: { query: string }) => {
        if (!fired && params.query.startsWith('INSERT INTO periscope.tenant_acquisition_events')) {
          fired = true
          await hook()
        }
        return value.call(target, params)
      }
    }
  })
  return { ...ch, client }
}

for (const target of postgresTargets()) {
  test(`${target.name}: erasure`, async (t) => {
    const pg = await openStore(target)
    t.teardown(() => pg.close())
    const db = pg.db as unknown as Kysely<Database>
    const relayOf = (options: Partial<RelayOptions> = {}): Relay =>
      createRelay({ db, clickhouse: ch, backoffBaseMs: 1, backoffMaxMs: 1, ...options })
    const relay = relayOf()
    const app = Fastify()
    app.setErrorHandler(problemErrorHandler)
    await app.register(tenantAttributionRoutes, { db: pg.db, relay, operatorTokens: [TOKEN] })
    await app.register(reportsPlugin, { clickhouse: ch, operatorTokens: [TOKEN] })
    t.teardown(() => app.close())
    const erase = (tenantId: string, headers: Record<string, string> = auth) =>
      app.inject({ method: 'DELETE', url: `/tenants/${tenantId}/attribution`, headers })
    const json = async (url: string): Promise<Row[]> => {
      const res = await app.inject({ url, headers: auth })
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
      return res.json().data
    }

    t.test('erasing while the event is still in the outbox leaves nothing anywhere after the relay has run', async (t) => {
      const tenantId = await signup(db)
      t.equal(await outboxRows(db, tenantId), 1)
      const res = await erase(tenantId)
      t.equal(res.statusCode, 204)
      t.equal(res.body, '')
      t.equal((await app.inject({ url: `/tenants/${tenantId}/attribution`, headers: auth })).statusCode, 404)
      t.equal(await outboxRows(db, tenantId), 0)

      const outcome = await relay.runUntilIdle()
      t.equal(outcome.transientError, undefined)
      t.equal(outcome.delivered, 0, 'the erased event was never written')
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)

      // The second pass (after the settle time) finds nothing more and completes the job.
      const job = await db.selectFrom('attribution_erasure_jobs').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()
      t.ok(job.first_pass_at instanceof Date)
      t.equal(job.completed_at, null)
      await settle(db)
      await relay.runUntilIdle()
      t.equal(await pendingErasureJobs(db), 0)
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
    })

    t.test('the audit row holds the time, the operator credential and what was removed, and no attribution value', async (t) => {
      const before = new Date()
      const tenantId = await signup(db)
      t.equal((await erase(tenantId)).statusCode, 204)
      const rows = await db.selectFrom('attribution_erasures').selectAll().where('tenant_id', '=', tenantId).execute()
      t.equal(rows.length, 1)
      const row = rows[0] as Row
      t.same(Object.keys(row).sort(), ['attribution_row', 'erased_at', 'id', 'operator', 'outbox_events', 'tenant_id'])
      t.match(row, { tenant_id: tenantId, operator: tokenFingerprint(TOKEN), attribution_row: true, outbox_events: 1 })
      t.notMatch(String(row.operator), TOKEN, 'the token itself is not kept')
      t.ok((row.erased_at as Date).getTime() >= before.getTime() - 5_000)
      await relay.runUntilIdle()
    })

    t.test('an erasure while a relay is mid-batch (event claimed, not yet written) leaves nothing after the relay has run', async (t) => {
      const tenantId = await signup(db)
      const other = await signup(db)
      // Another relay runs the erasure's first pass before the claimed event lands in ClickHouse.
      const midBatch = relayOf({
        clickhouse: beforeInsert(ch, async () => {
          t.equal((await erase(tenantId)).statusCode, 204)
          await relayOf().runUntilIdle()
        })
      })
      const outcome = await midBatch.runUntilIdle()
      t.equal(outcome.transientError, undefined)
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING, 'the relay saw the erasure after its insert and ran it again')
      t.same(await acquisitionRows(ch.client, other), { events: 1, signups: 1, reported: 1 }, 'the rest of the batch is delivered')
      t.equal(await outboxRows(db, tenantId), 0)
    })

    if (target.name === 'postgres') {
      t.test('lock mode: an erasure waits for the batch holding the event, then deletes what it wrote', async (t) => {
        const tenantId = await signup(db)
        let erasure: Promise<{ statusCode: number }> | undefined
        const midBatch = relayOf({
          claimMode: 'lock',
          // Not awaited: the erasure blocks on the locked outbox row until the batch commits.
          clickhouse: beforeInsert(ch, async () => { erasure = erase(tenantId) })
        })
        t.equal((await midBatch.runUntilIdle()).transientError, undefined)
        t.equal((await erasure)?.statusCode, 204)
        await relayOf().runUntilIdle()
        t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
      })
    }

    t.test('an event that lands after the first pass is removed by the second', async (t) => {
      const tenantId = await signup(db)
      await relay.runUntilIdle()
      t.equal((await erase(tenantId)).statusCode, 204)
      await relay.runUntilIdle()
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
      // An insert whose outcome its relay never learnt, landing late (the relay writes both tables).
      const late = [{ timestamp: '2026-06-01 00:00:00', tenant_id: tenantId, signup_channel: 'web', signup_method: 'email_password', is_agent: 0, event_data: '{"source":"outbox"}' }]
      await ch.frameworksClient.insert({ table: 'tenant_acquisition_events', format: 'JSONEachRow', values: late })
      await ch.client.insert({ table: 'attribution_signups', format: 'JSONEachRow', values: late })
      t.equal((await acquisitionRows(ch.client, tenantId)).reported, 1)
      await settle(db)
      await relay.runUntilIdle()
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
      t.equal(await pendingErasureJobs(db), 0)
    })

    t.test('with ClickHouse unreachable the erasure answers 204 and the relay deletes the rows once it is back', async (t) => {
      const tenantId = await signup(db)
      await relay.runUntilIdle()
      t.same(await acquisitionRows(ch.client, tenantId), { events: 1, signups: 1, reported: 1 })
      t.equal((await erase(tenantId)).statusCode, 204)

      const down = await openClickHouse({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 5_000 })
      t.teardown(() => down.close())
      const failed = await relayOf({ clickhouse: down }).runOnce()
      t.equal(failed.erasures, 1)
      t.match(failed.transientError, /ECONNREFUSED|connect/i)
      const job = await db.selectFrom('attribution_erasure_jobs').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()
      t.match(job, { attempts: 1, last_error: /ECONNREFUSED|connect/i, completed_at: null, first_pass_at: null })
      t.equal((await acquisitionRows(ch.client, tenantId)).reported, 1, 'nothing was deleted yet')

      await settle(db)
      await relay.runUntilIdle()
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
    })

    t.test('a replayed event of an erased tenant is dropped by the relay, not written', async (t) => {
      const tenantId = await signup(db)
      await relay.runUntilIdle()
      t.equal((await erase(tenantId)).statusCode, 204)
      await relay.runUntilIdle()
      // FrameWorks' bus sends the signup again, with its original time.
      const replay = await ingestServiceEvents(db, [{
        event_id: randomUUID(),
        event_type: 'tenant_created',
        timestamp: '2026-06-01T00:00:00Z',
        tenant_id: tenantId,
        attribution: { signup_channel: 'web', signup_method: 'email_password', utm_source: 'replayed' }
      }])
      t.equal(replay.accepted, 1)
      const outcome = await relay.runUntilIdle()
      t.equal(outcome.dropped, 1)
      t.equal(outcome.delivered, 0)
      t.equal(await outboxRows(db, tenantId), 0, 'the replay is deleted from the outbox')
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)
    })

    t.test('a second call answers 204 and is recorded; an unknown tenant 404; a malformed id 400; credentials 401/403', async (t) => {
      const tenantId = await signup(db)
      t.equal((await erase(tenantId)).statusCode, 204)
      const again = await erase(tenantId)
      t.equal(again.statusCode, 204)
      const rows = await db.selectFrom('attribution_erasures').select(['attribution_row', 'outbox_events']).where('tenant_id', '=', tenantId).orderBy('id').execute()
      t.same(rows, [{ attribution_row: true, outbox_events: 1 }, { attribution_row: false, outbox_events: 0 }])
      await relay.runUntilIdle()
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)

      const unknown = await erase(randomUUID())
      t.equal(unknown.statusCode, 404)
      t.match(unknown.headers['content-type'], /application\/problem\+json/)
      t.equal(unknown.json().code, 'FW_ATTR_NOT_FOUND')
      for (const bad of ['not-a-uuid', `urn:uuid:${randomUUID()}`]) {
        const res = await erase(bad)
        t.equal(res.statusCode, 400, bad)
        t.equal(res.json().param, 'tenantId')
      }
      t.equal((await erase(tenantId, {})).statusCode, 401)
      t.equal((await erase(tenantId, { authorization: 'Bearer wrong' })).statusCode, 403)
      const audited = await db.selectFrom('attribution_erasures').select('id').where('tenant_id', '=', tenantId).execute()
      t.equal(audited.length, 2, 'refused calls record nothing')
    })

    t.test("reports count the tenant's usage as unattributed, and cohorts plus unattributed still equal the network total", async (t) => {
      // A FrameWorks tenant with an acquisition row and usage in the range; each target erases its own.
      const tenantId = target.name === 'pglite' ? T2 : T3
      await signup(db, tenantId)
      await relay.runUntilIdle()
      const cohortUrl = `/reports/cohort-usage?${RANGE}&granularity=month&cohort=month`
      const networkBefore = await json(`/reports/network-usage?${RANGE}&granularity=month`)
      const cohortsBefore = await json(cohortUrl)
      const usage = await ch.client.query({
        query: `SELECT toString(toStartOfMonth(day)) AS period_start, sum(viewer_hours) AS viewer_hours, sum(api_requests) AS api_requests
          FROM attribution_usage_daily WHERE tenant_id = {t:UUID} AND day >= '2026-01-01' AND day < '2026-03-01' GROUP BY period_start`,
        query_params: { t: tenantId },
        format: 'JSONEachRow'
      })
      const tenantUsage = new Map((await usage.json<{ period_start: string, viewer_hours: number, api_requests: string }>()).map((r) => [r.period_start, r]))
      t.ok(tenantUsage.size > 0, 'the tenant has usage in the range')

      t.equal((await erase(tenantId)).statusCode, 204)
      t.equal((await relay.runUntilIdle()).transientError, undefined)
      t.same(await acquisitionRows(ch.client, tenantId), NOTHING)

      const network = await json(`/reports/network-usage?${RANGE}&granularity=month`)
      t.same(network, networkBefore, 'network usage is unchanged')
      const cohorts = await json(cohortUrl)
      for (const period of network) {
        const inPeriod = cohorts.filter((r) => r.period_start === period.period_start)
        for (const m of METRICS) {
          t.equal(inPeriod.reduce((acc, r) => acc + Number(r[m]), 0), period[m], `${String(period.period_start)} ${m}`)
        }
        const unattributed = (rows: Row[]): Row | undefined => rows.find((r) => r.period_start === period.period_start && r.cohort_period === 'unattributed')
        const was = unattributed(cohortsBefore)
        const now = unattributed(cohorts)
        const own = tenantUsage.get(String(period.period_start))
        t.equal(Number(now?.viewer_hours ?? 0), Number(was?.viewer_hours ?? 0) + Number(own?.viewer_hours ?? 0), `${String(period.period_start)} unattributed viewer hours`)
        t.equal(Number(now?.api_requests ?? 0), Number(was?.api_requests ?? 0) + Number(own?.api_requests ?? 0), `${String(period.period_start)} unattributed API requests`)
        t.equal(Number(now?.active_tenants ?? 0), Number(was?.active_tenants ?? 0) + (own === undefined ? 0 : 1), `${String(period.period_start)} unattributed active tenants`)
      }
    })
  })
}
