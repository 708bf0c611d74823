import t from 'tap'
import {
  ReportParamError, chooseFormat, csvDisposition, decodeCursor, encodeCursor, parseFilters, resolveRange
} from '../../../src/routes/reports/report-request.ts'
import { nextPeriod, periodStart } from '../../../src/routes/reports/common.query.ts'

t.test('the range defaults to the last 30 days including today', async (t) => {
  t.same(resolveRange({}, 1096, 30, new Date('2026-03-10T15:00:00Z')), { from: '2026-02-09', to: '2026-03-11' })
  t.same(resolveRange({ to: '2026-01-01' }, 1096, 30), { from: '2025-12-02', to: '2026-01-01' })
})

/** The parameter a failing call names. */
function param (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return err instanceof ReportParamError ? err.param : 'not a ReportParamError' }
  return undefined
}

t.test('a range that is empty, reversed, too long or not a calendar date names its parameter', async (t) => {
  t.equal(param(() => resolveRange({ from: '2026-01-01', to: '2026-01-01' }, 1096, 30)), 'to')
  t.equal(param(() => resolveRange({ from: '2026-01-01', to: '2029-01-02' }, 1096, 30)), 'to')
  t.equal(param(() => resolveRange({ from: '2026-02-29', to: '2026-03-02' }, 1096, 30)), 'from')
  t.same(resolveRange({ from: '2026-01-01', to: '2029-01-01' }, 1096, 30), { from: '2026-01-01', to: '2029-01-01' })
})

t.test('filters split on commas, trim and drop duplicates', async (t) => {
  t.same(parseFilters({ utm_source: 'google, bing,google', other: 'x' }), { utm_source: ['google', 'bing'] })
  t.equal(param(() => parseFilters({ utm_medium: ' , ' })), 'utm_medium')
})

t.test('format wins over Accept, and Accept text/csv alone selects CSV', async (t) => {
  t.equal(chooseFormat(undefined, 'text/csv'), 'csv')
  t.equal(chooseFormat(undefined, 'text/csv;q=0.9, */*'), 'csv')
  t.equal(chooseFormat(undefined, 'application/json, text/csv'), 'json')
  t.equal(chooseFormat(undefined, 'text/csvx'), 'json')
  t.equal(chooseFormat('json', 'text/csv'), 'json')
  t.equal(chooseFormat('csv', undefined), 'csv')
})

t.test('a cursor round-trips and a forged one is refused', async (t) => {
  const cursor = { period_start: '2026-01-05', tenant_id: '11111111-1111-4111-8111-111111111111' }
  t.same(decodeCursor(encodeCursor(cursor)), cursor)
  t.equal(param(() => decodeCursor(Buffer.from('["2026-01-05","1\'; DROP"]').toString('base64url'))), 'cursor')
  t.equal(param(() => decodeCursor('%%%')), 'cursor')
})

t.test('periods start on the UTC day, the ISO Monday and the first of the month', async (t) => {
  t.equal(periodStart('2026-01-04', 'week'), '2025-12-29')
  t.equal(periodStart('2026-01-05', 'week'), '2026-01-05')
  t.equal(periodStart('2026-02-28', 'month'), '2026-02-01')
  t.equal(nextPeriod('2025-12-29', 'week'), '2026-01-05')
  t.equal(nextPeriod('2026-12-01', 'month'), '2027-01-01')
  t.equal(nextPeriod('2026-02-28', 'day'), '2026-03-01')
})

t.test('the CSV filename keeps only safe characters', async (t) => {
  t.equal(csvDisposition('tenant-usage', '2026-01-01', '2026-02-01'), 'attachment; filename="tenant-usage_2026-01-01_2026-02-01.csv"')
  t.equal(csvDisposition('x"\r\nSet-Cookie: a=b', '2026-01-01', '2026-02-01'), 'attachment; filename="x___Set-Cookie__a_b_2026-01-01_2026-02-01.csv"')
})
