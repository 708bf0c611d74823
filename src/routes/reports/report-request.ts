/**
 * Request handling of the reports that does not need Fastify: resolving the range and its
 * defaults, splitting filter lists, choosing the format, the tenant-usage cursor, and the
 * CSV filename. Each failure names the parameter it is about, so the answer is a 400 that
 * says which parameter to fix.
 */
import { isUuid } from '../../contracts.ts'
import { DIMENSIONS, addDays, daysBetween, type DimensionFilters } from './common.query.ts'
import type { TenantUsageCursor } from './tenant-usage.query.ts'

/** A request problem tied to one parameter (mapped to a 400 problem with `param`). */
export class ReportParamError extends Error {
  readonly param: string
  constructor (param: string, message: string) {
    super(message)
    this.param = param
  }
}

export interface RangeQuery { from?: string, to?: string }

/** Resolves `from`/`to` (defaults: the last `defaultDays` days including today) and checks the span. */
export function resolveRange (query: RangeQuery, maxRangeDays: number, defaultDays: number, now: Date = new Date()): { from: string, to: string } {
  const to = query.to ?? addDays(now.toISOString().slice(0, 10), 1)
  const from = query.from ?? addDays(to, -defaultDays)
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    const parsed = new Date(`${value}T00:00:00Z`)
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) throw new ReportParamError(name, `"${name}" is not a calendar date`)
  }
  if (from >= to) throw new ReportParamError('to', '"to" must be after "from" (it is exclusive)')
  if (daysBetween(from, to) > maxRangeDays) throw new ReportParamError('to', `the range may span at most ${maxRangeDays} days`)
  return { from, to }
}

/** Dimension filters from the query string (`utm_source=google,bing`). */
export function parseFilters (query: Record<string, unknown>): DimensionFilters {
  const filters: DimensionFilters = {}
  for (const d of DIMENSIONS) {
    const raw = query[d]
    if (typeof raw !== 'string') continue
    const values = [...new Set(raw.split(',').map((v) => v.trim()).filter((v) => v.length > 0))]
    if (values.length === 0) throw new ReportParamError(d, `"${d}" needs at least one value`)
    if (values.length > 100) throw new ReportParamError(d, `"${d}" takes at most 100 values`)
    filters[d] = values
  }
  return filters
}

/** `format` wins; else `Accept: text/csv` (without JSON preferred) selects CSV. */
export function chooseFormat (format: string | undefined, accept: string | undefined): 'json' | 'csv' {
  if (format === 'csv' || format === 'json') return format
  if (typeof accept === 'string' && /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept) && !/application\/json/i.test(accept)) return 'csv'
  return 'json'
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Opaque cursor of the tenant-usage pages. */
export function encodeCursor (cursor: TenantUsageCursor): string {
  return Buffer.from(JSON.stringify([cursor.period_start, cursor.tenant_id]), 'utf8').toString('base64url')
}

export function decodeCursor (value: string): TenantUsageCursor {
  let parsed: unknown
  try { parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) } catch { parsed = null }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' ||
    !DATE.test(parsed[0]) || !isUuid(parsed[1])) {
    throw new ReportParamError('cursor', '"cursor" is not a cursor of this report')
  }
  return { period_start: parsed[0], tenant_id: parsed[1].toLowerCase() }
}

/**
 * `attachment; filename="…"` from the report name and range, through an allow-list of
 * characters: a header value never carries CR, LF, quotes or anything a client could misread.
 */
export function csvDisposition (report: string, from: string, to: string): string {
  const name = `${report}_${from}_${to}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120)
  return `attachment; filename="${name}.csv"`
}
