// The public stats' ranges and answer, from rows as the engine reads them.
import t from 'tap'
import { publicStatsBody } from '../../../src/routes/public-stats/answer.ts'
import { publicStatsRanges } from '../../../src/routes/public-stats/public-stats.query.ts'

t.test('the last 30 days end today and all time starts at the first data', async (t) => {
  t.same(publicStatsRanges('2026-12-01'), { recent: { from: '2026-11-02', to: '2026-12-02' }, allTime: { from: '1970-01-01', to: '2026-12-02' } })
  const row = { viewer_hours: 1, egress_gb: 2, livepeer_seconds: 5400, native_seconds: 1, active_tenants: 3, data_from: '2026-03-04T05:06:07Z', first_usage_day: '2026-01-02' }
  const body = publicStatsBody([{ ...row, range_index: 1 }, { ...row, range_index: 2 }], '2026-12-01', new Date('2026-12-01T10:00:00Z'))
  t.same(body.all_time, { from: '2026-01-02', to: '2026-12-02', viewer_hours: 1, egress_gb: 2, livepeer_hours: 1.5, native_hours: 0.000278, active_tenants: 3 })
  t.equal(body.last_30_days.from, '2026-11-02')
  t.equal(publicStatsBody([], '2026-12-01', new Date()).all_time.from, null, 'no data: no first day')
})
