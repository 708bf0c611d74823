/**
 * Public entry of @frameworks/attribution: the two Fastify plugins, the store functions a
 * signup handler calls, the ingest relay, the engine factories and the wire contracts.
 * The embedded engines (PGlite, chDB) are imported lazily by the factories, so importing
 * this module never loads them.
 */
export * from './contracts.ts'
export * from './errors.ts'
export { attributionCapturePlugin, skipAttribution } from './plugin/index.ts'
export type { AttributionCaptureOptions, SignupAttributionInput } from './plugin/index.ts'
export { default as reportsPlugin, type ReportsPluginOptions, type PublicStatsOptions } from './routes/reports/index.ts'
export { operatorAuthHook, type OperatorAuthOptions } from './routes/operator-auth.ts'
export { referralCodeRoutes, type ReferralCodeRoutesOptions } from './routes/referral-codes.ts'
export { tenantAttributionRoutes, type TenantAttributionRoutesOptions } from './routes/tenant-attribution.ts'
export * from './store/index.ts'
export * from './ingest/index.ts'
export { openPostgres, ensureSchema, type PostgresHandle, type PostgresOptions } from './db/postgres.ts'
export { openClickHouse, type ClickHouseHandle, type ClickHouseOptions, type StreamQueryParams } from './clickhouse/client.ts'
export { migrateClickHouse, refreshUsage, CLICKHOUSE_MIGRATIONS_DIR } from './clickhouse/migrations.ts'
