/**
 * One stream at a time on chDB: its engine runs a single streaming query per process, so
 * long reads (CSV exports) queue per handle; a waiter whose client leaves drops out of the
 * queue. A server streams any number at once and never waits here.
 */
import type { ClickHouseHandle } from './client.ts'

/** One CSV stream at a time on chDB; a waiter that aborts leaves the queue. */
class StreamGate {
  private busy = false
  private readonly waiters: Array<() => void> = []

  async acquire (signal: AbortSignal): Promise<() => void> {
    if (this.busy) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiters.indexOf(wake)
          if (i >= 0) this.waiters.splice(i, 1)
          reject(signal.reason as Error)
        }
        const wake = (): void => { signal.removeEventListener('abort', onAbort); resolve() }
        this.waiters.push(wake)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    }
    this.busy = true
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      if (next !== undefined) next()
      else this.busy = false
    }
  }
}
const gates = new WeakMap<ClickHouseHandle, StreamGate>()

/**
 * Waits for this handle's turn to stream (at once on a server) and returns the release
 * (idempotent), to call when the stream is done or failed to open.
 */
export async function acquireStream (ch: ClickHouseHandle, signal: AbortSignal): Promise<() => void> {
  if (ch.engine !== 'chdb') return () => {}
  let gate = gates.get(ch)
  if (gate === undefined) { gate = new StreamGate(); gates.set(ch, gate) }
  return gate.acquire(signal)
}
