/** Route schema of `GET /reports/network-usage`. */
import { Type } from 'typebox'
import {
  ACTIVE_RULE, Count, PRODUCES, REPORT_TAGS, errorResponses, granularityParam, okResponse, rangeParams, reportBody, usageFields
} from './common.schema.ts'

export const NetworkUsageRow = Type.Object({
  period_start: Type.String({ format: 'date', description: 'First day of the period (UTC).' }),
  ...usageFields,
  unique_viewers: Count('Network-wide unique viewers of the period: FrameWorks\' `tenant_viewer_daily.unique_viewers_state` (a viewer is a client host, else a node and session) merged across tenants and days; approximate above a few thousand, never a sum of per-tenant counts.'),
  active_tenants: Count(`Distinct tenants with ${ACTIVE_RULE} on some day of the period.`)
})

export const NetworkUsageTotals = Type.Object({
  ...usageFields,
  unique_viewers: Count('Network-wide unique viewers of the whole range (`tenant_viewer_daily` states merged).'),
  active_tenants: Count(`Distinct tenants with ${ACTIVE_RULE} on some day of the range (not a sum of the periods).`)
}, { description: 'The whole range at once: each figure summed over the range before rounding (it may differ from the sum of the rounded rows in the 6th decimal). JSON only.' })

export const NetworkUsageBody = reportBody(NetworkUsageRow, 'One row per period from `from` to `to`, zero-filled, and the totals of the range.', { totals: NetworkUsageTotals })

export const networkUsageSchema = {
  operationId: 'getNetworkUsage',
  tags: REPORT_TAGS,
  summary: 'Network usage per day, ISO week or month',
  description: 'Viewer hours, egress, sessions, network-wide unique viewers, Livepeer and native processing, API requests and active tenants per period, from the package\'s snapshot of FrameWorks\' views `tenant_viewer_daily`, `tenant_analytics_daily` (egress), `processing_daily` and `api_usage_daily`, which the hourly upkeep keeps at most about an hour behind them. Every period of the range appears, zero-filled.',
  produces: PRODUCES,
  querystring: Type.Object({ ...rangeParams, granularity: granularityParam }, { additionalProperties: false }),
  response: {
    200: okResponse(NetworkUsageBody, 'Network usage per period'),
    ...errorResponses
  }
}
