/**
 * A value computed at most once per period, for the public network stats.
 *
 * Why a cache in the process and not only `Cache-Control`: the endpoint is public, so a crowd
 * (or a script) can arrive at once; every request of a period shares one computation (one
 * engine query), and requests that arrive while it runs wait for it instead of starting
 * their own. A failed computation is not kept: the next request tries again.
 */

/**
 * A value computed at most once per `periodMs`: callers within a period get the kept value;
 * callers while a computation runs share it; a failure is handed to its waiters and not kept.
 * The period starts when the computation starts.
 */
export function periodCache<T> (compute: () => Promise<T>, periodMs: number, now: () => number = Date.now): () => Promise<T> {
  let kept: { since: number, value: T } | undefined
  let running: Promise<T> | undefined
  return async function cached () {
    if (kept !== undefined && now() - kept.since < periodMs) return kept.value
    if (running === undefined) {
      const since = now()
      running = compute().then((value) => {
        kept = { since, value }
        return value
      }).finally(() => { running = undefined })
    }
    return running
  }
}
