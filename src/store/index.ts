/**
 * The store's public surface: `recordSignup`, the Postgres migration runner (from
 * `src/postgres/migrations.ts`), the repositories and the table types. Import from here rather
 * than from the individual modules.
 */
export { recordSignup, normalizeAttribution, type RecordSignupInput, type RecordSignupResult } from './record-signup.ts'
export {
  migrateToLatest, readMigrationFiles, DEFAULT_MIGRATIONS_DIRECTORY, DEFAULT_MIGRATIONS_TABLE, DEFAULT_SCHEMA,
  type MigrateOptions, type MigrateResult, type MigrationResult
} from '../postgres/migrations.ts'
export { findTenantAttribution, insertTenantAttribution } from './tenant-attribution.repository.ts'
export {
  createReferralCode, deactivateReferralCode, findReferralCode, listReferralCodes, redeemReferralCodeForTenant,
  type ListReferralCodesOptions, type RedemptionOutcome
} from './referral-codes.repository.ts'
export { eraseTenantAttribution, type ErasureResult } from './erasure.repository.ts'
export { appendOutboxEvent, tenantCreatedEventId, uuidV5, EVENT_ID_NAMESPACE } from './outbox.repository.ts'
export { storeDb } from './database.ts'
export { utcInstant, utcIso } from './utc-timestamps.ts'
export type * from './database.ts'
