/**
 * The reports plugin: operator-only report routes over ClickHouse, in JSON or as CSV
 * streamed straight from the engine.
 *
 * Thin glue: the SQL lives in one `*.query.ts` builder per report, request parsing in
 * `report-request.ts`, schemas in `*.schema.ts`. The plugin applies operator auth itself
 * (bearer tokens or a host `authorize` hook) on its own encapsulated scope, so a host can
 * register it anywhere without exposing reports or guarding its other routes. Behind options
 * and outside that scope: the public network stats (`../public-stats/`) and the operator
 * dashboard's static files (`../dashboard/`), modules of their own.
 *
 * CSV answers stream straight from the engine (`csv-stream.ts`); on chDB they queue, one
 * stream at a time per engine (`clickhouse/stream-gate.ts`).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyError } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { ClickHouseHandle } from '../../clickhouse/client.ts'
import { isUnreachable, jsonRows } from '../../clickhouse/client.ts'
import { ERR_BAD_REQUEST, ERR_INVALID_OPTION, ERR_UNAVAILABLE, problemErrorHandler } from '../../errors.ts'
import { requireOperatorAuth, type OperatorAuthOptions } from '../operator-auth.ts'
import { DATA_FROM_SQL, periodStart, type BuiltQuery, type Dimension, type Granularity } from './common.query.ts'
import { buildNetworkTotalsQuery, buildNetworkUsageQuery } from './network-usage.query.ts'
import { DEFAULT_ACTIVATION_DAYS, buildAcquisitionFunnelQuery } from './acquisition-funnel.query.ts'
import { buildCohortUsageQuery } from './cohort-usage.query.ts'
import { buildReferralCodesQuery } from './referral-codes.query.ts'
import { DEFAULT_TENANT_USAGE_LIMIT, buildTenantUsageCsvQueries, buildTenantUsageQuery, periodWindow, type TenantUsageCursor } from './tenant-usage.query.ts'
import {
  ReportParamError, chooseFormat, decodeCursor, encodeCursor, parseFilters, resolveRange
} from './report-request.ts'
import { networkUsageSchema } from './network-usage.schema.ts'
import { acquisitionFunnelSchema } from './acquisition-funnel.schema.ts'
import { cohortUsageSchema } from './cohort-usage.schema.ts'
import { referralCodesSchema } from './referral-codes.schema.ts'
import { tenantUsageSchema } from './tenant-usage.schema.ts'
import { normalizePublicStatsOptions, type NormalizedPublicStatsOptions, type PublicStatsOptions } from '../public-stats/options.ts'
import { registerPublicStats } from '../public-stats/index.ts'
import { registerDashboard } from '../dashboard/index.ts'
import { sendCsv } from './csv-stream.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../../shared/telemetry.ts'

export type { PublicStatsOptions }

/** Longest `from`..`to` span, in days (three years). */
export const DEFAULT_MAX_RANGE_DAYS = 1096
/** Span when `from` is omitted, in days. */
export const DEFAULT_RANGE_DAYS = 30

/** Options of the reports plugin: the ClickHouse handle, operator auth, and report limits. */
export interface ReportsPluginOptions extends OperatorAuthOptions {
  /** The ClickHouse handle from `openClickHouse` (required). */
  clickhouse: ClickHouseHandle
  /** Longest range a request may ask for, in days. Default {@link DEFAULT_MAX_RANGE_DAYS}. */
  maxRangeDays?: number
  /** Range when `from` is omitted, in days before `to`. Default {@link DEFAULT_RANGE_DAYS}. */
  defaultRangeDays?: number
  /**
   * Partner names of referral codes (they live in Postgres `referral_codes`), called once per
   * referral-codes report. Keys are matched case-insensitively. Default: none (empty partner).
   */
  referralPartners?: () => Promise<Record<string, string>> | Record<string, string>
  /** Route prefix (forwarded, since the plugin is wrapped with fastify-plugin). Default none. */
  prefix?: string
  /**
   * Serve the operator dashboard at `GET /dashboard/`: a static page and its assets (no data:
   * the page asks for the operator token and calls the report routes with it). Default false.
   */
  dashboard?: boolean
  /**
   * Serve `GET /stats/network`, the public network totals, without authentication: `true`
   * for the defaults or {@link PublicStatsOptions}. Default off.
   */
  publicStats?: boolean | PublicStatsOptions
  /** Where report durations, CSV rows, ClickHouse errors and public-stats answers are counted (`createAttributionMetrics().telemetry`). Default: nowhere. */
  telemetry?: AttributionTelemetry
}

interface NormalizedOptions {
  clickhouse: ClickHouseHandle
  maxRangeDays: number
  defaultRangeDays: number
  referralPartners: (() => Promise<Record<string, string>> | Record<string, string>) | null
  dashboard: boolean
  publicStats: Readonly<NormalizedPublicStatsOptions> | null
  telemetry: AttributionTelemetry
}

type ReportName = 'network-usage' | 'acquisition-funnel' | 'cohort-usage' | 'referral-codes' | 'tenant-usage'

function normalize (options: ReportsPluginOptions): Readonly<NormalizedOptions> {
  const ch = options.clickhouse
  if (ch === null || typeof ch !== 'object' || typeof ch.streamQuery !== 'function' || ch.client === undefined) {
    throw new ERR_INVALID_OPTION('clickhouse', 'pass the handle returned by openClickHouse()')
  }
  const maxRangeDays = options.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS
  if (!Number.isInteger(maxRangeDays) || maxRangeDays < 1 || maxRangeDays > 3660) throw new ERR_INVALID_OPTION('maxRangeDays', 'must be an integer from 1 to 3660')
  const defaultRangeDays = options.defaultRangeDays ?? DEFAULT_RANGE_DAYS
  if (!Number.isInteger(defaultRangeDays) || defaultRangeDays < 1 || defaultRangeDays > maxRangeDays) throw new ERR_INVALID_OPTION('defaultRangeDays', 'must be an integer from 1 to maxRangeDays')
  if (options.referralPartners !== undefined && typeof options.referralPartners !== 'function') throw new ERR_INVALID_OPTION('referralPartners', 'must be a function')
  if (options.dashboard !== undefined && typeof options.dashboard !== 'boolean') throw new ERR_INVALID_OPTION('dashboard', 'must be a boolean')
  const publicStats = options.publicStats === undefined || options.publicStats === false ? null : normalizePublicStatsOptions(options.publicStats)
  return Object.freeze({ clickhouse: ch, maxRangeDays, defaultRangeDays, referralPartners: options.referralPartners ?? null, dashboard: options.dashboard === true, publicStats, telemetry: options.telemetry ?? NOOP_TELEMETRY })
}

/** A 400 problem naming the parameter (the shape `problemErrorHandler` maps to `param`). */
function paramProblem (err: ReportParamError): FastifyError {
  return Object.assign(new ERR_BAD_REQUEST(err.message), { validation: [{ instancePath: `/${err.param}`, message: err.message }] }) as FastifyError
}

async function reportsPlugin (app: FastifyInstance, options: ReportsPluginOptions): Promise<void> {
  const opts = normalize(options)
  const ch = opts.clickhouse

  await app.register(async function reportRoutes (scope) {
    requireOperatorAuth(scope, options)
    // Fastify's default ajv drops unknown keys (`removeAdditional`) instead of failing; a
    // misspelt filter would silently widen the report, so name it in a 400 here instead.
    scope.addHook('preValidation', async function rejectUnknownParams (request) {
      const known = (request.routeOptions.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties
      if (known === undefined) return
      for (const key of Object.keys(request.query as Record<string, unknown>)) {
        if (!Object.hasOwn(known, key)) throw new ReportParamError(key, `"${key}" is not a parameter of this report`)
      }
    })
    const { telemetry } = opts
    scope.addHook('onResponse', async (request, reply) => { telemetry.reportServed(request.routeOptions.url, reply.getHeader('content-type'), reply.statusCode, reply.elapsedTime / 1000) })
    scope.setErrorHandler(function reportErrors (error: FastifyError, request, reply) {
      if (error instanceof ReportParamError) return problemErrorHandler(paramProblem(error), request, reply)
      if (error.validation === undefined && (error.statusCode ?? 500) >= 500) telemetry.clickhouseError('report', error)
      if (isUnreachable(error)) return problemErrorHandler(new ERR_UNAVAILABLE('ClickHouse is unreachable'), request, reply)
      return problemErrorHandler(error, request, reply)
    })
    const r = scope.withTypeProvider<TypeBoxTypeProvider>()

    async function dataFrom (): Promise<string | null> {
      const rs = await ch.client.query({ query: `SELECT ${DATA_FROM_SQL} AS first`, format: 'JSONEachRow' })
      return (await rs.json<{ first: string | null }>())[0]?.first ?? null
    }

    const rowsOf = (built: BuiltQuery) => jsonRows(ch, built)

    function meta (report: ReportName, request: Record<string, unknown>, first: string | null) {
      return { report, request, data_from: first, generated_at: new Date().toISOString() }
    }

    /**
     * Runs a whole-answer report (all but tenant-usage). `extra` adds JSON fields beside
     * `meta` and `data` (queried alongside them); CSV carries the rows only.
     */
    async function answer (req: FastifyRequest, reply: FastifyReply, report: ReportName, echo: Record<string, unknown>, range: { from: string, to: string }, build: (format: 'json' | 'csv') => BuiltQuery | Promise<BuiltQuery>, formatParam: string | undefined, extra: () => Promise<Record<string, unknown>> = async () => ({})) {
      const format = chooseFormat(formatParam, req.headers.accept)
      if (format === 'csv') return sendCsv(reply, ch, report, range, [await build('csv')], opts.telemetry)
      const [rows, first, fields] = await Promise.all([rowsOf(await build('json')), dataFrom(), extra()])
      return reply.type('application/json; charset=utf-8').send({ meta: meta(report, { ...echo, format }, first), ...fields, data: rows })
    }

    const range = (q: { from?: string, to?: string }) => resolveRange(q, opts.maxRangeDays, opts.defaultRangeDays)

    r.get('/reports/network-usage', { schema: networkUsageSchema }, async (req, reply) => {
      const q = req.query
      const rg = range(q)
      const granularity = q.granularity ?? 'day'
      return answer(req, reply, 'network-usage', { ...rg, granularity }, rg,
        (format) => buildNetworkUsageQuery({ ...rg, granularity, format }), q.format,
        async () => {
          const [row] = await rowsOf(buildNetworkTotalsQuery([rg]))
          const { range_index: _index, ...totals } = row ?? {}
          return { totals }
        })
    })

    r.get('/reports/acquisition-funnel', { schema: acquisitionFunnelSchema }, async (req, reply) => {
      const q = req.query
      const rg = range(q)
      const groupBy = q.group_by === undefined ? [] : [...new Set(q.group_by.split(','))] as Dimension[]
      const filters = parseFilters(q)
      const activationDays = q.activation_days ?? DEFAULT_ACTIVATION_DAYS
      const echo = { ...rg, group_by: groupBy, filters, activation_days: activationDays, ...(q.limit !== undefined ? { limit: q.limit } : {}) }
      return answer(req, reply, 'acquisition-funnel', echo, rg,
        (format) => buildAcquisitionFunnelQuery({ ...rg, groupBy, filters, activationDays, format, ...(q.limit !== undefined ? { limit: q.limit } : {}) }), q.format)
    })

    r.get('/reports/cohort-usage', { schema: cohortUsageSchema }, async (req, reply) => {
      const q = req.query
      const rg = range(q)
      const cohort = q.cohort ?? 'month'
      const granularity = q.granularity ?? 'day'
      const filters = parseFilters(q)
      const echo = { ...rg, cohort, granularity, filters, ...(q.group_by !== undefined ? { group_by: q.group_by } : {}) }
      return answer(req, reply, 'cohort-usage', echo, rg,
        (format) => buildCohortUsageQuery({ ...rg, cohort, granularity, filters, format, ...(q.group_by !== undefined ? { groupBy: q.group_by } : {}) }), q.format)
    })

    r.get('/reports/referral-codes', { schema: referralCodesSchema }, async (req, reply) => {
      const q = req.query
      const rg = range(q)
      const filters = parseFilters(q)
      return answer(req, reply, 'referral-codes', { ...rg, filters }, rg, async (format) => {
        const partners: Record<string, string> = {}
        if (opts.referralPartners !== null) {
          for (const [code, partner] of Object.entries(await opts.referralPartners())) {
            if (typeof partner === 'string') partners[code.toLowerCase()] = partner
          }
        }
        return buildReferralCodesQuery({ ...rg, filters, partners, format })
      }, q.format)
    })

    r.get('/reports/tenant-usage', { schema: tenantUsageSchema }, async (req, reply) => {
      const q = req.query
      const rg = range(q)
      const granularity: Granularity = q.granularity ?? 'day'
      const filters = parseFilters(q)
      const format = chooseFormat(q.format, req.headers.accept)
      if (format === 'csv') return sendCsv(reply, ch, 'tenant-usage', rg, buildTenantUsageCsvQueries({ ...rg, granularity, filters }), opts.telemetry)
      const limit = q.limit ?? DEFAULT_TENANT_USAGE_LIMIT
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor)
      const [rows, first] = await Promise.all([tenantUsagePage(rg, granularity, filters, limit, after), dataFrom()])
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      const nextCursor = rows.length > limit && last !== undefined
        ? encodeCursor({ period_start: String(last.period_start), tenant_id: String(last.tenant_id) })
        : null
      const echo = { ...rg, granularity, filters, limit, format, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) }
      return reply.type('application/json; charset=utf-8').send({ meta: meta('tenant-usage', echo, first), next_cursor: nextCursor, data: page })
    })

    /**
     * One JSON page: reads the range in windows of 1, 2, 4… periods from the cursor on, until
     * `limit + 1` rows are in, so a page never aggregates more of the range than it needs.
     */
    async function tenantUsagePage (rg: { from: string, to: string }, granularity: Granularity, filters: ReturnType<typeof parseFilters>, limit: number, after: TenantUsageCursor | undefined) {
      const rows: Array<Record<string, unknown>> = []
      let start = periodStart(after === undefined ? rg.from : (after.period_start > rg.from ? after.period_start : rg.from), granularity)
      let span = 1
      while (rows.length <= limit && start < rg.to) {
        const { window, end } = periodWindow(rg, start, span, granularity)
        rows.push(...await rowsOf(buildTenantUsageQuery({
          ...rg, granularity, filters, window, limit: limit - rows.length, ...(after !== undefined ? { after } : {})
        })))
        start = end
        span *= 2
      }
      return rows
    }
  }, options.prefix !== undefined ? { prefix: options.prefix } : {})

  // Outside the operator-auth scope: public by design (the stats), or holding no data (the
  // dashboard's static files; its data comes from the routes above, with the token).
  if (opts.publicStats !== null) await registerPublicStats(app, ch, opts.publicStats, options.prefix, opts.telemetry)
  if (opts.dashboard) await registerDashboard(app, options.prefix)
}

/** The reports plugin (fastify-plugin wrapped; its routes and auth live in their own scope). */
export default fp(reportsPlugin, { fastify: '5.x', name: '@frameworks/attribution-reports' })
export { reportsPlugin }
