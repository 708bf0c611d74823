import t, { type Test } from 'tap'
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import type { ClickHouseHandle } from '../../../src/clickhouse/client.ts'
import { AUTH, TOKEN, buildReportsApp, csvObjects, openFixtureEngine, parseCsv } from './helpers.ts'
import { FORMULA, T1, T2, T3, T4, T5 } from './fixture.ts'

const { ch, close } = await openFixtureEngine()
const app = await buildReportsApp(ch)
t.teardown(async () => { await app.close(); await close() })

type Row = Record<string, unknown>
const RANGE = 'from=2026-01-01&to=2026-03-01'
const ADDITIVE = ['viewer_hours', 'egress_gb', 'total_sessions', 'livepeer_seconds', 'native_seconds', 'other_processing_seconds', 'api_requests', 'api_errors']

async function json (url: string): Promise<{ meta: Row, data: Row[], next_cursor?: string | null }> {
  const res = await app.inject({ url, headers: AUTH })
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

async function csv (url: string): Promise<{ text: string, headers: Record<string, unknown> }> {
  const res = await app.inject({ url, headers: AUTH })
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
  return { text: res.body, headers: res.headers }
}

const pick = (row: Row, keys: string[]): Row => Object.fromEntries(keys.map((k) => [k, row[k]]))

t.test('network usage per month carries the hand-computed figures', async (t) => {
  const { data, meta } = await json(`/reports/network-usage?${RANGE}&granularity=month`)
  t.same(data, [
    { period_start: '2026-01-01', viewer_hours: 8, egress_gb: 4.625, total_sessions: 11, unique_viewers: 5, livepeer_seconds: 220.5, native_seconds: 60, other_processing_seconds: 0, api_requests: 17, api_errors: 1, active_tenants: 3 },
    { period_start: '2026-02-01', viewer_hours: 1, egress_gb: 0.375, total_sessions: 1, unique_viewers: 1, livepeer_seconds: 0, native_seconds: 30, other_processing_seconds: 10, api_requests: 100, api_errors: 5, active_tenants: 2 }
  ])
  // The earliest acquisition event the package keeps: T5's, which FrameWorks' own table no longer holds.
  t.equal(meta.data_from, '2023-06-01T12:00:00Z')
  t.same(meta.request, { from: '2026-01-01', to: '2026-03-01', granularity: 'month', format: 'json' })
  t.equal(meta.report, 'network-usage')
  t.ok(Number.isFinite(Date.parse(String(meta.generated_at))))
})

t.test('network usage totals add up the range and count an active tenant once over it', async (t) => {
  const body = await json(`/reports/network-usage?${RANGE}&granularity=month`) as unknown as { totals: Row, data: Row[] }
  // Jan: T1, T2, T4 active; Feb: T1, T3. Four tenants, although the months say 3 + 2.
  t.same(body.totals, { viewer_hours: 9, egress_gb: 5, total_sessions: 12, unique_viewers: 5, livepeer_seconds: 220.5, native_seconds: 90, other_processing_seconds: 10, api_requests: 117, api_errors: 6, active_tenants: 4 })
  for (const granularity of ['day', 'week']) {
    const other = await json(`/reports/network-usage?${RANGE}&granularity=${granularity}`) as unknown as { totals: Row, data: Row[] }
    t.same(other.totals, body.totals, `the same totals by ${granularity}`)
    for (const m of ADDITIVE) t.equal(other.data.reduce((acc, r) => acc + Number(r[m]), 0), body.totals[m], `${granularity} rows add up to the ${m} total`)
  }
  const csvText = (await csv(`/reports/network-usage?${RANGE}&granularity=month&format=csv`)).text
  t.notMatch(csvText, /totals/, 'CSV carries the rows only')
})

t.test('an earlier refresh of a key and an all-zero row never count, in figures or active tenants', async (t) => {
  const { data } = await json('/reports/network-usage?from=2026-01-05&to=2026-01-26&granularity=day')
  const byDay = new Map(data.map((r) => [r.period_start, r]))
  // Jan 5: the latest refresh of T1 says 1.5 h, 3 sessions, viewers a and b; an earlier one said 0.5 h, 9 sessions, a, x, y.
  // Its egress (tenant_analytics_daily) was 4.125 GiB in the earlier refresh, 0.25 GiB in the latest.
  t.same(pick(byDay.get('2026-01-05') as Row, ['viewer_hours', 'egress_gb', 'total_sessions', 'unique_viewers', 'active_tenants']), { viewer_hours: 1.5, egress_gb: 0.25, total_sessions: 3, unique_viewers: 2, active_tenants: 1 })
  // Jan 7: T2's Livepeer seconds were 999 in an earlier refresh, 120.5 in the latest.
  t.equal(byDay.get('2026-01-07')?.livepeer_seconds, 120.5)
  // Jan 21 (T2) and Jan 25 (T4, 3 h before its bucket was tombstoned) hold only all-zero latest rows.
  for (const day of ['2026-01-21', '2026-01-25']) {
    t.same(pick(byDay.get(day) as Row, ['viewer_hours', 'egress_gb', 'total_sessions', 'active_tenants']), { viewer_hours: 0, egress_gb: 0, total_sessions: 0, active_tenants: 0 }, day)
  }
  const [february] = (await json('/reports/network-usage?from=2026-02-01&to=2026-03-01&granularity=month')).data
  // T3's API day was refreshed from 40 to 100 requests; its Feb 15 zero row is not activity.
  t.same(pick(february as Row, ['api_requests', 'api_errors', 'active_tenants']), { api_requests: 100, api_errors: 5, active_tenants: 2 })
})

t.test('FFmpeg processing counts as other processing, not Livepeer or native', async (t) => {
  const { data } = await json('/reports/network-usage?from=2026-02-11&to=2026-02-12&granularity=day')
  t.same(pick(data[0] as Row, ['livepeer_seconds', 'native_seconds', 'other_processing_seconds']), { livepeer_seconds: 0, native_seconds: 30, other_processing_seconds: 10 })
})

t.test('a tenant whose event FrameWorks deleted after 730 days keeps its cohort', async (t) => {
  const kept = await ch.frameworksClient.query({ query: 'SELECT count() AS n FROM tenant_acquisition_events WHERE tenant_id = {t:UUID}', query_params: { t: T5 }, format: 'JSONEachRow' })
  t.equal(Number((await kept.json<{ n: string }>())[0]?.n), 0, "FrameWorks' own table no longer holds the row")
  const { data } = await json('/reports/cohort-usage?from=2026-03-01&to=2026-04-01&granularity=month&cohort=month')
  t.same(data.map((r) => pick(r, ['cohort_period', 'tenants', 'active_tenants', 'viewer_hours', 'api_requests'])), [
    { cohort_period: '2023-06-01', tenants: 1, active_tenants: 1, viewer_hours: 2, api_requests: 0 },
    { cohort_period: '2026-02-01', tenants: 1, active_tenants: 1, viewer_hours: 0, api_requests: 1000 }
  ])
})

t.test('rows from FrameWorks\' Go ingest get their channel group from the rule table and client kind unknown', async (t) => {
  const { data } = await json('/reports/acquisition-funnel?from=2025-12-01&to=2026-01-01&group_by=channel_group,client_kind,signup_channel')
  t.same(data.map((r) => pick(r, ['channel_group', 'client_kind', 'signup_channel', 'signups'])), [
    { channel_group: 'email', client_kind: 'unknown', signup_channel: 'web', signups: 1 }
  ])
  // T1 was written by both writers: it counts once, with the relay's client kind.
  const january = (await json(`/reports/acquisition-funnel?${RANGE}&group_by=channel_group,client_kind`)).data
  t.same(january.map((r) => pick(r, ['channel_group', 'client_kind', 'signups'])), [
    { channel_group: 'organic_social', client_kind: 'ai_coding_agent', signups: 1 },
    { channel_group: 'paid_search', client_kind: 'browser', signups: 1 },
    { channel_group: 'referral_program', client_kind: 'automation', signups: 1 }
  ])
})

t.test('network usage per day is zero-filled and keeps a day that only has API usage', async (t) => {
  const { data } = await json(`/reports/network-usage?${RANGE}&granularity=day`)
  t.equal(data.length, 59)
  t.equal(data[0]?.period_start, '2026-01-01')
  t.equal(data[58]?.period_start, '2026-02-28')
  const byDay = new Map(data.map((r) => [r.period_start, r]))
  t.same(pick(byDay.get('2026-01-08') as Row, ['viewer_hours', 'api_requests', 'api_errors', 'active_tenants']), { viewer_hours: 0, api_requests: 7, api_errors: 1, active_tenants: 1 })
  t.same(pick(byDay.get('2026-01-06') as Row, ['viewer_hours', 'unique_viewers', 'active_tenants']), { viewer_hours: 2.5, unique_viewers: 3, active_tenants: 2 })
  t.same(pick(byDay.get('2026-01-02') as Row, [...ADDITIVE, 'unique_viewers', 'active_tenants']), Object.fromEntries([...ADDITIVE, 'unique_viewers', 'active_tenants'].map((k) => [k, 0])))
})

t.test('unique viewers of a week are merged across tenants, not summed', async (t) => {
  const { data } = await json('/reports/network-usage?from=2026-01-05&to=2026-01-12&granularity=week')
  t.equal(data.length, 1)
  // T1 saw a,b,c and T2 saw c,d: four viewers, although the per-tenant counts add up to five.
  t.equal(data[0]?.unique_viewers, 4)
  t.equal(data[0]?.active_tenants, 3)
})

t.test('weekly and monthly figures equal the sum of their days', async (t) => {
  const days = (await json('/reports/network-usage?from=2026-01-05&to=2026-03-02&granularity=day')).data
  for (const granularity of ['week', 'month'] as const) {
    const periods = (await json(`/reports/network-usage?from=2026-01-05&to=2026-03-02&granularity=${granularity}`)).data
    for (const period of periods) {
      const start = String(period.period_start)
      const inPeriod = days.filter((d) => {
        const day = String(d.period_start)
        if (granularity === 'month') return day.slice(0, 7) === start.slice(0, 7)
        return day >= start && Date.parse(day) < Date.parse(start) + 7 * 86_400_000
      })
      for (const m of ADDITIVE) {
        t.equal(period[m], inPeriod.reduce((acc, d) => acc + Number(d[m]), 0), `${granularity} ${start} ${m}`)
      }
    }
  }
})

t.test('cohorts plus unattributed sum to the network figure for every period and metric', async (t) => {
  const metrics = ['viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'api_requests', 'active_tenants']
  // Whole months (read from the rollups' tenant-month projections by month) and a range that is not.
  for (const range of [RANGE, 'from=2026-01-06&to=2026-02-12']) {
    for (const granularity of ['day', 'week', 'month'] as const) {
      const network = (await json(`/reports/network-usage?${range}&granularity=${granularity}`)).data
      for (const cohort of ['week', 'month'] as const) {
        for (const groupBy of ['', '&group_by=utm_source', '&group_by=is_agent']) {
          const rows = (await json(`/reports/cohort-usage?${range}&granularity=${granularity}&cohort=${cohort}${groupBy}`)).data
          for (const period of network) {
            const inPeriod = rows.filter((r) => r.period_start === period.period_start)
            for (const m of metrics) {
              t.equal(inPeriod.reduce((acc, r) => acc + Number(r[m]), 0), period[m], `${range} ${granularity}/${cohort}${groupBy} ${String(period.period_start)} ${m}`)
            }
          }
        }
      }
    }
  }
})

t.test('cohort usage per month and source carries the hand-computed figures', async (t) => {
  const { data } = await json(`/reports/cohort-usage?${RANGE}&granularity=month&cohort=month&group_by=utm_source`)
  const keys = ['cohort_period', 'utm_source', 'period_start', 'tenants', 'active_tenants', 'viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'api_requests']
  t.same(data.map((r) => pick(r, keys)), [
    { cohort_period: '2026-01-01', utm_source: 'google', period_start: '2026-01-01', tenants: 1, active_tenants: 1, viewer_hours: 3.5, egress_gb: 1.25, livepeer_seconds: 0, native_seconds: 0, api_requests: 10 },
    { cohort_period: '2026-01-01', utm_source: 'google', period_start: '2026-02-01', tenants: 1, active_tenants: 1, viewer_hours: 1, egress_gb: 0.25, livepeer_seconds: 0, native_seconds: 0, api_requests: 0 },
    { cohort_period: '2026-01-01', utm_source: 'twitter', period_start: '2026-01-01', tenants: 1, active_tenants: 1, viewer_hours: 0.5, egress_gb: 0.375, livepeer_seconds: 120.5, native_seconds: 60, api_requests: 0 },
    { cohort_period: '2026-02-01', utm_source: '(none)', period_start: '2026-02-01', tenants: 1, active_tenants: 1, viewer_hours: 0, egress_gb: 0.125, livepeer_seconds: 0, native_seconds: 30, api_requests: 100 },
    { cohort_period: 'unattributed', utm_source: 'unattributed', period_start: '2026-01-01', tenants: 1, active_tenants: 1, viewer_hours: 4, egress_gb: 3, livepeer_seconds: 100, native_seconds: 0, api_requests: 7 }
  ])
})

t.test('a filter keeps only matching tenants and drops the unattributed cohort', async (t) => {
  const { data } = await json(`/reports/cohort-usage?${RANGE}&granularity=month&signup_channel=wallet,api`)
  t.same(data.map((r) => [r.cohort_period, r.period_start, r.viewer_hours, r.native_seconds]), [
    ['2026-01-01', '2026-01-01', 0.5, 60],
    ['2026-02-01', '2026-02-01', 0, 30]
  ])
})

t.test('the funnel counts signups, activation, streaming and retention per group', async (t) => {
  const { data } = await json(`/reports/acquisition-funnel?${RANGE}&group_by=signup_channel`)
  const keys = ['signup_channel', 'signups', 'activated', 'streaming', 'retained', 'activation_rate', 'streaming_rate', 'retention_rate']
  t.same(data.map((r) => pick(r, keys)), [
    // T3 signed up by API on Feb 10, used the API that day, never streamed, and used the API in March.
    { signup_channel: 'api', signups: 1, activated: 1, streaming: 0, retained: 1, activation_rate: 1, streaming_rate: 0, retention_rate: 1 },
    // T2 streamed on its signup day but had no usage in February.
    { signup_channel: 'wallet', signups: 1, activated: 1, streaming: 1, retained: 0, activation_rate: 1, streaming_rate: 1, retention_rate: 0 },
    // T1 streamed in its first days and again in February; its replayed event counts once.
    { signup_channel: 'web', signups: 1, activated: 1, streaming: 1, retained: 1, activation_rate: 1, streaming_rate: 1, retention_rate: 1 }
  ])
})

t.test('the funnel without group_by is one total row with rates', async (t) => {
  const { data } = await json(`/reports/acquisition-funnel?${RANGE}`)
  t.same(data, [{ signups: 3, activated: 3, streaming: 2, retained: 2, activation_rate: 1, streaming_rate: 0.6667, retention_rate: 0.6667 }])
})

t.test('the activation window only counts usage within activation_days of signup', async (t) => {
  // T2's only viewer hours are on its signup day; T1 streamed on day one too. With a window
  // of one day nothing changes; a range that only holds T3 (API usage on its signup day) shows
  // that the window starts on the signup day.
  const { data } = await json('/reports/acquisition-funnel?from=2026-02-01&to=2026-03-01&activation_days=1')
  t.same(pick(data[0] as Row, ['signups', 'activated', 'streaming', 'retained']), { signups: 1, activated: 1, streaming: 0, retained: 1 })
})

t.test('groups beyond limit fold into (other) and every stage total stays whole', async (t) => {
  const { data } = await json(`/reports/acquisition-funnel?${RANGE}&group_by=signup_channel,is_agent&limit=1`)
  t.equal(data.length, 2)
  t.same(pick(data[0] as Row, ['signup_channel', 'is_agent', 'signups']), { signup_channel: 'api', is_agent: 'false', signups: 1 })
  t.same(pick(data[1] as Row, ['signup_channel', 'is_agent', 'signups', 'activated', 'streaming', 'retained']), { signup_channel: '(other)', is_agent: '(other)', signups: 2, activated: 2, streaming: 2, retained: 1 })
  for (const stage of ['signups', 'activated', 'streaming', 'retained']) {
    t.equal(data.reduce((acc, r) => acc + Number(r[stage]), 0), { signups: 3, activated: 3, streaming: 2, retained: 2 }[stage], stage)
  }
})

t.test('referral codes report partner, outcomes and the usage of their tenants', async (t) => {
  const { data } = await json(`/reports/referral-codes?${RANGE}`)
  t.same(data, [
    { referral_code: 'PARTNER1', partner: 'Acme Partners', signups: 2, applied: 1, refused_unknown: 0, refused_inactive: 0, refused_expired: 0, refused_exhausted: 1, active_tenants: 2, viewer_hours: 4.5, egress_gb: 1.625, livepeer_seconds: 0, native_seconds: 30, api_requests: 110 },
    { referral_code: 'BADCODE', partner: '', signups: 1, applied: 0, refused_unknown: 1, refused_inactive: 0, refused_expired: 0, refused_exhausted: 0, active_tenants: 1, viewer_hours: 0.5, egress_gb: 0.375, livepeer_seconds: 120.5, native_seconds: 60, api_requests: 0 }
  ])
})

t.test('tenant usage pages through every row exactly once', async (t) => {
  for (const [granularity, expected] of [['month', 5], ['day', 11]] as const) {
    const seen: string[] = []
    let cursor: string | null | undefined
    let pages = 0
    do {
      const page = await json(`/reports/tenant-usage?${RANGE}&granularity=${granularity}&limit=3${cursor != null ? `&cursor=${cursor}` : ''}`)
      t.ok(page.data.length <= 3)
      seen.push(...page.data.map((r) => `${String(r.period_start)}/${String(r.tenant_id)}`))
      cursor = page.next_cursor
      pages++
    } while (cursor != null && pages < 20)
    t.equal(seen.length, expected, granularity)
    t.same(seen, [...seen].sort(), `${granularity} rows come ordered by period then tenant`)
    t.equal(new Set(seen).size, expected)
  }
  const { data } = await json(`/reports/tenant-usage?${RANGE}&granularity=month`)
  t.same(data.map((r) => [r.period_start, r.tenant_id, r.attributed, r.signup_channel, r.viewer_hours, r.unique_viewers, r.api_requests]), [
    ['2026-01-01', T1, true, 'web', 3.5, 3, 10],
    ['2026-01-01', T2, true, 'wallet', 0.5, 2, 0],
    ['2026-01-01', T4, false, 'unattributed', 4, 1, 7],
    ['2026-02-01', T1, true, 'web', 1, 1, 0],
    ['2026-02-01', T3, true, 'api', 0, 0, 100]
  ])
})

/** Numbers compared as numbers, strings as text, with the CSV's formula guard taken off. */
function sameRows (t: Test, csvText: string, rows: Row[], label: string): void {
  const cells = csvObjects(csvText)
  t.equal(cells.length, rows.length, `${label}: row count`)
  rows.forEach((row, i) => {
    const cell = cells[i] ?? {}
    for (const [k, v] of Object.entries(row)) {
      const c = cell[k]
      if (typeof v === 'number') t.equal(Number(c), v, `${label} row ${i} ${k}`)
      else if (typeof v === 'boolean') t.equal(c, String(v), `${label} row ${i} ${k}`)
      else t.equal(c?.startsWith("'") === true && /^[=+\-@\t\r\n]/.test(String(v)) ? c.slice(1) : c, v, `${label} row ${i} ${k}`)
    }
  })
}

t.test('CSV and JSON of the same request carry the same rows and numbers', async (t) => {
  const requests = [
    `/reports/network-usage?${RANGE}&granularity=week`,
    `/reports/acquisition-funnel?${RANGE}&group_by=utm_campaign,signup_channel`,
    `/reports/cohort-usage?${RANGE}&granularity=week&cohort=week&group_by=utm_campaign`,
    `/reports/referral-codes?${RANGE}`,
    `/reports/tenant-usage?${RANGE}&granularity=day`
  ]
  for (const url of requests) {
    const { data } = await json(url)
    const { text } = await csv(`${url}&format=csv`)
    t.ok(data.length > 0, `${url} has rows`)
    t.same([...(parseCsv(text)[0] ?? [])].sort(), Object.keys(data[0] ?? {}).sort(), `${url}: header names are the JSON field names`)
    sameRows(t, text, data, url)
  }
})

t.test('a campaign value that is a formula comes out inert in CSV', async (t) => {
  const { text } = await csv(`/reports/tenant-usage?${RANGE}&granularity=month&format=csv`)
  const rows = parseCsv(text)
  const header = rows[0] as string[]
  const col = header.indexOf('utm_campaign')
  const cells = rows.slice(1).map((r) => r[col] as string)
  t.ok(cells.includes(`'${FORMULA}`))
  for (const cell of rows.slice(1).flat()) t.notOk(/^[=+\-@\t\r\n]/.test(cell), `cell ${cell} cannot start a formula`)
  // The JSON answer keeps the value as it was captured.
  const { data } = await json(`/reports/tenant-usage?${RANGE}&granularity=month`)
  t.equal(data[0]?.utm_campaign, FORMULA)
})

t.test('CSV answers carry a header row, a safe filename and no-store caching', async (t) => {
  const { text, headers } = await csv(`/reports/network-usage?${RANGE}&granularity=month&format=csv`)
  t.equal(headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(headers['content-disposition'], 'attachment; filename="network-usage_2026-01-01_2026-03-01.csv"')
  t.equal(headers['cache-control'], 'no-store')
  const lines = text.trimEnd().split('\n')
  t.equal(lines[0], '"period_start","viewer_hours","egress_gb","total_sessions","unique_viewers","livepeer_seconds","native_seconds","other_processing_seconds","api_requests","api_errors","active_tenants"')
  t.equal(lines.length, 3)
})

t.test('a CSV answer without rows still carries its header row', async (t) => {
  const { text } = await csv('/reports/referral-codes?from=2025-01-01&to=2025-02-01&format=csv')
  t.equal(text, '"referral_code","partner","signups","applied","refused_unknown","refused_inactive","refused_expired","refused_exhausted","active_tenants","viewer_hours","egress_gb","livepeer_seconds","native_seconds","api_requests"\n')
})

t.test('Accept: text/csv selects CSV unless format says otherwise', async (t) => {
  const asCsv = await app.inject({ url: `/reports/network-usage?${RANGE}&granularity=month`, headers: { ...AUTH, accept: 'text/csv' } })
  t.equal(asCsv.headers['content-type'], 'text/csv; charset=utf-8')
  const asJson = await app.inject({ url: `/reports/network-usage?${RANGE}&granularity=month&format=json`, headers: { ...AUTH, accept: 'text/csv' } })
  t.match(asJson.headers['content-type'], /^application\/json/)
})

t.test('two CSV exports at once both complete on the embedded engine', async (t) => {
  const url = `/reports/tenant-usage?${RANGE}&granularity=day&format=csv`
  const [a, b] = await Promise.all([app.inject({ url, headers: AUTH }), app.inject({ url, headers: AUTH })])
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  t.equal(a.body, b.body)
  t.equal(parseCsv(a.body).length, 12)
})

t.test('bad parameters answer 400 problem+json naming the parameter', async (t) => {
  const cases: Array<[string, string]> = [
    ['/reports/network-usage?from=2026-02-30', 'from'],
    ['/reports/network-usage?from=yesterday', 'from'],
    ['/reports/network-usage?from=2026-03-01&to=2026-01-01', 'to'],
    ['/reports/network-usage?from=2020-01-01&to=2026-01-01', 'to'],
    ['/reports/network-usage?granularity=hour', 'granularity'],
    ['/reports/network-usage?format=xml', 'format'],
    ['/reports/acquisition-funnel?group_by=utm_source,password', 'group_by'],
    ['/reports/acquisition-funnel?activation_days=0', 'activation_days'],
    ['/reports/acquisition-funnel?limit=100000', 'limit'],
    ['/reports/acquisition-funnel?utm_source=,,', 'utm_source'],
    ['/reports/cohort-usage?cohort=day', 'cohort'],
    ['/reports/cohort-usage?group_by=signup_channel,utm_source', 'group_by'],
    ['/reports/tenant-usage?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['/reports/tenant-usage?limit=-1', 'limit'],
    ['/reports/network-usage?utm_sorce=google', 'utm_sorce'],
    ['/reports/tenant-usage?granularity=day&page=2', 'page']
  ]
  for (const [url, param] of cases) {
    const res = await app.inject({ url, headers: AUTH })
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/, url)
    t.equal(res.json().param, param, url)
  }
})

t.test('reports answer 401 without credentials and 403 with wrong ones', async (t) => {
  for (const path of ['network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes', 'tenant-usage']) {
    const none = await app.inject({ url: `/reports/${path}` })
    t.equal(none.statusCode, 401, path)
    t.equal(none.json().code, 'FW_ATTR_UNAUTHORIZED')
    const wrong = await app.inject({ url: `/reports/${path}`, headers: { authorization: `Bearer ${TOKEN}x` } })
    t.equal(wrong.statusCode, 403, path)
  }
})

t.test('a host authorize hook replaces the tokens', async (t) => {
  const hosted = await buildReportsApp(ch, { operatorTokens: undefined, authorize: (req) => req.headers['x-operator'] === undefined ? 'unauthenticated' : req.headers['x-operator'] === 'ops' })
  t.teardown(() => hosted.close())
  t.equal((await hosted.inject({ url: `/reports/network-usage?${RANGE}` })).statusCode, 401)
  t.equal((await hosted.inject({ url: `/reports/network-usage?${RANGE}`, headers: { 'x-operator': 'intern' } })).statusCode, 403)
  t.equal((await hosted.inject({ url: `/reports/network-usage?${RANGE}`, headers: { 'x-operator': 'ops' } })).statusCode, 200)
})

t.test('the plugin guards only its own routes and honours a prefix', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { default: reports } = await import('../../../src/routes/reports/index.ts')
  const host = Fastify()
  host.get('/public', async () => ({ ok: true }))
  await host.register(reports, { clickhouse: ch, operatorTokens: [TOKEN], prefix: '/ops' })
  t.teardown(() => host.close())
  t.equal((await host.inject({ url: '/public' })).statusCode, 200)
  t.equal((await host.inject({ url: `/ops/reports/network-usage?${RANGE}`, headers: AUTH })).statusCode, 200)
  t.equal((await host.inject({ url: `/reports/network-usage?${RANGE}`, headers: AUTH })).statusCode, 404)
})

t.test('registration stops with the option name when an option is wrong', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { default: reports } = await import('../../../src/routes/reports/index.ts')
  const attempts: Array<[Record<string, unknown>, RegExp]> = [
    [{ operatorTokens: [TOKEN] }, /"clickhouse"/],
    [{ clickhouse: ch }, /"operatorTokens"/],
    [{ clickhouse: ch, operatorTokens: [TOKEN], maxRangeDays: 0 }, /"maxRangeDays"/],
    [{ clickhouse: ch, operatorTokens: [TOKEN], referralPartners: 'acme' }, /"referralPartners"/]
  ]
  for (const [options, message] of attempts) {
    const host = Fastify()
    await t.rejects(async () => { await host.register(reports, options as never); await host.ready() }, message)
    await host.close()
  }
})

t.test('a client that disconnects mid-export cancels the query', async (t) => {
  let signal: AbortSignal | undefined
  const endless: ClickHouseHandle = {
    ...ch,
    engine: 'server',
    streamQuery: (p) => {
      signal = p.signal
      let n = 0
      return new Readable({ read () { this.push(n++ === 0 ? '"a"\n' : '1\n'.repeat(1000)) } })
    }
  }
  const server = await buildReportsApp(endless)
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  const { port } = server.server.address() as AddressInfo
  const req = httpRequest({ port, host: '127.0.0.1', path: `/reports/network-usage?${RANGE}&format=csv`, headers: AUTH })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  t.equal(res.statusCode, 200)
  await once(res, 'data')
  t.equal(signal?.aborted, false)
  req.destroy()
  if (signal?.aborted !== true) await once(signal as AbortSignal, 'abort')
  t.equal(signal?.aborted, true)
})
