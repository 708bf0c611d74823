/**
 * The example gateway: registers everything the way a FrameWorks API gateway would, on the
 * embedded engines by default (PGlite, chDB) or on real servers (`DATABASE_URL`,
 * `CLICKHOUSE_URL`). `buildGateway` is separate from `gateway.ts` (which listens and
 * handles signals) so tests can build the same app and `inject` or `listen` it.
 */
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import {
  attributionCapturePlugin, createAttributionMetrics, createRelay, healthPlugin, ingestRoutes, metricsPlugin, migrateClickHouse,
  migrateToLatest, openClickHouse, openPostgres, problemErrorHandler, referralCodeRoutes, reportsPlugin, seedDemoIfEmpty,
  skipAttribution, tenantAttributionRoutes, waitForUsageRefresh, type ClickHouseHandle, type PostgresHandle
} from '@frameworks/attribution'
import { clickHouseOptionsOf, type GatewayConfig } from './config.ts'
import { signupRoutesPlugin } from './signup/index.ts'
import { migrateExample, type ExampleDatabase } from './signup/example.repository.ts'

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

  // ── Postgres: migrations at start ─────────────────────────────────
  const postgres = await openPostgres<ExampleDatabase>({
    ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') }),
    schema: config.pgSchema
  })
  app.addHook('onClose', async () => { await postgres.close() })
  let clickhouse: ClickHouseHandle | undefined
  try {
    clickhouse = await openClickHouse(clickHouseOptionsOf(config))
    await assembleGateway(app, config, postgres, clickhouse)
    return app
  } catch (err) {
    // A gateway that failed to build is never closed by its caller, so its onClose hooks
    // never run: release both engines here (PGlite's directory lock, chDB's files).
    await clickhouse?.close().catch(() => {})
    await postgres.close().catch(() => {})
    throw err
  }
}

/** Everything after the engines are open: migrations, relay, demo data, the plugins and routes. */
async function assembleGateway (app: FastifyInstance, config: Readonly<GatewayConfig>, postgres: PostgresHandle<ExampleDatabase>, clickhouse: ClickHouseHandle): Promise<void> {
  // The package's tables, then the example's own (tenants, users, …) with their own record.
  for (const migrate of [migrateToLatest, migrateExample]) {
    const result = await migrate(postgres.db, { schema: config.pgSchema })
    if (result.error !== undefined) throw result.error
  }

  // ── ClickHouse ────────────────────────────────────────────────────
  // A server from CLICKHOUSE_URL, else chDB in DATA_DIR, in CLICKHOUSE_DATABASE (`periscope`
  // on FrameWorks: its tables are used as they are, the package adds its own beside them).
  // The relay starts once the app is ready and is drained before ClickHouse and Postgres
  // close (onClose hooks run last-in, first-out, so this one runs before the Postgres one
  // above). Later sections use `clickhouse` (e.g. the reports plugin) and `relay` (operator
  // routes).
  const snapshotStarted = Date.now()
  const clickhouseMigrated = await migrateClickHouse(clickhouse.client)
  if (clickhouseMigrated.error !== undefined) throw clickhouseMigrated.error
  // A first migration (and, on chDB, every start) begins a snapshot of FrameWorks' usage:
  // serve reports after it.
  await waitForUsageRefresh(clickhouse.client)

  // ── Metrics and health ────────────────────────────────────────────
  // The package's metrics in a registry of its own (with the process metrics); the outbox
  // and erasure gauges are read from Postgres at scrape time. Every piece below gets
  // `telemetry`. `GET /metrics` sits behind the operator tokens (a bearer-token scrape
  // job); `/healthz` and `/readyz` are open for probes.
  const metrics = createAttributionMetrics({ db: postgres.db })
  const { telemetry } = metrics
  // The usage snapshot was brought up to date above: reported as an upkeep run (the hourly
  // refreshes inside ClickHouse report nothing; an upkeep job hands each run to
  // `telemetry.usageUpkeepRun` itself).
  telemetry.usageUpkeepRun({ ok: true, finishedAt: Date.now(), durationSeconds: (Date.now() - snapshotStarted) / 1000 })
  await app.register(healthPlugin, { db: postgres.db, schema: config.pgSchema, clickhouse: clickhouse.client })

  const relay = createRelay({ db: postgres.db, clickhouse: clickhouse.client, logger: app.log.child({ module: 'relay' }), telemetry })
  metrics.observeRelay(relay)
  app.addHook('onReady', async () => { relay.start() })
  app.addHook('onClose', async () => {
    await relay.drain()
    await clickhouse.close()
  })

  // ── Demo data ─────────────────────────────────────────────────────
  // On first start (no acquisition events, no rollup store rows) an embedded chDB gets a small
  // deterministic data set (300 tenants × 120 days ending today), so a curl of the reports
  // shows real numbers. SEED_DEMO=0 turns it off, SEED_DEMO=1 also seeds an empty server.
  // Demo data is never worth a failed start: an error is logged and the gateway goes on.
  try {
    const seeded = await seedDemoIfEmpty(clickhouse, { mode: config.seedDemo ?? 'auto' })
    if (seeded.summary !== undefined) {
      app.log.info({ rows: seeded.summary.rows, elapsedMs: Math.round(seeded.summary.elapsedMs) }, 'seeded demo data')
    }
  } catch (err) {
    app.log.warn({ err }, 'demo data not seeded')
  }

  // ── Capture plugin on public routes ───────────────────────────────
  // Registered before the public routes so it sees them; the cookie is Secure unless the
  // public site is plain-HTTP development (the plugin's default), and the public host counts
  // as our own.
  await app.register(attributionCapturePlugin, {
    secrets: config.cookieSecrets,
    publicBaseUrl: config.publicBaseUrl,
    telemetry
  })
  // A landing page: the public site's stand-in, so a campaign link lands somewhere and
  // shows what the cookie now holds.
  app.get('/', async (request, reply) => {
    const snapshot = JSON.stringify(request.attribution, null, 2).replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)
    return reply.type('text/html; charset=utf-8').send(
      `<!doctype html><title>FrameWorks</title><h1>FrameWorks example gateway</h1><p>Your attribution:</p><pre>${snapshot}</pre>`)
  })

  // ── Signup paths ──────────────────────────────────────────────────
  await app.register(signupRoutesPlugin, {
    db: postgres.db,
    publicBaseUrl: config.publicBaseUrl,
    apiKeys: config.apiKeys,
    telemetry
  })

  // ── Operator-only scope: referral codes, tenant attribution, ingest, reports ──
  await app.register(async function operatorScope (scope) {
    // Operator calls are not visits: `?utm_source=…` filters a report here.
    scope.addHook('onRoute', skipAttribution)
    // Every operator plugin checks the operator tokens itself and refuses to register without.
    const auth = { operatorTokens: config.operatorTokens }
    await scope.register(metricsPlugin, { registry: metrics.registry, ...auth })
    await scope.register(referralCodeRoutes, { db: postgres.db, ...auth })
    await scope.register(tenantAttributionRoutes, { db: postgres.db, relay, ...auth })
    await scope.register(ingestRoutes, { db: postgres.db, relay, ...auth })
    // Partner names of referral codes come from Postgres, once per report. The operator
    // dashboard (`/dashboard/`, static; it asks for the token) and the public network
    // stats (`/stats/network`, no auth, network totals only) come with it.
    await scope.register(reportsPlugin, {
      clickhouse,
      ...auth,
      dashboard: true,
      telemetry,
      publicStats: { corsOrigins: config.statsCorsOrigins },
      referralPartners: async () => {
        const rows = await postgres.db.selectFrom('referral_codes').select(['code', 'partner_name']).where('partner_name', 'is not', null).execute()
        return Object.fromEntries(rows.map((r) => [r.code, r.partner_name ?? '']))
      }
    })
  })
}
