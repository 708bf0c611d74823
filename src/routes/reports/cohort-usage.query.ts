/**
 * Cohort usage: network usage split by signup cohort (week or month of the acquisition
 * event) and one attribution dimension, per usage period.
 *
 * Usage is summed per (usage period, tenant), keyed by the tenant's 64-bit `tenantKey` (see
 * `usagePerTenantSubquery`), then joined to the small per-tenant acquisition side (the
 * hash-built right side, one row per key) and aggregated to (cohort, group, period); active
 * tenants are a count of those (period, tenant) rows. For days the usage table's own rows
 * are already one per (day, tenant), so they are joined as they are, unsummed. Cohorts
 * are grouped on their Date (not its string) and named at the end. Without filters the join
 * is a LEFT join and tenants without an acquisition event land in the `unattributed`
 * cohort, so for every period and metric the rows add up to exactly the network-usage figure
 * (each tenant key belongs to one cohort; each figure is rounded after the same sums). With
 * filters, only tenants matching them are counted.
 *
 * `tenants` is the cohort group's size: its signups (all time, filters applied); for
 * `unattributed`, the distinct tenants with usage in the range.
 */
import {
  tenantKey,
  UNATTRIBUTED, USAGE_METRICS, acquisitionByKey, acquisitionSubquery, assertDimension, assertRange, dimColumn,
  hasFilters, metricOutput, periodOf, stringCell, usagePerTenantSubquery, usageRowsSubquery,
  type BuiltQuery, type CohortPeriod, type Dimension, type DimensionFilters, type Granularity, type RangeInput
} from './common.query.ts'

export interface CohortUsageInput extends RangeInput {
  cohort: CohortPeriod
  granularity: Granularity
  /** One dimension; omitted → one group per cohort (column absent). */
  groupBy?: Dimension
  filters?: DimensionFilters
}

export const COHORT_USAGE_METRICS = ['viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'api_requests'] as const

/** Builds the cohort-usage query, ordered by cohort, group, period. */
export function buildCohortUsageQuery (input: CohortUsageInput): BuiltQuery {
  assertRange(input)
  if (input.groupBy !== undefined) assertDimension(input.groupBy)
  const params: Record<string, unknown> = { from: input.from, to: input.to }
  const filters = input.filters ?? {}
  const dims = input.groupBy === undefined ? [] : [input.groupBy]
  const acq = acquisitionSubquery(dims, filters, params)
  const cohortOf = periodOf(input.cohort, 'signup_day')
  const join = hasFilters(filters) ? 'INNER JOIN' : 'LEFT JOIN'
  const g = input.groupBy
  const metrics = USAGE_METRICS.filter((m) => (COHORT_USAGE_METRICS as readonly string[]).includes(m))
  const perTenant = input.granularity !== 'day'
  const source = perTenant
    ? usagePerTenantSubquery({ granularity: input.granularity, metrics, range: input })
    : `SELECT *, ${tenantKey()} AS k FROM (${usageRowsSubquery({ granularity: input.granularity, metrics })})`
  const query = `
WITH
  acq AS (${acq}),
  sizes AS (
    SELECT ${cohortOf} AS cohort_day${g !== undefined ? `, ${dimColumn(g)} AS group_key` : ''}, count() AS size
    FROM acq GROUP BY cohort_day${g !== undefined ? ', group_key' : ''}
  ),
  grouped AS (
    SELECT
      a.attributed AS attributed,
      if(a.attributed = 1, ${periodOf(input.cohort, 'a.signup_day')}, toDate(0)) AS cohort_day,
      ${g !== undefined ? `if(a.attributed = 1, a.${dimColumn(g)}, '${UNATTRIBUTED}') AS group_key,` : ''}
      u.period_start AS period_start,
      count() AS active_tenants,
      ${metrics.map((m) => metricOutput(m, `u.${m}`)).join(',\n      ')},
      uniqExactStateIf(u.k, a.attributed = 0) AS unattributed_state
    FROM (${source}) AS u
    ${join} (${acquisitionByKey(['signup_day', ...dims.map(dimColumn), 'attributed'])}) AS a ON a.k = u.k
    GROUP BY attributed, cohort_day, ${g !== undefined ? 'group_key, ' : ''}period_start
  )
SELECT
  ${stringCell(`if(grouped.attributed = 1, toString(grouped.cohort_day), '${UNATTRIBUTED}')`, input.format)} AS cohort_period,
  ${g !== undefined ? `${stringCell('grouped.group_key', input.format)} AS ${g},` : ''}
  grouped.period_start AS period_start,
  if(grouped.attributed = 0,
    uniqExactMerge(grouped.unattributed_state) OVER (PARTITION BY grouped.attributed),
    sizes.size) AS tenants,
  grouped.active_tenants AS active_tenants,
  ${metrics.map((m) => `grouped.${m} AS ${m}`).join(',\n  ')}
FROM grouped
LEFT JOIN sizes ON sizes.cohort_day = grouped.cohort_day${g !== undefined ? ' AND sizes.group_key = grouped.group_key' : ''}
ORDER BY grouped.attributed = 0, cohort_period, ${g !== undefined ? `${g}, ` : ''}period_start`
  return {
    query,
    params,
    columns: ['cohort_period', ...dims, 'period_start', 'tenants', 'active_tenants', ...metrics]
  }
}
