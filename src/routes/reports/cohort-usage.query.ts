/**
 * Cohort usage: network usage split by signup cohort (week or month of the acquisition
 * event) and one attribution dimension, per usage period.
 *
 * The usage rows of the three rollups (see `usageRowsSubquery`) are joined to the small
 * per-tenant acquisition side (the hash-built right side) and aggregated once to (cohort,
 * group, period); active tenants are the exact distinct tenant ids of each row. Without
 * filters the join is a LEFT join and tenants without an acquisition event land in the
 * `unattributed` cohort, so for every period and metric the rows add up to exactly the
 * network-usage figure (each tenant belongs to one cohort; each figure is rounded after
 * the same sums). With filters, only tenants matching them are counted.
 *
 * `tenants` is the cohort group's size: its signups (all time, filters applied); for
 * `unattributed`, the distinct tenants with usage in the range.
 */
import {
  tenantKey,
  UNATTRIBUTED, USAGE_METRICS, acquisitionSubquery, assertDimension, assertRange, dimColumn,
  hasFilters, metricOutput, periodOf, stringCell, usageRowsSubquery,
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
  const query = `
WITH
  acq AS (${acq}),
  sizes AS (
    SELECT toString(${cohortOf}) AS cohort_key${g !== undefined ? `, ${dimColumn(g)} AS group_key` : ''}, count() AS size
    FROM acq GROUP BY cohort_key${g !== undefined ? ', group_key' : ''}
  ),
  grouped AS (
    SELECT
      if(a.attributed = 1, toString(${periodOf(input.cohort, 'a.signup_day')}), '${UNATTRIBUTED}') AS cohort_key,
      ${g !== undefined ? `if(a.attributed = 1, a.${dimColumn(g)}, '${UNATTRIBUTED}') AS group_key,` : ''}
      u.period_start AS period_start,
      uniqExact(${tenantKey('u.tenant_id')}) AS active_tenants,
      ${metrics.map((m) => metricOutput(m, `u.${m}`)).join(',\n      ')},
      uniqExactStateIf(${tenantKey('u.tenant_id')}, a.attributed = 0) AS unattributed_state
    FROM (${usageRowsSubquery({ granularity: input.granularity, metrics })}) AS u
    ${join} (SELECT * FROM acq) AS a ON a.tenant_id = u.tenant_id
    GROUP BY cohort_key, ${g !== undefined ? 'group_key, ' : ''}period_start
  )
SELECT
  ${stringCell('grouped.cohort_key', input.format)} AS cohort_period,
  ${g !== undefined ? `${stringCell('grouped.group_key', input.format)} AS ${g},` : ''}
  grouped.period_start AS period_start,
  if(grouped.cohort_key = '${UNATTRIBUTED}',
    uniqExactMerge(grouped.unattributed_state) OVER (PARTITION BY grouped.cohort_key),
    sizes.size) AS tenants,
  grouped.active_tenants AS active_tenants,
  ${metrics.map((m) => `grouped.${m} AS ${m}`).join(',\n  ')}
FROM grouped
LEFT JOIN sizes ON sizes.cohort_key = grouped.cohort_key${g !== undefined ? ' AND sizes.group_key = grouped.group_key' : ''}
ORDER BY grouped.cohort_key = '${UNATTRIBUTED}', cohort_period, ${g !== undefined ? `${g}, ` : ''}period_start`
  return {
    query,
    params,
    columns: ['cohort_period', ...dims, 'period_start', 'tenants', 'active_tenants', ...metrics]
  }
}
