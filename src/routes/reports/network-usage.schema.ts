/** Route schema of `GET /reports/network-usage`. */
import { Type } from 'typebox'
import {
  Count, PRODUCES, REPORT_TAGS, errorResponses, granularityParam, okResponse, rangeParams, reportBody, usageFields
} from './common.schema.ts'

export const NetworkUsageRow = Type.Object({
  period_start: Type.String({ format: 'date', description: 'First day of the period (UTC).' }),
  ...usageFields,
  unique_viewers: Count('Network-wide unique viewers of the period (merged uniqCombined states; approximate above a few thousand, never a sum of per-tenant counts).'),
  active_tenants: Count('Distinct tenants with any usage metric above zero on some day of the period.')
})

export const NetworkUsageBody = reportBody(NetworkUsageRow, 'One row per period from `from` to `to`, zero-filled.')

export const networkUsageSchema = {
  operationId: 'getNetworkUsage',
  tags: REPORT_TAGS,
  summary: 'Network usage per day, ISO week or month',
  description: 'Viewer hours, egress, sessions, network-wide unique viewers, Livepeer and native processing, API requests and active tenants per period, from the hourly snapshot of FrameWorks\' rollups (at most about an hour behind them). Every period of the range appears, zero-filled.',
  produces: PRODUCES,
  querystring: Type.Object({ ...rangeParams, granularity: granularityParam }, { additionalProperties: false }),
  response: {
    200: okResponse(NetworkUsageBody, 'Network usage per period'),
    ...errorResponses
  }
}
