/**
 * SQL pieces shared by the report query builders.
 *
 * Why one module: every report reads the same three daily rollups and the same deduplicated
 * acquisition view, and the reports must agree with each other to the last digit (cohorts
 * plus `unattributed` equal network usage). So the period functions, the dimension
 * expressions, the per-(period, tenant) usage aggregate and the rounding live here once.
 *
 * Rules every builder follows: values are bound (`{name:Type}`); identifiers (dimensions,
 * period functions) come only from the allow-lists below; each rollup is filtered on its
 * `day` key (partition and primary-key pruning) and aggregated before any join; the small
 * per-tenant acquisition side is always the right (hash-built) side of a join; numbers are
 * rounded in SQL so CSV and JSON print the same figures. No fastify imports: the bench
 * imports these builders directly.
 */

export const GRANULARITIES = ['day', 'week', 'month'] as const
export type Granularity = typeof GRANULARITIES[number]

export const COHORT_PERIODS = ['week', 'month'] as const
export type CohortPeriod = typeof COHORT_PERIODS[number]

/** Attribution dimensions a report may group or filter by (the allow-list of identifiers). */
export const DIMENSIONS = [
  'signup_channel', 'signup_method', 'channel_group', 'client_kind', 'is_agent',
  'utm_source', 'utm_medium', 'utm_campaign', 'referral_code'
] as const
export type Dimension = typeof DIMENSIONS[number]

/** Group value of an absent (NULL or empty) attribution field. */
export const NONE_VALUE = '(none)'
/** Cohort and dimension value of tenants that have usage but no acquisition event. */
export const UNATTRIBUTED = 'unattributed'
/** Group that collects the rows beyond a report's `limit`. */
export const OTHER_VALUE = '(other)'
/** Decimal places of every floating-point figure (applied in SQL). */
export const FLOAT_DECIMALS = 6

/**
 * Distinct tenants are counted on a 64-bit hash of the id: on chDB `uniqExact` over UUIDs
 * cost ~4x more than over UInt64 (measured: +700 ms vs +90 ms on 7.9 M rows). The per-tenant
 * sums of cohort-usage and referral-codes are grouped and joined on it too (grouping by
 * (period, UUID) cost 2.5x (period, UInt64)). A wrong figure needs two active tenants of one
 * period (or group) to collide in 64 bits: about 3·10⁻¹⁰ at 100k tenants; they would count
 * as one tenant, in one cohort, never twice. Every report uses this same key, so their
 * counts still agree; the one exception is network usage by day, which counts the rows of
 * the activity table (one per day and tenant id), so on such a day it would show one more.
 */
export const tenantKey = (column = 'tenant_id'): string => `cityHash64(${column})`

/** Values per dimension that a report keeps (`IN` list); absent means no filter. */
export type DimensionFilters = Partial<Record<Dimension, readonly string[]>>

/** What a builder returns: SQL text, its bound parameters, and the output columns in order. */
export interface BuiltQuery {
  query: string
  params: Record<string, unknown>
  columns: string[]
}

/** Common input of every builder. */
export interface RangeInput {
  /** First day, `YYYY-MM-DD` (UTC, inclusive). */
  from: string
  /** Day after the last, `YYYY-MM-DD` (UTC, exclusive). */
  to: string
  /** `csv` neutralizes formula-like string cells (OWASP); `json` (default) keeps values as they are. */
  format?: 'json' | 'csv'
}

const PERIOD_FUNCTIONS: Record<Granularity, string> = {
  day: 'toDate',
  week: 'toMonday',
  month: 'toStartOfMonth'
}

/** The period a `Date` expression falls in: UTC day, ISO week (Monday) or month. */
export function periodOf (granularity: Granularity, dateExpr: string): string {
  const fn = PERIOD_FUNCTIONS[granularity]
  if (fn === undefined) throw new TypeError(`unknown granularity ${String(granularity)}`)
  return `${fn}(${dateExpr})`
}

/** The per-tenant value of each dimension, read from the deduplicated acquisition view. */
const DIMENSION_SQL: Record<Dimension, string> = {
  signup_channel: `coalesce(nullIf(toString(signup_channel), ''), '${NONE_VALUE}')`,
  signup_method: `coalesce(nullIf(toString(signup_method), ''), '${NONE_VALUE}')`,
  channel_group: `coalesce(nullIf(toString(channel_group), ''), '${NONE_VALUE}')`,
  client_kind: `coalesce(nullIf(toString(client_kind), ''), '${NONE_VALUE}')`,
  is_agent: "if(is_agent != 0, 'true', 'false')",
  utm_source: `coalesce(nullIf(utm_source, ''), '${NONE_VALUE}')`,
  utm_medium: `coalesce(nullIf(utm_medium, ''), '${NONE_VALUE}')`,
  utm_campaign: `coalesce(nullIf(utm_campaign, ''), '${NONE_VALUE}')`,
  referral_code: `coalesce(nullIf(referral_code, ''), '${NONE_VALUE}')`
}

/** Internal column name of a dimension inside the acquisition subquery (never equal to a source column). */
export const dimColumn = (d: Dimension): string => `d_${d}`

/** Refuses anything outside the allow-list (builders are public: the bench calls them). */
export function assertDimension (d: string): asserts d is Dimension {
  if (!(DIMENSIONS as readonly string[]).includes(d)) throw new TypeError(`unknown dimension ${d}`)
}

/**
 * Formula injection guard for CSV (OWASP): a string cell that begins with `=`, `+`, `-`,
 * `@`, tab, CR or LF gets a leading `'`. Pure SQL, so the export keeps no per-row JS.
 */
export function csvSafe (expr: string): string {
  return `if(length(${expr}) > 0 AND position('=+-@\\t\\r\\n', substring(${expr}, 1, 1)) > 0, concat('''', ${expr}), ${expr})`
}

/** A string output column: neutralized for CSV, as is for JSON. */
export function stringCell (expr: string, format: RangeInput['format']): string {
  return format === 'csv' ? csvSafe(expr) : expr
}

/** A rounded floating-point figure. */
export const rounded = (expr: string): string => `round(${expr}, ${FLOAT_DECIMALS})`

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Checks a range's shape (the routes validate first; this guards direct callers). */
export function assertRange (input: RangeInput): void {
  if (!DATE.test(input.from) || !DATE.test(input.to)) throw new TypeError('from and to must be YYYY-MM-DD')
  if (input.from >= input.to) throw new TypeError('from must be before to')
}

/**
 * The deduplicated acquisition side, one row per tenant: `tenant_id`, `signup_day`, each
 * requested dimension as `d_<name>`, any `extraColumns`, and `attributed` = 1. Filters bind
 * their values; `where` adds fixed conditions.
 */
export function acquisitionSubquery (dimensions: readonly Dimension[], filters: DimensionFilters, params: Record<string, unknown>, where: string[] = [], extraColumns: string[] = []): string {
  const wanted = new Set<Dimension>(dimensions)
  const conditions = [...where]
  for (const [d, values] of Object.entries(filters) as Array<[Dimension, readonly string[] | undefined]>) {
    assertDimension(d)
    if (values === undefined || values.length === 0) continue
    params[`f_${d}`] = [...values]
    conditions.push(`${DIMENSION_SQL[d]} IN {f_${d}:Array(String)}`)
  }
  const select = ['tenant_id', 'toDate(timestamp) AS signup_day', ...extraColumns, ...[...wanted].map((d) => `${DIMENSION_SQL[d]} AS ${dimColumn(d)}`), 'toUInt8(1) AS attributed']
  return `SELECT ${select.join(', ')} FROM ${ACQUISITIONS_VIEW}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`
}

/** Whether any filter value was given (then unattributed tenants cannot match). */
export const hasFilters = (filters: DimensionFilters): boolean => Object.values(filters).some((v) => v !== undefined && v.length > 0)

/** The additive usage metrics, in output order, with their SQL type in the union below. */
export const USAGE_METRICS = [
  'viewer_hours', 'egress_gb', 'total_sessions', 'livepeer_seconds', 'native_seconds',
  'other_processing_seconds', 'api_requests', 'api_errors'
] as const
export type UsageMetric = typeof USAGE_METRICS[number]
const FLOAT_METRICS = new Set<UsageMetric>(['viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'other_processing_seconds'])
export const isFloatMetric = (m: UsageMetric): boolean => FLOAT_METRICS.has(m)

/**
 * Usage per day and tenant (sql/clickhouse/attribution/002): one row for each (day, tenant)
 * with any metric above zero, kept current every hour from FrameWorks' rollup views by the
 * usage upkeep (src/clickhouse/usage-upkeep.ts), each metric in a column of its own
 * (`process_type` 'Livepeer', 'AV' and the rest already split). Every report reads usage
 * from here; each month of it is swapped in whole.
 */
export const USAGE_TABLE = 'attribution_usage_daily'
/** One row per acquired tenant with its derived dimensions (src/clickhouse/views.ts). */
export const ACQUISITIONS_VIEW = 'attribution_acquisitions'

/**
 * A scalar subquery: the time of the first acquisition event the package keeps
 * (`attribution_signups`), as `YYYY-MM-DDTHH:MM:SSZ`, or NULL when there is none. Every answer
 * that involves attribution carries it (`data_from`): attribution exists only from there on.
 */
export const DATA_FROM_SQL = "(SELECT if(count() = 0, NULL, formatDateTime(min(timestamp), '%Y-%m-%dT%H:%i:%SZ', 'UTC')) FROM attribution_signups)"

export interface UsageSubqueryOptions {
  /** Period of each row (`period_start`); `null` sums each tenant over the whole range. */
  granularity: Granularity | null
  /**
   * Also carry `unique_viewers`, each tenant's unique viewers of the period (its
   * `uniqCombined` states merged per period and tenant).
   */
  uniqueViewers?: boolean
  /** Parameter names of the day range (defaults `from`, `to`). */
  fromParam?: string
  toParam?: string
  /** Extra conditions on the rows (they may use `day` and `tenant_id`). */
  where?: string[]
  /** Metrics to carry (default all): fewer columns, less work per row. */
  metrics?: readonly UsageMetric[]
}

/**
 * Usage per (period, tenant) — `period_start` (absent without a granularity), `tenant_id`,
 * each metric asked for and optionally `unique_viewers` — read from {@link USAGE_TABLE} on
 * its `day` range (partition and primary-key pruning). By day these are the table's own
 * rows, one per (day, tenant); by week or month they are summed per (period, tenant). A
 * tenant with usage in any rollup has rows here, and only such tenants.
 */
export function usageRowsSubquery (options: UsageSubqueryOptions): string {
  const from = `{${options.fromParam ?? 'from'}:Date}`
  const to = `{${options.toParam ?? 'to'}:Date}`
  const where = [`day >= ${from}`, `day < ${to}`, ...(options.where ?? [])].join(' AND ')
  const carried = options.metrics ?? USAGE_METRICS
  const uv = options.uniqueViewers === true
  if (options.granularity === 'day') {
    const viewers = uv ? ', toUInt64(finalizeAggregation(unique_viewers_state)) AS unique_viewers' : ''
    return `SELECT day AS period_start, tenant_id, ${carried.join(', ')}${viewers} FROM ${USAGE_TABLE} WHERE ${where}`
  }
  const keys = options.granularity === null ? ['tenant_id'] : [`${periodOf(options.granularity, 'day')} AS period_start`, 'tenant_id']
  const groupKeys = options.granularity === null ? 'tenant_id' : 'period_start, tenant_id'
  const viewers = uv ? ', uniqCombinedMerge(unique_viewers_state) AS unique_viewers' : ''
  return `SELECT ${keys.join(', ')}, ${carried.map((m) => `sum(${m}) AS ${m}`).join(', ')}${viewers} FROM ${USAGE_TABLE} WHERE ${where} GROUP BY ${groupKeys}`
}

/**
 * Usage summed per (period, tenant) — `period_start` (absent without a granularity: per
 * tenant over the whole range), `k` (the tenant's {@link tenantKey}) and each metric asked
 * for. Grouping on (Date, UInt64) instead of (Date, UUID) is what makes this fast on chDB.
 * Callers join it to {@link acquisitionByKey} on `k`.
 *
 * When the range is whole months (`range` given, both ends on the 1st) and the rows are
 * summed per month or over the whole range, the range is written on `toStartOfMonth(day)`
 * (the same rows): the table then answers from its `tenant_month` projection, one row a
 * month per tenant instead of one a day.
 */
export function usagePerTenantSubquery (options: { granularity: Granularity | null, metrics?: readonly UsageMetric[], range?: { from: string, to: string } }): string {
  const byMonth = (options.granularity === 'month' || options.granularity === null) && options.range !== undefined && wholeMonths(options.range)
  const where = byMonth ? 'toStartOfMonth(day) >= {from:Date} AND toStartOfMonth(day) < {to:Date}' : 'day >= {from:Date} AND day < {to:Date}'
  const period = options.granularity === null ? [] : [`${periodOf(options.granularity, 'day')} AS period_start`]
  const keys = [...period, `${tenantKey()} AS k`].join(', ')
  const groupKeys = options.granularity === null ? 'k' : 'period_start, k'
  const carried = options.metrics ?? USAGE_METRICS
  return `SELECT ${keys}, ${carried.map((m) => `sum(${m}) AS ${m}`).join(', ')} FROM ${USAGE_TABLE} WHERE ${where} GROUP BY ${groupKeys}`
}

/** Whether a range starts and ends on the first of a month. */
const wholeMonths = (range: { from: string, to: string }): boolean => range.from.endsWith('-01') && range.to.endsWith('-01')

/**
 * The acquisition side `acq` keyed like {@link usagePerTenantSubquery}: `k` and `any()` of
 * each column, one row per key. Should two tenants ever share a 64-bit key, their usage is
 * still counted once (with one of them's attribution), so cohorts keep adding up to the
 * network total, whose active tenants count the same keys.
 */
export function acquisitionByKey (columns: readonly string[]): string {
  return `SELECT ${tenantKey()} AS k${columns.map((c) => `, any(${c}) AS ${c}`).join('')} FROM acq GROUP BY k`
}

/** The output expression of a summed metric (rounded when floating point). */
export function metricOutput (m: UsageMetric, source: string = m): string {
  return isFloatMetric(m) ? `${rounded(`sum(${source})`)} AS ${m}` : `sum(${source}) AS ${m}`
}

/** The output expression of an already summed metric (rounded when floating point). */
export function valueOutput (m: UsageMetric, source: string): string {
  return isFloatMetric(m) ? `${rounded(source)} AS ${m}` : `${source} AS ${m}`
}

/** `YYYY-MM-DD` plus `days` (UTC). */
export function addDays (date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Whole days from `from` to `to`. */
export function daysBetween (from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/** First day of the period `date` falls in (UTC). */
export function periodStart (date: string, granularity: Granularity): string {
  const d = new Date(`${date}T00:00:00Z`)
  if (granularity === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  if (granularity === 'month') d.setUTCDate(1)
  return d.toISOString().slice(0, 10)
}

/** First day of the period after the one starting at `start`. */
export function nextPeriod (start: string, granularity: Granularity): string {
  if (granularity === 'day') return addDays(start, 1)
  if (granularity === 'week') return addDays(start, 7)
  const d = new Date(`${start}T00:00:00Z`)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10)
}
