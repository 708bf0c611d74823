import t, { test, type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { toAcquisitionRow } from '../../src/ingest/acquisition-row.ts'
import { insertAcquisitionRows } from '../../src/ingest/acquisition-writer.ts'
import { outboxStatus } from '../../src/store/outbox-claims.repository.ts'
import { createRelay } from '../../src/ingest/relay.ts'
import { closedPort } from '../helpers/closed-port.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { openOutbox, pendingCount, rawCount, reportedTenants, signups, attribution } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-relay-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL ? { url: process.env.CLICKHOUSE_URL } : { dataDir: join(dir, 'chdb') })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error

/**
 * Stops background merges for the test: ReplacingMergeTree collapses duplicates whenever it
 * merges, so a raw count only proves "no duplicate was written" while merges are stopped.
 */
async function withoutMerges (t: Test): Promise<void> {
  await ch.frameworksClient.command({ query: 'SYSTEM STOP MERGES tenant_acquisition_events' })
  t.teardown(() => ch.frameworksClient.command({ query: 'SYSTEM START MERGES tenant_acquisition_events' }))
}

test('an insert with a deduplication token followed by one without keeps both', async (t) => {
  await withoutMerges(t)
  const a = toAcquisitionRow({ event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: randomUUID(), user_id: null, attribution: attribution(), referral_status: null })
  const b = toAcquisitionRow({ event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: randomUUID(), user_id: null, attribution: attribution(), referral_status: null })
  await insertAcquisitionRows(ch, [a])
  await insertAcquisitionRows(ch, [b], { token: null })
  t.equal(await rawCount(ch.frameworksClient, [a.tenant_id, b.tenant_id]), 2)
})

test('the same batch inserted twice is counted once', async (t) => {
  await withoutMerges(t)
  const rows = Array.from({ length: 5 }, () => toAcquisitionRow({ event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: randomUUID(), user_id: null, attribution: attribution(), referral_status: null }))
  await insertAcquisitionRows(ch, rows)
  await insertAcquisitionRows(ch, [...rows].reverse())
  t.equal(await reportedTenants(ch.client, rows.map((r) => r.tenant_id)), 5)
})

for (const target of postgresTargets()) {
  for (const claimMode of target.name === 'postgres' ? ['lease', 'lock'] as const : ['lease'] as const) {
    const name = claimMode === 'lock' ? `${target.name} (lock mode)` : target.name
    test(`${name}: N signups end up as exactly N tenants in the reports`, async (t) => {
      await withoutMerges(t)
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const ids = await signups(pg.db, 250)
      const relay = createRelay({ db: pg.db, claimMode, clickhouse: ch, batchSize: 100 })
      const outcome = await relay.runUntilIdle()
      t.equal(outcome.delivered, 250)
      t.equal(outcome.transientError, undefined)
      t.equal(await reportedTenants(ch.client, ids), 250)
      t.equal(await rawCount(ch.frameworksClient, ids), 250)
      t.equal(await pendingCount(pg.db), 0)
      const status = await outboxStatus(pg.db)
      t.equal(status.pending, 0)
      t.equal(status.parked, 0)
      t.ok(status.last_delivered_at instanceof Date)
      t.equal(relay.metrics().delivered_total, 250)
    })

    test(`${name}: with ClickHouse unreachable signups succeed, the backlog grows, and after recovery every event lands once`, async (t) => {
      await withoutMerges(t)
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const down = await openClickHouse({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 5_000 })
      t.teardown(() => down.close())
      const first = await signups(pg.db, 20)
      const broken = createRelay({ db: pg.db, claimMode, clickhouse: down, backoffBaseMs: 1, backoffMaxMs: 1 })
      const failed = await broken.runOnce()
      t.equal(failed.claimed, 20)
      t.equal(failed.delivered, 0)
      t.match(failed.transientError, /ECONNREFUSED|connect/i)
      const second = await signups(pg.db, 30)
      await broken.runOnce()
      t.equal(await pendingCount(pg.db), 50)
      const backlog = await outboxStatus(pg.db)
      t.equal(backlog.pending, 50)
      t.equal(backlog.parked, 0)
      t.ok(backlog.oldest_pending_age_seconds >= 0)
      const rows = await pg.db.selectFrom('attribution_outbox').select(['attempts', 'last_error']).execute()
      t.ok(rows.every((r) => r.attempts === 0), 'an outage counts against no event')

      // Recovery: the rows released by the broken relay are due again after its backoff.
      await pg.db.updateTable('attribution_outbox').set({ available_at: new Date(0) }).execute()
      const healthy = createRelay({ db: pg.db, claimMode, clickhouse: ch })
      const outcome = await healthy.runUntilIdle()
      t.equal(outcome.delivered, 50)
      const ids = [...first, ...second]
      t.equal(await rawCount(ch.frameworksClient, ids), 50)
      t.equal(await reportedTenants(ch.client, ids), 50)
      t.equal(await pendingCount(pg.db), 0)
    })

    test(`${name}: two relays together deliver each event once`, async (t) => {
      await withoutMerges(t)
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const ids = await signups(pg.db, 300)
      const a = createRelay({ db: pg.db, claimMode, clickhouse: ch, batchSize: 25 })
      const b = createRelay({ db: pg.db, claimMode, clickhouse: ch, batchSize: 25 })
      const [ra, rb] = await Promise.all([a.runUntilIdle(), b.runUntilIdle()])
      t.equal(ra.delivered + rb.delivered, 300)
      t.equal(await rawCount(ch.frameworksClient, ids), 300)
      t.equal(await reportedTenants(ch.client, ids), 300)
    })

    test(`${name}: a replayed event for a delivered tenant is counted once`, async (t) => {
      await withoutMerges(t)
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const ids = await signups(pg.db, 3)
      const relay = createRelay({ db: pg.db, claimMode, clickhouse: ch })
      await relay.runUntilIdle()
      // A relay that died after inserting, with its batch re-formed differently: deliver the rows again.
      await pg.db.updateTable('attribution_outbox').set({ delivered_at: null, available_at: new Date(0) }).where('tenant_id', '=', ids[0] as string).execute()
      t.equal((await relay.runUntilIdle()).delivered, 1)
      t.equal(await rawCount(ch.frameworksClient, ids), 4)
      t.equal(await reportedTenants(ch.client, ids), 3)
    })

    test(`${name}: a poison event is parked with its error while the rest flow`, async (t) => {
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      // A real rejection by the engine: a constraint the poison row violates.
      const constraint = `poison_${randomUUID().replaceAll('-', '')}`
      await ch.frameworksClient.command({ query: `ALTER TABLE tenant_acquisition_events ADD CONSTRAINT ${constraint} CHECK signup_method != 'poison_${target.name}'` })
      t.teardown(() => ch.frameworksClient.command({ query: `ALTER TABLE tenant_acquisition_events DROP CONSTRAINT ${constraint}` }))
      const before = await signups(pg.db, 10)
      const [poison] = await signups(pg.db, 1, { signup_method: `poison_${target.name}` })
      const after = await signups(pg.db, 10)
      const relay = createRelay({ db: pg.db, claimMode, clickhouse: ch, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 1 })

      const first = await relay.runOnce()
      t.equal(first.transientError, undefined)
      t.equal(first.delivered, 20)
      t.equal(first.failed, 1)
      t.equal(first.parked, 0)
      t.equal(await reportedTenants(ch.client, [...before, ...after]), 20)

      let parked = 0
      for (let round = 0; round < 10 && parked === 0; round++) {
        await pg.db.updateTable('attribution_outbox').set({ available_at: new Date(0) }).where('delivered_at', 'is', null).execute()
        parked += (await relay.runOnce()).parked
      }
      t.equal(parked, 1)
      const row = await pg.db.selectFrom('attribution_outbox').selectAll().where('tenant_id', '=', poison as string).executeTakeFirstOrThrow()
      t.equal(row.attempts, 3)
      t.ok(row.parked_at instanceof Date)
      t.equal(row.delivered_at, null)
      t.match(row.last_error, /VIOLATED_CONSTRAINT/)
      const status = await outboxStatus(pg.db)
      t.equal(status.parked, 1)
      t.equal(status.pending, 0)
      t.equal(status.recent_parked[0]?.tenant_id, poison)
      // Later events still flow past the parked one.
      const later = await signups(pg.db, 5)
      t.equal((await relay.runUntilIdle()).delivered, 5)
      t.equal(await reportedTenants(ch.client, later), 5)
      t.equal(await reportedTenants(ch.client, [poison as string]), 0)
    })

    test(`${name}: an event whose payload cannot become a row is parked at once`, async (t) => {
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const ids = await signups(pg.db, 4)
      await pg.db.updateTable('attribution_outbox').set({ payload: JSON.stringify({ event_type: 'tenant_created', tenant_id: 'nope' }) }).where('tenant_id', '=', ids[1] as string).execute()
      const outcome = await createRelay({ db: pg.db, claimMode, clickhouse: ch }).runUntilIdle()
      t.equal(outcome.delivered, 3)
      t.equal(outcome.parked, 1)
      const row = await pg.db.selectFrom('attribution_outbox').select(['last_error', 'parked_at']).where('tenant_id', '=', ids[1] as string).executeTakeFirstOrThrow()
      t.match(row.last_error, /unusable payload: tenant_id/)
    })

    test(`${name}: a started relay delivers in the background and drains on stop`, async (t) => {
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const ids = await signups(pg.db, 40)
      let delivered = 0
      let resolveDone: () => void = () => {}
      const done = new Promise<void>((resolve) => { resolveDone = resolve })
      const relay = createRelay({
        db: pg.db,
        claimMode,
        clickhouse: ch,
        batchSize: 10,
        afterInsert: (eventIds) => { delivered += eventIds.length; if (delivered >= 40) resolveDone() }
      })
      relay.start()
      await done
      await relay.drain()
      t.equal(relay.metrics().state, 'stopped')
      t.equal(await reportedTenants(ch.client, ids), 40)
      t.equal(await pendingCount(pg.db), 0)
    })

    test(`${name}: a relay backing off from an unreachable ClickHouse logs it, keeps the backlog and stops at once on drain`, async (t) => {
      const pg = await openOutbox(target)
      t.teardown(() => pg.close())
      const down = await openClickHouse({ url: `http://127.0.0.1:${await closedPort()}` })
      t.teardown(() => down.close())
      await signups(pg.db, 5)
      const warnings: Array<Record<string, unknown>> = []
      let firstWarning: () => void = () => {}
      const warned = new Promise<void>((resolve) => { firstWarning = resolve })
      const noop = (): void => {}
      const relay = createRelay({
        db: pg.db,
        claimMode,
        clickhouse: down,
        // A long backoff: drain must not wait for it.
        backoffBaseMs: 3_600_000,
        backoffMaxMs: 3_600_000,
        logger: { debug: noop, info: noop, error: noop, warn: (obj) => { warnings.push(obj as Record<string, unknown>); firstWarning() } }
      })
      relay.start()
      await warned
      t.equal(relay.metrics().state, 'backing_off')
      t.equal(relay.metrics().consecutive_failures, 1)
      t.match(warnings[0], { failures: 1, error: /ECONNREFUSED|connect/i })
      await relay.drain()
      t.equal(relay.metrics().state, 'stopped')
      t.equal(await pendingCount(pg.db), 5)
      const rows = await pg.db.selectFrom('attribution_outbox').select(['attempts', 'last_error', 'parked_at']).execute()
      t.ok(rows.every((r) => r.attempts === 0 && r.parked_at === null && /ECONNREFUSED|connect/i.test(r.last_error ?? '')))
    })
  }
}
