/** Route schema of `GET /reports/tenant-usage`. */
import { Type } from 'typebox'
import { DEFAULT_TENANT_USAGE_LIMIT, MAX_TENANT_USAGE_LIMIT } from './tenant-usage.query.ts'
import {
  Count, PRODUCES, REPORT_TAGS, errorResponses, filterParams, granularityParam, okResponse, rangeParams, reportBody, usageFields
} from './common.schema.ts'
import { DIMENSIONS } from './common.query.ts'

const dims = Object.fromEntries(DIMENSIONS.map((d) => [d, Type.String({ description: `The tenant's ${d} (\`(none)\` when absent, \`unattributed\` without an acquisition event).` })])) as Record<typeof DIMENSIONS[number], ReturnType<typeof Type.String>>

export const TenantUsageRow = Type.Object({
  period_start: Type.String({ format: 'date', description: 'First day of the usage period.' }),
  tenant_id: Type.String({ format: 'uuid' }),
  attributed: Type.Boolean({ description: 'Whether the tenant has an acquisition event.' }),
  signup_date: Type.String({ description: 'UTC day of the acquisition event (empty when unattributed).' }),
  ...dims,
  ...usageFields,
  unique_viewers: Count('Unique viewers of the tenant in the period: its `tenant_viewer_daily.unique_viewers_state` merged over the days.')
})

export const TenantUsageBody = reportBody(TenantUsageRow, 'One page of rows ordered by period then tenant.', {
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' })
})

export const tenantUsageSchema = {
  operationId: 'getTenantUsage',
  tags: REPORT_TAGS,
  summary: 'Usage per tenant and period with attribution (the raw export)',
  description: 'One row per tenant and usage period with its attribution dimensions and usage metrics. JSON is paginated (`limit`, `cursor`); CSV streams the whole range.',
  produces: PRODUCES,
  querystring: Type.Object({
    ...rangeParams,
    granularity: granularityParam,
    ...filterParams,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TENANT_USAGE_LIMIT, description: `JSON page size. Default ${DEFAULT_TENANT_USAGE_LIMIT}.` })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `next_cursor` of the previous page.' }))
  }, { additionalProperties: false }),
  response: {
    200: okResponse(TenantUsageBody, 'A page of tenant usage'),
    ...errorResponses
  }
}
