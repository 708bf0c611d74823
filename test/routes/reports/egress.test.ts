// Egress as FrameWorks counts it: on tenant-days where FrameWorks' tenant_analytics_daily
// (playback and restream delivery) and tenant_viewer_daily (playback only) disagree, every
// report's egress equals FrameWorks' operator figure, sum(egress_bytes) / 2^30, which this test
// computes itself from FrameWorks' view and the fixture's signups.
import t from 'tap'
import { runUsageUpkeep } from '../../../src/clickhouse/usage-upkeep.ts'
import { AUTH, buildReportsApp, csvObjects, openFixtureEngine } from './helpers.ts'
import { ACQUISITIONS, T3 } from './fixture.ts'

const { ch, close } = await openFixtureEngine()
const app = await buildReportsApp(ch, { publicStats: true })
t.teardown(async () => { await app.close(); await close() })

const FROM = '2026-01-01'
const TO = '2026-03-01'
const RANGE = `from=${FROM}&to=${TO}`
type Row = Record<string, unknown>

/** FrameWorks' figure per (day, tenant): its view, its conversion to GiB. */
async function operatorEgress (): Promise<Array<{ day: string, tenant: string, gib: number }>> {
  const res = await ch.frameworksClient.query({
    query: `SELECT toString(day) AS day, toString(tenant_id) AS tenant, sum(egress_bytes) / pow(2, 30) AS gib
      FROM tenant_analytics_daily GROUP BY day, tenant_id ORDER BY day, tenant`,
    format: 'JSONEachRow'
  })
  return res.json()
}
const perDay = await operatorEgress()
const inRange = (from: string, to: string) => perDay.filter((r) => r.day >= from && r.day < to)
/** Rounded as every report figure is (6 decimals). */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6
const sum = (rows: Array<{ gib: number }>): number => round6(rows.reduce((acc, r) => acc + r.gib, 0))
const month = (day: string): string => `${day.slice(0, 7)}-01`

/** Each tenant's cohort month, from its earliest acquisition event; none → unattributed. */
const cohortOf = (tenant: string): string => {
  const times = ACQUISITIONS.filter((a) => a.tenant_id === tenant).map((a) => a.timestamp).sort()
  return times[0] === undefined ? 'unattributed' : month(times[0])
}

/** Sums the operator figure of the range by a key. */
function grouped (key: (r: { day: string, tenant: string }) => string): Map<string, number> {
  const out = new Map<string, number>()
  for (const r of inRange(FROM, TO)) out.set(key(r), round6((out.get(key(r)) ?? 0) + r.gib))
  return out
}

async function get (url: string): Promise<{ json: () => Row, body: string }> {
  const res = await app.inject({ url, headers: AUTH })
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
  return { json: () => res.json(), body: res.body }
}

t.test('the fixture has tenant-days where the two FrameWorks views disagree', async (t) => {
  const res = await ch.frameworksClient.query({
    query: `SELECT toString(a.day) AS day, toString(a.tenant_id) AS tenant
      FROM tenant_analytics_daily AS a
      LEFT JOIN (SELECT day, tenant_id, sum(egress_gb) AS gb FROM tenant_viewer_daily GROUP BY day, tenant_id) AS v
        ON v.day = a.day AND v.tenant_id = a.tenant_id
      WHERE a.day >= {from:Date} AND a.day < {to:Date} AND a.egress_bytes / pow(2, 30) != v.gb ORDER BY day, tenant`,
    query_params: { from: FROM, to: TO },
    format: 'JSONEachRow'
  })
  const differing = await res.json<{ day: string, tenant: string }>()
  // Restream on top of playback (Jan 6, Jan 12) and restream without any playback (Jan 7, Feb 11).
  t.same(differing.map((r) => r.day), ['2026-01-06', '2026-01-07', '2026-01-12', '2026-02-11'])
  t.ok(sum(inRange(FROM, TO)) > 0)
})

t.test('network egress per day and month, JSON and CSV, equals the operator figure', async (t) => {
  for (const granularity of ['day', 'month'] as const) {
    const key = granularity === 'day' ? (r: { day: string }) => r.day : (r: { day: string }) => month(r.day)
    const expected = grouped(key)
    const json = (await get(`/reports/network-usage?${RANGE}&granularity=${granularity}`)).json() as { data: Row[], totals: Row }
    const csv = csvObjects((await get(`/reports/network-usage?${RANGE}&granularity=${granularity}&format=csv`)).body)
    t.equal(json.data.length, csv.length)
    for (const [i, row] of json.data.entries()) {
      const period = String(row.period_start)
      t.equal(row.egress_gb, expected.get(period) ?? 0, `${granularity} ${period} JSON`)
      t.equal(csv[i]?.period_start, period)
      t.equal(Number(csv[i]?.egress_gb), expected.get(period) ?? 0, `${granularity} ${period} CSV`)
    }
    t.equal(json.totals.egress_gb, sum(inRange(FROM, TO)), `${granularity} totals`)
  }
})

t.test('cohort egress, JSON and CSV, equals the operator figure of each cohort\'s tenants', async (t) => {
  const expected = grouped((r) => `${cohortOf(r.tenant)} ${month(r.day)}`)
  const url = `/reports/cohort-usage?${RANGE}&granularity=month&cohort=month`
  const json = ((await get(url)).json() as { data: Row[] }).data
  const csv = csvObjects((await get(`${url}&format=csv`)).body)
  const seen = (rows: Row[]) => new Map(rows.map((r) => [`${String(r.cohort_period)} ${String(r.period_start)}`, Number(r.egress_gb)]))
  t.same(seen(json), expected, 'JSON')
  t.same(seen(csv), expected, 'CSV')
  t.ok(expected.has('unattributed 2026-01-01'), 'the unattributed tenant counts too')
})

t.test('tenant egress, JSON and CSV, equals the operator figure of each tenant', async (t) => {
  const expected = grouped((r) => `${r.tenant} ${month(r.day)}`)
  const url = `/reports/tenant-usage?${RANGE}&granularity=month`
  const body = (await get(url)).json() as { data: Row[], next_cursor: string | null }
  t.equal(body.next_cursor, null, 'one page')
  const csv = csvObjects((await get(`${url}&format=csv`)).body)
  // A tenant-month without egress (API or processing only) has 0; every other equals FrameWorks'.
  const seen = (rows: Row[]) => new Map(rows.filter((r) => Number(r.egress_gb) !== 0).map((r) => [`${String(r.tenant_id)} ${String(r.period_start)}`, Number(r.egress_gb)]))
  t.same(seen(body.data), expected, 'JSON')
  t.same(seen(csv), expected, 'CSV')
})

t.test('the public stats\' egress equals the operator figure of each range', async (t) => {
  const res = await app.inject({ url: '/stats/network' })
  t.equal(res.statusCode, 200)
  const body = res.json<{ last_30_days: Row, all_time: Row }>()
  const allTime = sum(perDay.filter((r) => r.day < String(body.all_time.to)))
  t.ok(allTime > sum(inRange(FROM, TO)), 'all time reaches beyond the report range')
  t.equal(body.all_time.egress_gb, allTime)
  t.equal(body.last_30_days.egress_gb, sum(inRange(String(body.last_30_days.from), String(body.last_30_days.to))))
})

t.test('restream that reaches only tenant_analytics_daily is in the reports after one upkeep run, and gone when rewritten to zero', async (t) => {
  // T3 has no other usage on Feb 20: a day with restream delivery only.
  const day = '2026-02-20'
  let version = 0
  const refresh = async (bytes: number): Promise<void> => {
    version++
    await ch.frameworksClient.command({
      query: `INSERT INTO tenant_analytics_daily_store (day, tenant_id, total_streams, total_views, unique_viewers_state, egress_bytes, refresh_version_ms)
        SELECT toDate({day:String}), toUUID({t:String}), 1, 0, arrayReduce('uniqCombinedState', CAST([], 'Array(String)')), {b:UInt64},
          now64(3) + toIntervalMillisecond({v:UInt32})`,
      query_params: { day, t: T3, b: bytes, v: version }
    })
  }
  const dayRow = async (): Promise<Row> => {
    const { data } = (await get(`/reports/network-usage?from=${day}&to=2026-02-21`)).json() as { data: Row[] }
    return { egress_gb: data[0]?.egress_gb, active_tenants: data[0]?.active_tenants, viewer_hours: data[0]?.viewer_hours }
  }
  t.same(await dayRow(), { egress_gb: 0, active_tenants: 0, viewer_hours: 0 })

  await refresh(1.5 * 2 ** 30)
  const pass = await runUsageUpkeep(ch)
  t.same({ mode: pass.mode, days: pass.days }, { mode: 'incremental', days: 1 }, 'only the rewritten day is recomputed')
  const operator = sum((await operatorEgress()).filter((r) => r.day === day))
  t.equal(operator, 1.5)
  t.same(await dayRow(), { egress_gb: operator, active_tenants: 1, viewer_hours: 0 }, 'egress alone makes the tenant active')
  const tenant = ((await get(`/reports/tenant-usage?from=${day}&to=2026-02-21`)).json() as { data: Row[] }).data
  t.same(tenant.map((r) => [r.tenant_id, r.egress_gb]), [[T3, operator]])

  await refresh(0)
  await runUsageUpkeep(ch)
  t.same(await dayRow(), { egress_gb: 0, active_tenants: 0, viewer_hours: 0 }, 'a key FrameWorks rewrote to zero is no activity')
})
