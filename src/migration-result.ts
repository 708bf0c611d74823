/**
 * The one result type of both migration runners (Postgres `migrateToLatest`, ClickHouse
 * `migrateClickHouse`): they return it instead of throwing mid-way, so a caller can report
 * what ran on each engine the same way.
 */

/** One migration and what became of it in this run. */
export interface MigrationResult {
  name: string
  /** `applied` now, `skipped` (applied before), `failed`, or `not_run` after a failure. */
  status: 'applied' | 'skipped' | 'failed' | 'not_run'
}

/** What a migration runner applied, and the error that stopped it, if any. */
export interface MigrateResult {
  results: MigrationResult[]
  /** Set when the run stopped; nothing after the failed migration was attempted. */
  error?: Error
}
