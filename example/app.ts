/**
 * The example gateway: registers everything the way a FrameWorks API gateway would, on the
 * embedded engines by default (PGlite, chDB) or on real servers (`DATABASE_URL`,
 * `CLICKHOUSE_URL`). `buildGateway` is separate from `gateway.ts` (which listens and
 * handles signals) so tests can build the same app and `inject` or `listen` it.
 */
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { GatewayConfig } from '../src/config.ts'
import { problemErrorHandler } from '../src/errors.ts'
import { operatorAuthHook } from '../src/routes/operator-auth.ts'
import { openPostgres } from '../src/db/postgres.ts'

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
}

/** Builds the example gateway (not yet listening). Closing it closes every engine it opened. */
export async function buildGateway (config: Readonly<GatewayConfig>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    requestTimeout: 120_000
  })
  app.setErrorHandler(problemErrorHandler)

  // ── Postgres (issue 3: migrations at start) ─────────────────────────────────
  const postgres = await openPostgres({
    ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') }),
    schema: config.pgSchema
  })
  app.addHook('onClose', async () => { await postgres.close() })

  // ── ClickHouse (issue 4) ────────────────────────────────────────────────────

  // ── Capture plugin on public routes (issue 2) ───────────────────────────────

  // ── Signup paths (issue 3) ──────────────────────────────────────────────────

  // ── Operator-only scope: referral codes (3), ingest (4), reports (5) ────────
  await app.register(async function operatorScope (scope) {
    scope.addHook('onRequest', operatorAuthHook({ operatorTokens: config.operatorTokens }))
  })

  app.get('/healthz', async () => ({ ok: true }))
  return app
}
