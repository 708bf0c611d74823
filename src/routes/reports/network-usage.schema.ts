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

export const NetworkUsageTotals = Type.Object({
  ...usageFields,
  unique_viewers: Count('Network-wide unique viewers of the whole range (merged uniqCombined states).'),
  active_tenants: Count('Distinct tenants with any usage metric above zero on some day of the range (not a sum of the periods).')
}, { description: 'The whole range at once: each figure summed over the range before rounding (it may differ from the sum of the rounded rows in the 6th decimal). JSON only.' })

export const NetworkUsageBody = reportBody(NetworkUsageRow, 'One row per period from `from` to `to`, zero-filled, and the totals of the range.', { totals: NetworkUsageTotals })

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
