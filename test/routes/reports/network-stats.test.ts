// The stats' pure pieces: the per-period cache under a controlled clock, If-None-Match.
import t from 'tap'
import { etagOf, ifNoneMatchHits, networkStatsBody, periodCache } from '../../../src/routes/reports/network-stats.ts'
import { networkStatsRanges } from '../../../src/routes/reports/network-stats.query.ts'

t.test('the cache computes once per period however many callers wait, and again after it', async (t) => {
  let clock = 1_000_000
  let computed = 0
  let release: () => void = () => {}
  const cached = periodCache(async () => {
    computed++
    await new Promise<void>((resolve) => { release = resolve })
    return computed
  }, 300_000, () => clock)
  const waiting = Array.from({ length: 100 }, () => cached())
  release()
  t.same([...new Set(await Promise.all(waiting))], [1])
  t.equal(computed, 1)
  clock += 299_999
  t.equal(await cached(), 1, 'within the period: kept')
  t.equal(computed, 1)
  clock += 1
  const next = Array.from({ length: 100 }, () => cached())
  release()
  t.same([...new Set(await Promise.all(next))], [2])
  t.equal(computed, 2, 'one more computation for the next period')
})

t.test('a failed computation reaches its waiters and is not kept', async (t) => {
  let calls = 0
  const cached = periodCache(async () => {
    calls++
    if (calls === 1) throw new Error('engine down')
    return 'ok'
  }, 300_000, () => 0)
  const [a, b] = await Promise.allSettled([cached(), cached()])
  t.equal(a?.status, 'rejected')
  t.equal(b?.status, 'rejected')
  t.equal(calls, 1)
  t.equal(await cached(), 'ok')
  t.equal(calls, 2)
})

t.test('If-None-Match matches strong, weak, listed and * forms only', async (t) => {
  const etag = etagOf('{"a":1}')
  t.not(etag, etagOf('{"a":2}'))
  t.ok(ifNoneMatchHits(etag, etag))
  t.ok(ifNoneMatchHits(`W/${etag}`, etag))
  t.ok(ifNoneMatchHits(`"x", ${etag}`, etag))
  t.ok(ifNoneMatchHits('*', etag))
  t.notOk(ifNoneMatchHits('"x"', etag))
  t.notOk(ifNoneMatchHits(undefined, etag))
})

t.test('the last 30 days end today and all time starts at the first data', async (t) => {
  t.same(networkStatsRanges('2026-12-01'), { recent: { from: '2026-11-02', to: '2026-12-02' }, allTime: { from: '1970-01-01', to: '2026-12-02' } })
  const row = { viewer_hours: 1, egress_gb: 2, livepeer_seconds: 5400, native_seconds: 1, active_tenants: 3, data_from: '2026-03-04T05:06:07Z', first_usage_day: '2026-01-02' }
  const body = networkStatsBody([{ ...row, range_index: 1 }, { ...row, range_index: 2 }], '2026-12-01', new Date('2026-12-01T10:00:00Z'))
  t.same(body.all_time, { from: '2026-01-02', to: '2026-12-02', viewer_hours: 1, egress_gb: 2, livepeer_hours: 1.5, native_hours: 0.000278, active_tenants: 3 })
  t.equal(body.last_30_days.from, '2026-11-02')
  t.equal(networkStatsBody([], '2026-12-01', new Date()).all_time.from, null, 'no data: no first day')
})
