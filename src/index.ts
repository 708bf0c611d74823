/**
 * Public entry of `@frameworks/attribution`, grouped by piece. The list is explicit (no
 * `export *`) and pinned by `test/package/entry.test.ts`, so adding or removing a name is a
 * deliberate change. Everything else under `src/` is internal and may change in any release.
 *
 * The embedded engines (PGlite, chDB) are imported lazily by `openPostgres` and
 * `openClickHouse`, so importing this module never loads them; a production install without
 * them (`npm install --omit=optional`) works against real servers.
 */

// ── Contracts: the shapes every piece agrees on ─────────────────────────────────
export {
  /** The signup paths a `SignupAttribution` can come from: `web`, `wallet`, `x402`, `api`. */
  SIGNUP_CHANNELS,
  /** The kinds of client the capture plugin tells apart (browser, AI agent, crawler, script, …). */
  CLIENT_KINDS,
  /** The channel groups reports group signups by (`paid_search`, `referral`, `ai_assistant`, …). */
  CHANNEL_GROUPS,
  /** The outcomes of a referral code at signup (`applied`, `unknown`, `inactive`, …). */
  REFERRAL_STATUSES
} from './contracts.ts'
export type {
  SignupChannel, SignupMethod, ClientKind, ChannelGroup, ReferralStatus,
  Touch, AttributionSnapshot, SignupAttribution, TenantCreatedEvent
} from './contracts.ts'

// ── Errors: coded errors and the problem+json handler ───────────────────────────
export {
  /** A plugin option is missing or invalid: registration stops with this (500, programming error). */
  ERR_INVALID_OPTION,
  /** 400: the request is invalid; the message says what to fix. */
  ERR_BAD_REQUEST,
  /** 401: operator credentials are missing. */
  ERR_UNAUTHORIZED,
  /** 403: operator credentials are not allowed. */
  ERR_FORBIDDEN,
  /** 404: the named resource does not exist. */
  ERR_NOT_FOUND,
  /** 409: the resource exists already. */
  ERR_CONFLICT,
  /** 402: payment is required (x402 paid provisioning). */
  ERR_PAYMENT_REQUIRED,
  /** 503: a database is unavailable; try again. */
  ERR_UNAVAILABLE,
  /** 401: a signup credential (password, signature, API key) did not verify. */
  ERR_AUTHENTICATION_FAILED,
  /** 429: too many requests to a public route; `Retry-After` says when to come back. */
  ERR_RATE_LIMITED,
  /** An embedded engine (PGlite, chDB) was asked for but is not installed; the message says how to install it. */
  ERR_ENGINE_MISSING,
  /** A Fastify error handler answering RFC 9457 problem+json for every error, 5xx without internals. */
  problemErrorHandler,
  /** The problem+json body of a coded error, for a host that adds fields (e.g. x402's payment requirements). */
  toProblem
} from './errors.ts'
export type { Problem } from './errors.ts'
/** The TypeBox schema of a problem+json body, for hosts documenting their own routes. */
export { ProblemSchema } from './routes/operator-errors.schema.ts'

// ── Capture plugin (public routes of the gateway) ───────────────────────────────
export {
  /** The capture plugin: first-touch cookie, `request.attribution`, `request.signupAttribution()`. */
  attributionCapturePlugin,
  /** An `onRoute` hook that turns capture off for every route of a scope (operator scopes). */
  skipAttribution
} from './plugin/index.ts'
export type { AttributionCaptureOptions, SignupAttributionInput, SignupUtm } from './plugin/index.ts'
export type { AttributionConsent, AttributionConsentHook } from './plugin/options.ts'

// ── Store: recording signups in the tenant-creation transaction (Postgres) ──────
export {
  /** Records a signup's attribution, its outbox event and its referral redemption in the caller's transaction. */
  recordSignup,
  /** Applies the package's Postgres migrations (frozen, numbered SQL) and reports what ran. */
  migrateToLatest,
  /** The stored attribution of a tenant, or undefined. */
  findTenantAttribution
} from './store/index.ts'
export type { RecordSignupInput, RecordSignupResult, MigrateOptions } from './store/index.ts'
export type { MigrateResult, MigrationResult } from './migration-result.ts'
export {
  /** Creates a referral code; undefined when the code exists already (in any case). */
  createReferralCode,
  /** A referral code by its exact spelling, else the one code equal ignoring case. */
  findReferralCode,
  /** Referral codes in code order, a page at a time. */
  listReferralCodes,
  /** Marks a code inactive; undefined when there is no such code. */
  deactivateReferralCode
} from './store/index.ts'
export type { ListReferralCodesOptions } from './store/index.ts'
/** A referral code a user may type: the same rule the operator routes enforce. */
export { REFERRAL_CODE_PATTERN } from './routes/referral-codes.schema.ts'
export type {
  Database, HostKysely, StoreExecutor, ReferralCode, NewReferralCode, TenantAttributionRow
} from './store/index.ts'

// ── Engines: one place that opens database clients ──────────────────────────────
export {
  /** Opens Postgres: a server (`url`) or embedded PGlite (`dataDir`, an optional dependency). */
  openPostgres
} from './postgres/client.ts'
export type { PostgresHandle, PostgresOptions } from './postgres/client.ts'
export {
  /** Opens ClickHouse: a server (`url`) or embedded chDB (`dataDir`, an optional dependency). */
  openClickHouse
} from './clickhouse/client.ts'
export type { ClickHouseHandle, ClickHouseOptions } from './clickhouse/client.ts'
export {
  /** Creates what the package needs in ClickHouse beside FrameWorks' tables, which it never alters. */
  migrateClickHouse
} from './clickhouse/migrations.ts'
export {
  /** One pass of the usage upkeep: recomputes only the days FrameWorks rewrote (a full build one month at a time when needed). */
  runUsageUpkeep
} from './clickhouse/usage-upkeep.ts'
export {
  /** The upkeep's scheduler (hourly): start, stop, runOnce, status and an onRun callback. */
  createUsageUpkeep
} from './clickhouse/usage-upkeep-scheduler.ts'
export {
  /** Rebuilds the package's ClickHouse database from FrameWorks' acquisition table, Quartermaster's tenant_attribution and the usage views. */
  rebuildAttribution
} from './clickhouse/rebuild.ts'
export type { RebuildOptions, RebuildResult } from './clickhouse/rebuild.ts'
export type { UsageUpkeepOptions, UsageUpkeepResult } from './clickhouse/usage-upkeep.ts'
export type { UsageUpkeep, UsageUpkeepSchedulerOptions, UsageUpkeepStatus } from './clickhouse/usage-upkeep-scheduler.ts'

// ── Ingest: the outbox relay into ClickHouse and service events ─────────────────
export {
  /** The relay: moves `tenant_created` events from the outbox into ClickHouse, none lost, none doubled. */
  createRelay,
  /** Validates and enqueues `tenant_created` events from other services (the same outbox). */
  ingestServiceEvents,
  /** Pending and parked outbox events, and the age of the oldest. */
  outboxStatus,
  /** Puts parked events back in the queue. */
  requeueParked,
  /** Deletes delivered events older than a retention. */
  pruneDelivered
} from './ingest/index.ts'
/** How many batches a relay inserts at once unless `concurrency` says otherwise. */
export { DEFAULT_CONCURRENCY as DEFAULT_RELAY_CONCURRENCY } from './ingest/relay-options.ts'
export type { Relay, RelayOptions, RelayMetrics, RelayLogger, ServiceEventsResult, ServiceEventRejection, OutboxStatus, ParkedEvent } from './ingest/index.ts'

// ── Operator plugins: every one takes `OperatorAuthOptions` and refuses to register without ──
export {
  /** Reports over ClickHouse: network usage, funnel, cohorts, referral codes, tenant usage; JSON or CSV. */
  reportsPlugin
} from './routes/reports/index.ts'
export type { ReportsPluginOptions, PublicStatsOptions } from './routes/reports/index.ts'
export {
  /** `/referral-codes`: create, list, show, deactivate. */
  referralCodeRoutes
} from './routes/referral-codes.ts'
export type { ReferralCodeRoutesOptions } from './routes/referral-codes.ts'
export {
  /** `/tenants/:tenantId/attribution`: a tenant's stored attribution. */
  tenantAttributionRoutes
} from './routes/tenant-attribution.ts'
export type { TenantAttributionRoutesOptions } from './routes/tenant-attribution.ts'
export {
  /** `/ingest/*`: relay status, service-event ingest, requeue of parked events. */
  ingestRoutes
} from './ingest/index.ts'
export type { IngestRoutesOptions } from './ingest/index.ts'
export {
  /** An `onRequest` hook with the operator plugins' auth, for a host's own operator routes. */
  operatorAuthHook,
  /** The fingerprint of the operator credential that authorized a request (for audit records). */
  operatorOf,
  /** The token of an `Authorization: Bearer` header, for a host's own key checks (API keys). */
  bearerToken,
  /** A constant-time matcher of presented tokens against a list (the index of the match, or -1). */
  tokenMatcher
} from './routes/operator-auth.ts'
export type { OperatorAuthOptions, AuthorizeVerdict } from './routes/operator-auth.ts'

// ── Operations: Prometheus metrics, liveness and readiness ─────────────────────
export {
  /** Registers the package's Prometheus metrics in a registry (the host's or its own) and returns the telemetry its pieces report into. */
  createAttributionMetrics,
  /** `GET /metrics`: the Prometheus text exposition, behind operator auth unless `public`. */
  metricsPlugin,
  /** `GET /healthz` (liveness, no database) and `GET /readyz` (Postgres and ClickHouse up and migrated, else 503). */
  healthPlugin,
  /** The readiness check without Fastify (cached, bounded), for hosts with their own probe route. */
  createReadinessCheck,
  /** Telemetry that records nothing: the default of every piece. */
  NOOP_TELEMETRY,
  /** The decisions the capture hook reports (`cookie_set`, `cookie_updated`, …). */
  CAPTURE_DECISIONS
} from './operations/index.ts'
export type {
  AttributionTelemetry, CaptureDecision, ClickHouseOperation, RelayEventOutcome, RelayFailureKind, UsageUpkeepRun,
  AttributionMetrics, AttributionMetricsOptions, ReadinessOptions, ReadinessResult, DatabaseCheck,
  HealthPluginOptions, MetricsPluginOptions
} from './operations/index.ts'

// ── Demo data ───────────────────────────────────────────────────────────────────
export {
  /** Seeds deterministic demo data into a fresh embedded engine (or a server, when asked) once. */
  seedDemoIfEmpty,
  /** Reads a `SEED_DEMO` setting (`auto`, `always`/`1`, `never`/`0`). */
  parseSeedDemoMode
} from './seed/index.ts'
export type { SeedDemoMode, SeedDemoIfEmptyOptions, SeedDemoIfEmptyResult } from './seed/index.ts'
