import { test } from 'tap'
import ts from 'typescript'

// The public API, pinned: a change to this list is a deliberate change of the package's
// contract (and of its semver), never a side effect of an `export` added deep inside src/.
const VALUES = [
  'CAPTURE_DECISIONS', 'CHANNEL_GROUPS', 'CLIENT_KINDS', 'DEFAULT_RELAY_CONCURRENCY', 'NOOP_TELEMETRY',
  'ERR_AUTHENTICATION_FAILED', 'ERR_BAD_REQUEST', 'ERR_CONFLICT', 'ERR_ENGINE_MISSING', 'ERR_FORBIDDEN', 'ERR_INVALID_OPTION',
  'ERR_NOT_FOUND', 'ERR_PAYMENT_REQUIRED', 'ERR_RATE_LIMITED', 'ERR_UNAUTHORIZED', 'ERR_UNAVAILABLE',
  'ProblemSchema', 'REFERRAL_CODE_PATTERN', 'REFERRAL_STATUSES', 'SIGNUP_CHANNELS',
  'attributionCapturePlugin', 'bearerToken', 'createAttributionMetrics', 'createReadinessCheck', 'createReferralCode', 'createRelay',
  'healthPlugin', 'metricsPlugin', 'deactivateReferralCode', 'findReferralCode',
  'findTenantAttribution', 'ingestRoutes', 'ingestServiceEvents', 'listReferralCodes', 'migrateClickHouse',
  'migrateToLatest', 'openClickHouse', 'openPostgres', 'operatorAuthHook', 'operatorOf', 'outboxStatus',
  'parseSeedDemoMode', 'problemErrorHandler', 'pruneDelivered', 'recordSignup', 'rebuildAttribution', 'referralCodeRoutes',
  'reportsPlugin', 'requeueParked', 'runUsageUpkeep', 'seedDemoIfEmpty', 'skipAttribution', 'tenantAttributionRoutes', 'toProblem',
  'tokenMatcher', 'createUsageUpkeep'
]
const TYPES = [
  'AttributionCaptureOptions', 'AttributionMetrics', 'AttributionMetricsOptions', 'AttributionTelemetry', 'CaptureDecision',
  'ClickHouseOperation', 'DatabaseCheck', 'HealthPluginOptions', 'MetricsPluginOptions', 'ReadinessOptions', 'ReadinessResult',
  'RelayEventOutcome', 'RelayFailureKind', 'UsageUpkeepRun', 'AttributionConsent', 'AttributionConsentHook', 'AttributionSnapshot', 'AuthorizeVerdict', 'ChannelGroup', 'ClickHouseHandle',
  'ClickHouseOptions', 'ClientKind', 'Database', 'HostKysely', 'IngestRoutesOptions', 'ListReferralCodesOptions',
  'MigrateOptions', 'MigrateResult', 'MigrationResult', 'NewReferralCode', 'OperatorAuthOptions', 'OutboxStatus',
  'ParkedEvent', 'PostgresHandle', 'PublicStatsOptions', 'PostgresOptions', 'Problem', 'RecordSignupInput', 'RecordSignupResult',
  'ReferralCode', 'ReferralCodeRoutesOptions', 'ReferralStatus', 'Relay', 'RelayLogger', 'RelayMetrics', 'RelayOptions',
  'ReportsPluginOptions', 'SeedDemoIfEmptyOptions', 'SeedDemoIfEmptyResult', 'SeedDemoMode', 'ServiceEventRejection',
  'ServiceEventsResult', 'SignupAttribution', 'SignupAttributionInput', 'SignupChannel', 'SignupMethod', 'SignupUtm', 'StoreExecutor',
  'TenantAttributionRoutesOptions', 'TenantAttributionRow', 'TenantCreatedEvent', 'Touch',
  'UsageUpkeep', 'UsageUpkeepOptions', 'UsageUpkeepResult', 'UsageUpkeepSchedulerOptions', 'UsageUpkeepStatus',
  'RebuildOptions', 'RebuildResult'
]

/** Every name `src/index.ts` exports (values and types), with whether its declaration has JSDoc. */
function declaredExports (): Map<string, boolean> {
  const entry = 'src/index.ts'
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true, noEmit: true, strict: true, skipLibCheck: true
  })
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!
  const out = new Map<string, boolean>()
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol
    // JSDoc on the declaration, or on the export specifier in src/index.ts.
    const doc = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim()
    out.set(symbol.name, doc(symbol).length > 0 || doc(target).length > 0)
  }
  return out
}

test('the public entry exports exactly the pinned list, each name documented, and loads no embedded engine', async (t) => {
  const entry = await import('../../src/index.ts')
  t.same(Object.keys(entry).sort(), [...VALUES].sort(), 'the runtime exports are the pinned values')
  const declared = declaredExports()
  t.same([...declared.keys()].sort(), [...VALUES, ...TYPES].sort(), 'values and types are the pinned list')
  t.same([...declared].filter(([, documented]) => !documented).map(([name]) => name), [], 'every export has JSDoc')
  const loaded = Object.keys(await import('node:module').then((m) => m.createRequire(import.meta.url).cache))
  t.notOk(loaded.some((file) => /[\\/](chdb|@electric-sql[\\/]pglite)[\\/]/.test(file)), 'chDB and PGlite stay unloaded')
})

test('the built package (npm run build) loads under plain node by its name and exports what the source exports', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  // No tsx here: what a production gateway runs. The package imports itself by name through
  // `exports`, and its built migration runner finds the SQL files shipped beside dist/.
  const script = [
    "const m = await import('@frameworks/attribution')",
    "const { CLICKHOUSE_MIGRATIONS_DIR } = await import(new URL('./clickhouse/migrations.js', import.meta.resolve('@frameworks/attribution')))",
    "const { existsSync } = await import('node:fs')",
    "console.log(JSON.stringify({ keys: Object.keys(m).sort(), sql: existsSync(CLICKHOUSE_MIGRATIONS_DIR + '/frameworks/001_frameworks_tables.sql') && existsSync(CLICKHOUSE_MIGRATIONS_DIR + '/attribution/001_attribution_signups.sql') }))"
  ].join('\n')
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env: { ...process.env, NODE_OPTIONS: '' } })
  const built = JSON.parse(stdout) as { keys: string[], sql: boolean }
  t.same(built.keys, Object.keys(await import('../../src/index.ts')).sort())
  t.ok(built.sql, 'the built code finds the SQL migrations')
})

test('a missing embedded engine is refused with an error that says how to install it', async (t) => {
  const { importOptional } = await import('../../src/errors.ts')
  const missing = () => import('no-such-embedded-engine' as string)
  await t.rejects(importOptional(missing, 'chDB', 'no-such-embedded-engine', 'url'), { code: 'FW_ATTR_ENGINE_MISSING', message: /chDB is not installed.*npm install no-such-embedded-engine.*give `url`/ })
  const broken = () => Promise.reject(new Error('engine crashed while loading'))
  await t.rejects(importOptional(broken, 'chDB', 'chdb', 'url'), /engine crashed/, 'other load failures pass through unchanged')
})
