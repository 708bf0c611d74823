import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'

const OPERATOR = 'operator-token-for-ingest-tests'

for (const target of gatewayTargets()) {
  test(`${target.name}: the gateway's relay delivers every signup once, and stops with the gateway`, async (t) => {
    // The relay does not run on its own here: the test drives it, so it waits for nothing.
    const { app, dataDir, relay } = await buildTestGateway(t, target, { OPERATOR_TOKENS: OPERATOR, COOKIE_SECRETS: 'g'.repeat(40) }, { relay: 'manual' })
    await app.ready()

    const tenants: string[] = []
    for (let i = 0; i < 8; i++) {
      const res = await app.inject({ method: 'POST', url: '/auth/register?utm_source=ingest-test', payload: { email: `user${i}@example.com`, password: 'correct horse battery' } })
      t.equal(res.statusCode, 201)
      tenants.push(res.json().tenant_id)
    }
    const service = { event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: randomUUID(), attribution: { signup_channel: 'api', signup_method: 'api_key' } }
    const ingested = await app.inject({ method: 'POST', url: '/ingest/service-events', headers: { authorization: `Bearer ${OPERATOR}` }, payload: { events: [service] } })
    t.same(ingested.json(), { accepted: 1, rejected: [] })
    tenants.push(service.tenant_id)

    const before = (await app.inject({ method: 'GET', url: '/ingest/status', headers: { authorization: `Bearer ${OPERATOR}` } })).json()
    t.equal(before.pending, 9, 'every signup and the service event wait in the outbox')
    const outcome = await relay.runUntilIdle()
    t.equal(outcome.delivered, 9)
    t.equal(outcome.transientError, undefined)
    t.equal((await relay.runUntilIdle()).delivered, 0, 'a second run finds nothing due')
    // The operator route shows what the relay did.
    const status = (await app.inject({ method: 'GET', url: '/ingest/status', headers: { authorization: `Bearer ${OPERATOR}` } })).json()
    t.equal(status.pending, 0)
    t.equal(status.parked, 0)
    t.not(status.last_delivered_at, null)
    t.equal((status.relay as { delivered_total: number }).delivered_total, 9)

    await app.close()
    t.equal(relay.metrics().state, 'stopped', 'closing the gateway drains its relay')
    // The gateway closed its chDB engine; this process may open the same directory now.
    const ch = await openClickHouse({ dataDir: join(dataDir, 'chdb') })
    t.teardown(() => ch.close())
    const res = await ch.client.query({ query: 'SELECT count() AS n, countIf(utm_source = \'ingest-test\') AS tagged FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)}', query_params: { ids: tenants }, format: 'JSONEachRow' })
    const [counts] = await res.json<{ n: string, tagged: string }>()
    t.equal(Number(counts?.n), 9)
    t.equal(Number(counts?.tagged), 8)
  })
}
