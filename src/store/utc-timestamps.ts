/**
 * Timestamps on Quartermaster's columns, read and written as UTC whatever their type.
 *
 * Why: in FrameWorks' schema `created_at` and `expires_at` are TIMESTAMP without time zone,
 * and a later FrameWorks migration makes `referral_codes.expires_at` TIMESTAMPTZ; the store
 * must be right on both, whatever the session's `TimeZone` and the process's `TZ`. Three
 * traps: Postgres converts a TIMESTAMP compared with `now()` (or assigned from a TIMESTAMPTZ)
 * through the session's `TimeZone`; `pg` and PGlite parse a TIMESTAMP value in the process's
 * local time zone; and `pg` binds a `Date` in local time with an offset, which a TIMESTAMP
 * column silently drops. So:
 *
 * - writes bind `utcIso(…)`, an ISO string ending in `Z`, never a `Date`: Postgres types the
 *   parameter after the column, a TIMESTAMP ignores the zone (UTC wall-clock time is stored)
 *   and a TIMESTAMPTZ reads it;
 * - reads and comparisons go through `utcInstant(column)`, a TIMESTAMPTZ in SQL, so drivers
 *   parse a value with its offset and `now()` compares instants.
 */
import { sql, type RawBuilder } from 'kysely'

/** `value` as an ISO string in UTC (`…Z`), the form the store binds for a timestamp. */
export function utcIso (value: Date | string): string {
  return new Date(value).toISOString()
}

/**
 * The column as TIMESTAMPTZ: a TIMESTAMP (without time zone) is read as UTC, a TIMESTAMPTZ
 * is kept. The type test is per column, not per value, so it also holds for NULL; only the
 * branch of the column's type is evaluated. `T` is `Date` for a column the store always sets.
 */
export function utcInstant<T extends Date | null = Date | null> (column: string): RawBuilder<T> {
  const ref = sql.ref(column)
  return sql<T>`(CASE WHEN pg_typeof(${ref}) = 'timestamp'::regtype THEN ${ref}::timestamp AT TIME ZONE 'UTC' ELSE ${ref}::timestamptz END)`
}
