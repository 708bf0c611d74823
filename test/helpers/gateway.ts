/**
 * The example gateway for tests: fresh data directory, its own Postgres schema on the real
 * server (dropped afterwards), demo seeding off unless asked for. Built on PGlite always and
 * on the real Postgres when `DATABASE_URL` is set.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildGateway, relayOf, type BuildOptions } from '../../example/app.ts'
import type { Relay } from '../../src/ingest/index.ts'
import { loadConfig } from '../../example/config.ts'

export interface GatewayTarget {
  name: 'pglite' | 'postgres'
  url: string | undefined
}

/** PGlite, plus the real server when `DATABASE_URL` is set. */
export function gatewayTargets (): GatewayTarget[] {
  const url = process.env.DATABASE_URL
  return url !== undefined && url !== ''
    ? [{ name: 'pglite', url: undefined }, { name: 'postgres', url }]
    : [{ name: 'pglite', url: undefined }]
}

export interface TestGateway {
  app: FastifyInstance
  /** The gateway's DATA_DIR (its chDB lives in `chdb/` below it, its PGlite in `pglite/`). */
  dataDir: string
  /** The gateway's Postgres schema (`PG_SCHEMA`). */
  schema: string
  /** The gateway's outbox relay: drive it (`runUntilIdle()`) when built with `{ relay: 'manual' }`. */
  relay: Relay
}

/** Builds the gateway (not listening) and cleans everything up on the test's teardown. */
export async function buildTestGateway (t: Test, target: GatewayTarget, env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fw-gateway-'))
  const schema = `t_${randomBytes(6).toString('hex')}`
  const state: { app?: FastifyInstance, closed: boolean } = { closed: false }
  t.teardown(async () => {
    if (state.app !== undefined && !state.closed) await state.app.close()
    if (target.url !== undefined) {
      const client = new pg.Client({ connectionString: target.url })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    }
    await rm(dataDir, { recursive: true, force: true })
  })
  const app = await buildGateway(loadConfig({
    DATA_DIR: dataDir,
    PG_SCHEMA: schema,
    PUBLIC_BASE_URL: 'http://localhost:3000/',
    SEED_DEMO: '0',
    ...env,
    ...(target.url !== undefined ? { DATABASE_URL: target.url } : {})
  }), options)
  state.app = app
  app.addHook('onClose', async () => { state.closed = true })
  return { app, dataDir, schema, relay: relayOf(app) }
}
