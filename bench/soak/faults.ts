/**
 * The soak's two in-process faults, both at the boundary the gateway already has:
 *
 * - `clickHouseSwitch` wraps the ClickHouse handle the gateway uses. While it is down every
 *   call (query, insert, command, exec, ping, and the streamed reads of the CSV exports)
 *   fails at once the way a refused connection does (`ECONNREFUSED`). The embedded chDB
 *   cannot be stopped on its own: one engine per process, and the gateway holds it.
 * - `crashableRelay` is the gateway's relay, killed the way a crashed process is: once armed,
 *   the next batch ClickHouse accepts freezes its relay before Postgres records the delivery,
 *   and its other worker freezes at its next ClickHouse call. Nothing is cleaned up: claims stay
 *   leased until their lease expires, exactly as after SIGKILL (test/ingest/relay-crash.test.ts
 *   kills a relay process for real). `restart()` starts a new relay on the same outbox.
 */
import { Readable } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import { createRelay, type ClickHouseHandle, type Database, type Relay, type RelayOptions } from '@frameworks/attribution'

const CLIENT_CALLS = new Set(['query', 'insert', 'command', 'exec', 'ping'])

/** An error shaped like a refused connection (what the package's `isUnreachable` recognises). */
function refused (): Error {
  return Object.assign(new Error('connect ECONNREFUSED (soak fault: ClickHouse refuses inserts and queries)'), { code: 'ECONNREFUSED' })
}

const never = new Promise<never>(() => {})

/** A client whose calls go through `gate` first (it throws or never settles to fail them). */
function gatedClient (client: ClickHouseClient, gate: () => Promise<void>): ClickHouseClient {
  return new Proxy(client, {
    get (target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof prop !== 'string' || !CLIENT_CALLS.has(prop) || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      }
      return async (...args: unknown[]) => {
        await gate()
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
      }
    }
  })
}

/** The switch around a ClickHouse handle. */
export interface ClickHouseSwitch {
  /** The handle to give the gateway. */
  handle: ClickHouseHandle
  /** The handle itself, for the soak's own checks (never switched off). */
  raw: ClickHouseHandle
  setDown: (down: boolean) => void
  /** Calls refused so far. */
  refused: () => number
}

/** Wraps a handle so that `setDown(true)` makes ClickHouse refuse everything until `setDown(false)`. */
export function clickHouseSwitch (raw: ClickHouseHandle): ClickHouseSwitch {
  let down = false
  let refusedCalls = 0
  const gate = async (): Promise<void> => {
    if (down) { refusedCalls++; throw refused() }
  }
  const handle: ClickHouseHandle = {
    client: gatedClient(raw.client, gate),
    frameworksClient: gatedClient(raw.frameworksClient, gate),
    engine: raw.engine,
    database: raw.database,
    attributionDatabase: raw.attributionDatabase,
    streamQuery: (params) => {
      if (!down) return raw.streamQuery(params)
      refusedCalls++
      return new Readable({ read () { this.destroy(refused()) } })
    },
    close: () => raw.close()
  }
  return { handle, raw, setDown: (value) => { down = value }, refused: () => refusedCalls }
}

/** The gateway's relay, killable mid-batch and restartable. */
export interface CrashableRelay<DB extends Database> {
  /** Give this to `buildGateway({ relay })`. */
  factory: (options: RelayOptions<DB>) => Relay
  /**
   * Kills the relay at the next batch ClickHouse accepts (before Postgres acknowledges it);
   * resolves with that batch's size once it happened, or 0 if no batch came within `waitMs`
   * (then the relay is killed wherever it is).
   */
  crash: (waitMs: number) => Promise<number>
  /** Starts a fresh relay on the same options (as a supervisor restarts the process). */
  restart: () => void
  /** Relays killed so far. */
  crashes: () => number
}

interface Life { dead: boolean, armed: boolean, onCrash: ((size: number) => void) | null }

/** Makes the crashable relay (`factory` is called once, by the gateway). */
export function crashableRelay<DB extends Database> (): CrashableRelay<DB> {
  let options: RelayOptions<DB> | undefined
  let current: { relay: Relay, life: Life } | undefined
  let crashes = 0

  function spawn (): { relay: Relay, life: Life } {
    if (options === undefined) throw new Error('the gateway has not made its relay yet')
    const life: Life = { dead: false, armed: false, onCrash: null }
    // A dead relay does nothing more: every ClickHouse call and every acknowledgement hangs.
    const hang = async (): Promise<void> => { if (life.dead) await never }
    const clickhouse: ClickHouseHandle = {
      ...options.clickhouse,
      client: gatedClient(options.clickhouse.client, hang),
      frameworksClient: gatedClient(options.clickhouse.frameworksClient, hang)
    }
    const relay = createRelay({
      ...options,
      clickhouse,
      afterInsert: async (ids) => {
        if (life.armed && !life.dead) {
          life.dead = true
          life.onCrash?.(ids.length)
        }
        if (life.dead) await never
      }
    })
    return { relay, life }
  }

  const facade: Relay = {
    start: () => { current?.relay.start() },
    // The killed relay is gone: only the current one is drained.
    drain: async () => { await current?.relay.drain() },
    runOnce: async () => { if (current === undefined) throw new Error('no relay'); return current.relay.runOnce() },
    runUntilIdle: async () => { if (current === undefined) throw new Error('no relay'); return current.relay.runUntilIdle() },
    wake: () => { current?.relay.wake() },
    metrics: () => {
      if (current === undefined) throw new Error('no relay')
      return current.relay.metrics()
    }
  }

  return {
    factory: (o) => {
      options = o
      current = spawn()
      return facade
    },
    crash: async (waitMs) => {
      const victim = current
      if (victim === undefined) throw new Error('no relay')
      crashes++
      const size = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => { victim.life.dead = true; resolve(0) }, waitMs)
        victim.life.onCrash = (n) => { clearTimeout(timer); resolve(n) }
        victim.life.armed = true
      })
      return size
    },
    restart: () => {
      current = spawn()
      current.relay.start()
    },
    crashes: () => crashes
  }
}
