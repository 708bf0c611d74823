/**
 * Referral codes: per code, its partner, the signups that carried it in the range and what
 * became of the code at each (applied, or refused: unknown, inactive, expired, exhausted),
 * and the usage that all tenants who signed up with it generated in the range. Codes are
 * case-insensitive (as in Postgres): `SUMMER` and `summer` are one row.
 *
 * Partner names live in Postgres (`referral_codes.partner_name`), not in ClickHouse; the
 * route passes them as one bound `Map(String, String)` keyed by lower-cased code, so the
 * whole report (CSV included) stays a single ClickHouse query with no per-row JS.
 */
import {
  USAGE_METRICS, acquisitionByKey, acquisitionSubquery, assertRange, metricOutput, stringCell, usagePerTenantSubquery,
  type BuiltQuery, type DimensionFilters, type RangeInput
} from './common.query.ts'
import { COHORT_USAGE_METRICS } from './cohort-usage.query.ts'

export interface ReferralCodesInput extends RangeInput {
  filters?: DimensionFilters
  /** Lower-cased code → partner name. */
  partners?: Readonly<Record<string, string>>
}

export const REFUSAL_REASONS = ['unknown', 'inactive', 'expired', 'exhausted'] as const

export const REFERRAL_CODES_COLUMNS = [
  'referral_code', 'partner', 'signups', 'applied',
  ...REFUSAL_REASONS.map((r) => `refused_${r}` as const),
  'active_tenants', ...COHORT_USAGE_METRICS
] as const

/** Builds the referral-codes query, ordered by signups then code. */
export function buildReferralCodesQuery (input: ReferralCodesInput): BuiltQuery {
  assertRange(input)
  const params: Record<string, unknown> = { from: input.from, to: input.to, partners: { ...(input.partners ?? {}) } }
  const acq = acquisitionSubquery([], input.filters ?? {}, params, ["ifNull(referral_code, '') != ''"], [
    'assumeNotNull(referral_code) AS code',
    'toString(referral_status) AS status',
    "timestamp >= toDateTime({from:Date}, 'UTC') AND timestamp < toDateTime({to:Date}, 'UTC') AS in_range"
  ])
  const metrics = USAGE_METRICS.filter((m) => (COHORT_USAGE_METRICS as readonly string[]).includes(m))
  const query = `
WITH
  acq AS (${acq}),
  stats AS (
    SELECT lower(code) AS code_key, min(code) AS first_code, countIf(in_range) AS signups, countIf(in_range AND status = 'applied') AS applied,
      ${REFUSAL_REASONS.map((r) => `countIf(in_range AND status = '${r}') AS refused_${r}`).join(', ')}
    FROM acq GROUP BY code_key
  ),
  used AS (
    SELECT lower(a.code) AS code_key, count() AS active_tenants,
      ${metrics.map((m) => metricOutput(m, `u.${m}`)).join(',\n      ')}
    FROM (${usagePerTenantSubquery({ granularity: null, metrics, range: input })}) AS u
    INNER JOIN (${acquisitionByKey(['code'])}) AS a ON a.k = u.k
    GROUP BY code_key
  )
SELECT
  ${stringCell('stats.first_code', input.format)} AS referral_code,
  ${stringCell('{partners:Map(String, String)}[stats.code_key]', input.format)} AS partner,
  stats.signups AS signups,
  stats.applied AS applied,
  ${REFUSAL_REASONS.map((r) => `stats.refused_${r} AS refused_${r}`).join(',\n  ')},
  used.active_tenants AS active_tenants,
  ${metrics.map((m) => `used.${m} AS ${m}`).join(',\n  ')}
FROM stats
LEFT JOIN used ON used.code_key = stats.code_key
WHERE stats.signups > 0 OR used.active_tenants > 0
ORDER BY signups DESC, referral_code`
  return { query, params, columns: [...REFERRAL_CODES_COLUMNS] }
}
