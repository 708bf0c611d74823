/** Route schema of `GET /reports/acquisition-funnel`. */
import { Type } from 'typebox'
import {
  Count, PRODUCES, REPORT_TAGS, dimensionFields, errorResponses, filterParams, groupByListParam, okResponse, rangeParams, reportBody
} from './common.schema.ts'
import { DEFAULT_ACTIVATION_DAYS, DEFAULT_FUNNEL_LIMIT } from './acquisition-funnel.query.ts'

export const MAX_ACTIVATION_DAYS = 365
export const MAX_FUNNEL_LIMIT = 1000

const Rate = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })

export const AcquisitionFunnelRow = Type.Object({
  ...dimensionFields,
  signups: Count('Tenants that signed up in the range.'),
  activated: Count('Of those, tenants with any usage metric above zero within `activation_days` of signup.'),
  streaming: Count('Of those, tenants with viewer hours (`tenant_viewer_daily`) > 0 within `activation_days` of signup.'),
  retained: Count('Of those, tenants with any usage metric above zero in the calendar month after their signup month.'),
  activation_rate: Rate('activated / signups (4 decimals).'),
  streaming_rate: Rate('streaming / signups (4 decimals).'),
  retention_rate: Rate('retained / signups (4 decimals).')
})

export const AcquisitionFunnelBody = reportBody(AcquisitionFunnelRow, 'One row per group, largest first; groups beyond `limit` summed into one `(other)` row.')

export const acquisitionFunnelSchema = {
  operationId: 'getAcquisitionFunnel',
  tags: REPORT_TAGS,
  summary: 'Signups, activation, streaming and retention per acquisition group',
  description: 'Tenants who signed up in the range, grouped by attribution dimensions, through the stages signups → activated → streaming → retained. Windows that have not closed yet count what has happened so far.',
  produces: PRODUCES,
  querystring: Type.Object({
    ...rangeParams,
    group_by: groupByListParam,
    ...filterParams,
    activation_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ACTIVATION_DAYS, description: `Days after signup that count for \`activated\` and \`streaming\`. Default ${DEFAULT_ACTIVATION_DAYS}.` })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FUNNEL_LIMIT, description: `Groups shown before the rest folds into \`(other)\`. Default ${DEFAULT_FUNNEL_LIMIT}.` }))
  }, { additionalProperties: false }),
  response: {
    200: okResponse(AcquisitionFunnelBody, 'The funnel per group'),
    ...errorResponses
  }
}
