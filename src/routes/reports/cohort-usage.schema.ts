/** Route schema of `GET /reports/cohort-usage`. */
import { Type } from 'typebox'
import { COHORT_PERIODS } from './common.query.ts'
import {
  ACTIVE_RULE, Count, PRODUCES, REPORT_TAGS, dimensionFields, errorResponses, filterParams, granularityParam, groupByOneParam,
  okResponse, rangeParams, reportBody, summaryUsageFields
} from './common.schema.ts'

export const CohortUsageRow = Type.Object({
  cohort_period: Type.String({ description: 'First day of the signup week or month, or `unattributed`.' }),
  ...dimensionFields,
  period_start: Type.String({ format: 'date', description: 'First day of the usage period.' }),
  tenants: Count('Size of the cohort group (its signups; for `unattributed`, the tenants with usage in the range).'),
  active_tenants: Count(`Tenants of the group with ${ACTIVE_RULE} on some day of the period.`),
  ...summaryUsageFields
})

export const CohortUsageBody = reportBody(CohortUsageRow, 'One row per cohort, group and usage period with usage. Without filters, the rows of a period sum to its network-usage figures.')

export const cohortUsageSchema = {
  operationId: 'getCohortUsage',
  tags: REPORT_TAGS,
  summary: 'Network usage by signup cohort and acquisition group',
  description: 'Usage per period split by the signup week or month of each tenant and one attribution dimension. Tenants without an acquisition event form the `unattributed` cohort, so cohorts add up to the network total.',
  produces: PRODUCES,
  querystring: Type.Object({
    ...rangeParams,
    cohort: Type.Optional(Type.Enum([...COHORT_PERIODS], { description: 'Signup period that forms a cohort. Default `month`.' })),
    granularity: granularityParam,
    group_by: groupByOneParam,
    ...filterParams
  }, { additionalProperties: false }),
  response: {
    200: okResponse(CohortUsageBody, 'Usage per cohort'),
    ...errorResponses
  }
}
