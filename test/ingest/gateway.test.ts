import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'

const OPERATOR = 'operator-token-for-ingest-tests'

for (const target of gatewayTargets()) {
  test(`${target.name}: the gateway's relay delivers every signup once, and stops with the gateway`, async (t) => {
    const { app, dataDir } = await buildTestGateway(t, target, { OPERATOR_TOKENS: OPERATOR, COOKIE_SECRETS: 'g'.repeat(40) })
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

    // The relay runs in the background: wait (bounded) until the operator route shows it caught up.
    let status: Record<string, unknown> = {}
    for (let i = 0; i < 300; i++) {
      status = (await app.inject({ method: 'GET', url: '/ingest/status', headers: { authorization: `Bearer ${OPERATOR}` } })).json()
      if (status.pending === 0 && status.last_delivered_at !== null) break
      await delay(100)
    }
    t.equal(status.pending, 0)
    t.equal(status.parked, 0)
    t.equal((status.relay as { delivered_total: number }).delivered_total, 9)

    await app.close()
    // The gateway closed its chDB engine; this process may open the same directory now.
    const ch = await openClickHouse({ dataDir: join(dataDir, 'chdb') })
    t.teardown(() => ch.close())
    const res = await ch.client.query({ query: 'SELECT count() AS n, countIf(utm_source = \'ingest-test\') AS tagged FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)}', query_params: { ids: tenants }, format: 'JSONEachRow' })
    const [counts] = await res.json<{ n: string, tagged: string }>()
    t.equal(Number(counts?.n), 9)
    t.equal(Number(counts?.tagged), 8)
  })
}
