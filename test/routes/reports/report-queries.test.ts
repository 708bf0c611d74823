import t from 'tap'
import { DIMENSIONS, type Granularity } from '../../../src/routes/reports/common.query.ts'
import { buildNetworkTotalsQuery, buildNetworkUsageQuery } from '../../../src/routes/reports/network-usage.query.ts'
import { buildAcquisitionFunnelQuery, funnelUsageEnd } from '../../../src/routes/reports/acquisition-funnel.query.ts'
import { buildCohortUsageQuery } from '../../../src/routes/reports/cohort-usage.query.ts'
import { buildReferralCodesQuery } from '../../../src/routes/reports/referral-codes.query.ts'
import { buildTenantUsageQuery } from '../../../src/routes/reports/tenant-usage.query.ts'
import type { BuiltQuery } from '../../../src/routes/reports/common.query.ts'
import { buildPublicStatsQuery } from '../../../src/routes/public-stats/public-stats.query.ts'
import { openFixtureEngine } from './helpers.ts'

const { ch, close } = await openFixtureEngine()
t.teardown(close)

const range = { from: '2026-01-01', to: '2026-03-01' }
const granularities: Granularity[] = ['day', 'week', 'month']
const formats = ['json', 'csv'] as const
const filters = { utm_source: ['google', '(none)'], is_agent: ['false'] }

function variants (): Array<[string, BuiltQuery]> {
  const all: Array<[string, BuiltQuery]> = []
  for (const format of formats) {
    for (const granularity of granularities) {
      all.push([`network-usage ${granularity} ${format}`, buildNetworkUsageQuery({ ...range, granularity, format })])
      all.push([`tenant-usage ${granularity} ${format}`, buildTenantUsageQuery({ ...range, granularity, format, filters })])
      for (const cohort of ['week', 'month'] as const) {
        all.push([`cohort-usage ${cohort}/${granularity} ${format}`, buildCohortUsageQuery({ ...range, cohort, granularity, format, groupBy: 'utm_campaign' })])
      }
    }
    all.push([`acquisition-funnel all dimensions ${format}`, buildAcquisitionFunnelQuery({ ...range, groupBy: DIMENSIONS, filters, format })])
    all.push([`acquisition-funnel total ${format}`, buildAcquisitionFunnelQuery({ ...range, groupBy: [], format })])
    all.push([`referral-codes ${format}`, buildReferralCodesQuery({ ...range, filters, partners: { a: 'b' }, format })])
    all.push([`tenant-usage page ${format}`, buildTenantUsageQuery({ ...range, granularity: 'week', format, limit: 10, after: { period_start: '2026-01-05', tenant_id: '11111111-1111-4111-8111-111111111111' }, window: { from: '2026-01-05', to: '2026-01-19' } })])
  }
  all.push(['network totals of one range', buildNetworkTotalsQuery([range])])
  all.push(['public network stats', buildPublicStatsQuery('2026-02-15')])
  all.push(['network totals of overlapping ranges', buildNetworkTotalsQuery([range, { from: '1970-01-01', to: '2026-02-01' }])])
  return all
}

t.test('every report query passes EXPLAIN on the engine in every variant', async (t) => {
  for (const [name, built] of variants()) {
    const rs = await ch.client.query({ query: `EXPLAIN ${built.query}`, query_params: built.params, format: 'JSONEachRow' })
    t.ok((await rs.json()).length > 0, name)
  }
})

t.test('every report query answers with exactly the columns it declares', async (t) => {
  for (const [name, built] of variants()) {
    const rs = await ch.client.query({ query: `${built.query} LIMIT 0`.replace(/LIMIT \{row_limit:UInt32\} LIMIT 0$/, 'LIMIT 0'), query_params: built.params, format: 'JSONCompactEachRowWithNames' })
    const [names] = await rs.json<string[]>()
    t.same(names, built.columns, name)
  }
})

t.test('values reach the engine as bound parameters, never as SQL text', async (t) => {
  const evil = "x') OR 1=1 --"
  const built = buildCohortUsageQuery({ ...range, cohort: 'month', granularity: 'month', filters: { utm_campaign: [evil] } })
  t.notOk(built.query.includes(evil))
  t.same(built.params.f_utm_campaign, [evil])
  const rs = await ch.client.query({ query: built.query, query_params: built.params, format: 'JSONEachRow' })
  t.same(await rs.json(), [])
})

t.test('builders refuse identifiers outside the allow-list', async (t) => {
  t.throws(() => buildAcquisitionFunnelQuery({ ...range, groupBy: ['tenant_id; DROP TABLE x' as never] }), /unknown dimension/)
  t.throws(() => buildCohortUsageQuery({ ...range, cohort: 'month', granularity: 'month', filters: { 'password': ['x'] } as never }), /unknown dimension/)
  t.throws(() => buildNetworkUsageQuery({ ...range, granularity: 'hour' as never }), /unknown granularity/)
  t.throws(() => buildNetworkUsageQuery({ from: '2026-01-01', to: '2026-01-01', granularity: 'day' }), /before/)
})

t.test('the funnel reads usage up to the end of every window it can reach', async (t) => {
  // Signups up to Feb 28: retention needs all of March; a 30-day window ends on March 30.
  t.equal(funnelUsageEnd('2026-03-01', 30), '2026-04-01')
  // A 90-day window reaches past the month after.
  t.equal(funnelUsageEnd('2026-03-01', 90), '2026-05-30')
})

t.test('network usage reads the day projection of the usage table, not its rows', async (t) => {
  // The per-period sums, the unique-viewer merge and a day's active tenants come from
  // `network_day` (sql/clickhouse/003); a week's or month's distinct tenants read the rows.
  // A change to the aggregates that stops matching the projection shows here, not only as a
  // slower report.
  for (const granularity of granularities) {
    const built = buildNetworkUsageQuery({ ...range, granularity })
    const rs = await ch.client.query({ query: `EXPLAIN ${built.query}`, query_params: built.params, format: 'TabSeparatedRaw' })
    const plan = await rs.text()
    t.equal(plan.match(/ReadFromMergeTree \(network_day\)/g)?.length ?? 0, 1, `${granularity}: one projection read`)
    t.equal(plan.match(/ReadFromMergeTree \(/g)?.length ?? 0, granularity === 'day' ? 1 : 2, `${granularity}: rows read only for distinct tenants`)
  }
})

t.test('cohort usage by month and referral codes read the tenant-month projections for whole months, and rows otherwise', async (t) => {
  const reads = async (built: BuiltQuery): Promise<number> => {
    const rs = await ch.client.query({ query: `EXPLAIN ${built.query}`, query_params: built.params, format: 'TabSeparatedRaw' })
    return (await rs.text()).match(/ReadFromMergeTree \(tenant_month\)/g)?.length ?? 0
  }
  const midMonth = { from: '2026-01-05', to: '2026-03-01' }
  t.equal(await reads(buildCohortUsageQuery({ ...range, cohort: 'week', granularity: 'month', groupBy: 'utm_source' })), 1)
  t.equal(await reads(buildReferralCodesQuery({ ...range })), 1)
  t.equal(await reads(buildCohortUsageQuery({ ...midMonth, cohort: 'week', granularity: 'month' })), 0, 'a range that starts mid-month reads rows')
  t.equal(await reads(buildReferralCodesQuery({ ...midMonth })), 0)
  t.equal(await reads(buildCohortUsageQuery({ ...range, cohort: 'week', granularity: 'week' })), 0, 'weeks are not in the projection')
})
