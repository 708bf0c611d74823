/** Route schema of `GET /stats/network` (public, no authentication). */
import { Type } from 'typebox'
import { ProblemSchema } from '../operator-errors.schema.ts'
import { ACTIVE_RULE, Amount, Count, usageFields } from '../reports/common.schema.ts'

const figures = {
  viewer_hours: usageFields.viewer_hours,
  egress_gb: usageFields.egress_gb,
  livepeer_hours: Amount('Hours of media transcoded by Livepeer: `processing_daily.media_seconds` of `process_type` `Livepeer` ÷ 3600.'),
  native_hours: Amount('Hours of media processed natively by MistProcAV: `processing_daily.media_seconds` of `process_type` `AV` ÷ 3600.'),
  active_tenants: Count(`Distinct tenants with ${ACTIVE_RULE} on some day of the range (a count, never an identity).`)
}

const RangeDate = (description: string) => Type.String({ format: 'date', description })

export const PublicStatsBody = Type.Object({
  generated_at: Type.String({ format: 'date-time', description: 'When these figures were computed (they are kept for `max-age` seconds).' }),
  data_from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Time of the first acquisition event the network keeps.' }),
  last_30_days: Type.Object({
    from: RangeDate('First day, UTC, inclusive.'),
    to: RangeDate('Day after the last (today included), UTC, exclusive.'),
    ...figures
  }, { description: 'The last 30 days, today included: the range the operator reports default to.' }),
  all_time: Type.Object({
    from: Type.Union([RangeDate('First day with usage or acquisition data.'), Type.Null()], { description: 'First day with usage or acquisition data; null when there is none.' }),
    to: RangeDate('Day after the last (today included), UTC, exclusive.'),
    ...figures
  }, { description: 'Everything up to today.' })
}, { additionalProperties: false, description: 'Network totals only: no tenant, cohort, campaign or referral figure.' })

export const publicStatsSchema = {
  operationId: 'getNetworkStats',
  tags: ['stats'],
  summary: 'Public network totals: the last 30 days and all time',
  description: 'Viewer hours, egress, Livepeer and native processing hours and active tenants of the whole network, equal to the network-usage report\'s `totals` for the same ranges. No authentication. Computed at most once per `max-age` and cached (`ETag`, 304 on `If-None-Match`); rate-limited per client; CORS for the configured origins.',
  security: [],
  response: {
    200: { ...PublicStatsBody, description: 'The network totals' },
    304: { type: 'null', description: 'Not modified: the `ETag` in `If-None-Match` is current' },
    429: { ...ProblemSchema, description: 'Too many requests from this client: retry after `Retry-After` seconds' },
    503: { ...ProblemSchema, description: 'ClickHouse is unreachable' }
  }
}
