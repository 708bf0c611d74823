/**
 * Schema pieces shared by the report routes: the range and format parameters, the dimension
 * filters and `group_by` (validated against the allow-list by the schema itself, so a bad
 * value is a 400 naming the parameter), the `meta` block, and the error answers.
 */
import { Type, type TSchema } from 'typebox'
import { ProblemSchema } from '../operator-errors.schema.ts'
import { DIMENSIONS, GRANULARITIES, type Dimension } from './common.query.ts'

const DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
const DIMENSION_ALTERNATIVES = `(${DIMENSIONS.join('|')})`

/** A UTC calendar day. */
export const DateParam = (description: string) => Type.String({ format: 'date', pattern: DATE_PATTERN, description })

/** Parameters every report takes. */
export const rangeParams = {
  from: Type.Optional(DateParam('First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days.')),
  to: Type.Optional(DateParam('Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included).')),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'Answer format; `Accept: text/csv` also selects CSV. Default `json`.' }))
}

export const granularityParam = Type.Optional(Type.Enum([...GRANULARITIES], { description: 'Usage period: UTC day, ISO week (starting Monday) or calendar month. Default `day`.' }))

/** The same schema for every dimension, keyed by dimension. */
function perDimension<T extends TSchema> (make: (d: Dimension) => T): { [K in Dimension]: T } {
  return Object.fromEntries(DIMENSIONS.map((d) => [d, make(d)])) as { [K in Dimension]: T }
}

/** One filter per dimension: a comma-separated list of values to keep (`(none)` matches absent values). */
export const filterParams = perDimension((d) => Type.Optional(Type.String({
  minLength: 1,
  maxLength: 2000,
  description: `Keep tenants whose ${d} is one of these comma-separated values.`
})))

/** `group_by` for several dimensions (comma list from the allow-list). */
export const groupByListParam = Type.Optional(Type.String({
  pattern: `^${DIMENSION_ALTERNATIVES}(,${DIMENSION_ALTERNATIVES})*$`,
  maxLength: 400,
  description: `Comma-separated dimensions to group by: ${DIMENSIONS.join(', ')}.`
}))

/** `group_by` for one dimension. */
export const groupByOneParam = Type.Optional(Type.Enum([...DIMENSIONS], { description: 'The dimension to group by.' }))

/** Optional string properties for every dimension (a row carries the ones grouped by). */
export const dimensionFields = perDimension((d) => Type.Optional(Type.String({
  description: `Group value of ${d}; \`(none)\` when absent, \`(other)\` for folded rows, \`unattributed\` for tenants without an acquisition event.`
})))

/** The `meta` block of every JSON answer. */
export const MetaSchema = Type.Object({
  report: Type.String({ description: 'Report name.' }),
  request: Type.Record(Type.String(), Type.Unknown(), { description: 'The request as understood, defaults filled in.' }),
  data_from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Time of the first acquisition event: attribution (and everything grouped by it) exists only from here on. Usage before it is `unattributed`.'
  }),
  generated_at: Type.String({ format: 'date-time', description: 'When this answer was computed.' })
})

/** A JSON answer: `meta` and the rows. */
export function reportBody<T extends TSchema> (row: T, description: string, extra: Record<string, TSchema> = {}) {
  return Type.Object({ meta: MetaSchema, ...extra, data: Type.Array(row) }, { description })
}

/** The 200 answer in both formats. */
export function okResponse (json: TSchema, description: string) {
  return {
    description,
    content: {
      'application/json': { schema: json },
      'text/csv': { schema: Type.String({ description: 'RFC 4180 CSV with a header row of the JSON field names; formula-like cells prefixed with \'.' }) }
    }
  }
}

/** Error answers of every report. */
export const errorResponses = {
  400: { ...ProblemSchema, description: 'A parameter is invalid (`param` names it)' },
  401: { ...ProblemSchema, description: 'Missing operator credentials' },
  403: { ...ProblemSchema, description: 'These credentials may not use operator routes' },
  503: { ...ProblemSchema, description: 'ClickHouse is unreachable' }
}

export const REPORT_TAGS = ['reports']
export const PRODUCES = ['application/json', 'text/csv']

/** Integer figure. */
export const Count = (description: string) => Type.Integer({ minimum: 0, description })
/** Floating-point figure (rounded to 6 decimals in SQL). */
export const Amount = (description: string) => Type.Number({ description })

/**
 * The usage metrics every report shares, by name. Each description says which of FrameWorks'
 * Periscope views the figure comes from and what it counts (docs/reports.md has the table).
 */
export const usageFields = {
  viewer_hours: Amount('Hours of playback watched: FrameWorks\' `tenant_viewer_daily.viewer_hours` (seconds viewers were connected ÷ 3600).'),
  egress_gb: Amount('GiB delivered: FrameWorks\' `tenant_analytics_daily.egress_bytes` ÷ 2^30, its operator egress figure (playback, plus restream delivery in current FrameWorks releases).'),
  total_sessions: Count('Viewer sessions: FrameWorks\' `tenant_viewer_daily.total_sessions` (distinct sessions per day and cluster, approximate), summed.'),
  livepeer_seconds: Amount('Media seconds transcoded by Livepeer: `processing_daily.media_seconds` of `process_type` `Livepeer`.'),
  native_seconds: Amount('Media seconds processed natively by MistProcAV: `processing_daily.media_seconds` of `process_type` `AV`.'),
  other_processing_seconds: Amount('Media seconds of every other process type (`FFmpeg`, …): `processing_daily.media_seconds`.'),
  api_requests: Count('API requests (GraphQL queries, mutations, subscriptions, every auth type): `api_usage_daily.requests`.'),
  api_errors: Count('Of those, requests that failed: `api_usage_daily.errors`.')
}

/** How the reports count an active tenant (the same rule in every report). */
export const ACTIVE_RULE = 'any usage metric above zero (FrameWorks\' all-zero rows do not count)'

/** The metrics of the cohort and referral-code reports (COHORT_USAGE_METRICS). */
export const summaryUsageFields = {
  viewer_hours: usageFields.viewer_hours,
  egress_gb: usageFields.egress_gb,
  livepeer_seconds: usageFields.livepeer_seconds,
  native_seconds: usageFields.native_seconds,
  api_requests: usageFields.api_requests
}
