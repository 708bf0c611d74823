import { test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { createFrameworksPeriscope } from '../helpers/frameworks-periscope.ts'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'
import { ACQUISITIONS, loadFixture } from '../routes/reports/fixture.ts'

const OPERATOR = 'operator-token-for-frameworks-tests'
const [target] = gatewayTargets()

test('the gateway on an existing FrameWorks periscope database serves its reports and seeds nothing', async (t) => {
  // The gateway's data directory already holds FrameWorks' database with FrameWorks' data,
  // as an operator's embedded copy would; SEED_DEMO is left at its default (auto).
  const prepared = await mkdtemp(join(tmpdir(), 'fw-periscope-'))
  t.teardown(() => rm(prepared, { recursive: true, force: true }))
  const ch = await openClickHouse({ dataDir: join(prepared, 'chdb'), database: 'periscope' })
  await createFrameworksPeriscope(ch.frameworksClient)
  await loadFixture(ch.frameworksClient)
  await ch.close()

  const { app } = await buildTestGateway(t, target!, {
    DATA_DIR: prepared,
    CLICKHOUSE_DATABASE: 'periscope',
    SEED_DEMO: '',
    OPERATOR_TOKENS: OPERATOR,
    COOKIE_SECRETS: 'p'.repeat(40)
  })
  await app.ready()
  // The first upkeep pass (a full build here) runs in the background from ready: wait for it.
  await app.usageUpkeep.runOnce()
  const res = await app.inject({ url: '/reports/network-usage?from=2026-01-01&to=2026-03-01&granularity=month', headers: { authorization: `Bearer ${OPERATOR}` } })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json<{ data: Array<Record<string, unknown>>, meta: Record<string, unknown> }>()
  t.same(body.data.map((r) => [r.period_start, r.viewer_hours, r.livepeer_seconds, r.other_processing_seconds, r.api_requests, r.active_tenants]), [
    ['2026-01-01', 8, 220.5, 0, 17, 3],
    ['2026-02-01', 1, 0, 10, 100, 2]
  ])
  const funnel = await app.inject({ url: '/reports/acquisition-funnel?from=2025-12-01&to=2026-03-01', headers: { authorization: `Bearer ${OPERATOR}` } })
  t.equal(funnel.json<{ data: Array<{ signups: number }> }>().data[0]?.signups, 4, 'T1 (two copies), T2, T3 and T6 count once each')
  await app.close()

  // Nothing was seeded into FrameWorks' tables: they hold exactly what FrameWorks wrote.
  const after = await openClickHouse({ dataDir: join(prepared, 'chdb'), database: 'periscope' })
  t.teardown(() => after.close())
  const counted = await after.frameworksClient.query({ query: 'SELECT count() AS n FROM tenant_acquisition_events', format: 'JSONEachRow' })
  t.equal(Number((await counted.json<{ n: string }>())[0]?.n), ACQUISITIONS.filter((a) => a.timestamp >= '2024').length)
})
