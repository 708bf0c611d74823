/**
 * The example gateway: registers everything the way a FrameWorks API gateway would, on the
 * embedded engines by default (PGlite, chDB) or on real servers (`DATABASE_URL`,
 * `CLICKHOUSE_URL`). `buildGateway` is separate from `gateway.ts` (which listens and
 * handles signals) so tests can build the same app and `inject` or `listen` it.
 */
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import {
  attributionCapturePlugin, createAttributionMetrics, createRelay, createUsageUpkeep, healthPlugin, ingestRoutes, metricsPlugin,
  migrateClickHouse, migrateToLatest, openClickHouse, openPostgres, problemErrorHandler, referralCodeRoutes, reportsPlugin,
  seedDemoIfEmpty, skipAttribution, tenantAttributionRoutes,
  type ClickHouseHandle, type PostgresHandle, type Relay, type RelayOptions, type UsageUpkeep
} from '@frameworks/attribution'
import { clickHouseOptionsOf, type GatewayConfig } from './config.ts'
import { signupRoutesPlugin } from './signup/index.ts'
import { migrateExample, type ExampleDatabase } from './signup/example.repository.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's usage upkeep (`runOnce` waits for a running pass, then runs one). */
    usageUpkeep: UsageUpkeep
  }
}

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
  /**
   * `background` (default): the outbox relay starts when the app is ready and drains when it
   * closes. `manual`: it never starts on its own; whoever built the app delivers with
   * `relayOf(app).runUntilIdle()` (tests do, instead of waiting for the loop).
   */
  relay?: 'background' | 'manual'
  /**
   * Wraps the ClickHouse handle every part of the gateway uses (the soak's fault switch,
   * `bench/soak/`). The gateway closes what this returns.
   */
  wrapClickHouse?: (handle: ClickHouseHandle) => ClickHouseHandle
  /** Makes the gateway's relay from its options; default `createRelay` (the soak's can crash). */
  makeRelay?: (options: RelayOptions<ExampleDatabase>) => Relay
}

const relays = new WeakMap<FastifyInstance, Relay>()

/** The outbox relay of a gateway that `buildGateway` built (drained when the app closes). */
export function relayOf (app: FastifyInstance): Relay {
  const relay = relays.get(app)
  if (relay === undefined) throw new Error('this app was not built by buildGateway')
  return relay
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
    if (options.wrapClickHouse !== undefined) clickhouse = options.wrapClickHouse(clickhouse)
    await assembleGateway(app, config, postgres, clickhouse, options.relay ?? 'background', options.makeRelay ?? createRelay)
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
async function assembleGateway (
  app: FastifyInstance, config: Readonly<GatewayConfig>, postgres: PostgresHandle<ExampleDatabase>, clickhouse: ClickHouseHandle,
  relayMode: 'background' | 'manual', makeRelay: (options: RelayOptions<ExampleDatabase>) => Relay
): Promise<void> {
  // The package's tables, then the example's own (tenants, users, …) with their own record.
  for (const migrate of [migrateToLatest, migrateExample]) {
    const result = await migrate(postgres.db, { schema: config.pgSchema })
    if (result.error !== undefined) throw result.error
  }

  // ── ClickHouse ────────────────────────────────────────────────────
  // A server from CLICKHOUSE_URL, else chDB in DATA_DIR. FrameWorks' database
  // (CLICKHOUSE_DATABASE, `periscope`) is only read and appended to; everything of the
  // package's lives in its own (CLICKHOUSE_ATTRIBUTION_DATABASE, `attribution`).
  // The relay (unless built with `relay: 'manual'`) and the hourly usage upkeep start once the
  // app is ready and are stopped before ClickHouse and Postgres close (onClose hooks run
  // last-in, first-out, so this one runs before the Postgres one above). The upkeep's first
  // pass runs at once, in the background: it catches up on what FrameWorks rewrote while the
  // gateway was down (bounded work, not a rebuild); on a Postgres server an advisory lock
  // keeps two gateways from running it at once.
  const clickhouseMigrated = await migrateClickHouse(clickhouse)
  if (clickhouseMigrated.error !== undefined) throw clickhouseMigrated.error

  // ── Metrics and health ────────────────────────────────────────────
  // The package's metrics in a registry of its own (with the process metrics); the outbox
  // and erasure gauges are read from Postgres at scrape time. Every piece below gets
  // `telemetry`. `GET /metrics` sits behind the operator tokens (a bearer-token scrape
  // job); `/healthz` and `/readyz` are open for probes.
  const metrics = createAttributionMetrics({ db: postgres.db })
  const { telemetry } = metrics
  await app.register(healthPlugin, { db: postgres.db, schema: config.pgSchema, clickhouse })

  const relay = makeRelay({ db: postgres.db, clickhouse, logger: app.log.child({ module: 'relay' }), telemetry })
  relays.set(app, relay)
  metrics.observeRelay(relay)
  const upkeepLog = app.log.child({ module: 'usage-upkeep' })
  const upkeep = createUsageUpkeep({
    clickhouse,
    ...(postgres.engine === 'postgres' ? { db: postgres.db } : {}),
    telemetry,
    onRun: ({ result, error, skipped }) => {
      if (error !== undefined) upkeepLog.error({ err: error }, 'usage upkeep failed')
      else if (skipped === true) upkeepLog.debug({}, 'usage upkeep skipped: another gateway runs it')
      else upkeepLog.info({ ...result }, 'usage upkeep done')
    }
  })
  app.decorate('usageUpkeep', upkeep)
  app.addHook('onReady', async () => {
    if (relayMode === 'background') relay.start()
    upkeep.start()
  })
  app.addHook('onClose', async () => {
    await relay.drain()
    await upkeep.stop()
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
