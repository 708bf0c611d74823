// The public stats' cache under a controlled clock: one computation per period.
import t from 'tap'
import { periodCache } from '../../../src/routes/public-stats/period-cache.ts'

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
