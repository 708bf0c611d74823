// The report routes through the typed client generated from openapi.yaml (api-types.d.ts,
// `npm run openapi`): every path, parameter and answer below is checked by tsc against it.
import createClient from 'openapi-fetch'

/** @typedef {import('./api-types').paths} paths */
/** @typedef {import('./api-types').components['schemas']} schemas */
/** @typedef {import('openapi-fetch').Client<paths, 'application/json'>} ReportsClient */
/** @typedef {NonNullable<import('./api-types').operations['getCohortUsage']['parameters']['query']>['group_by'] & string} Dimension */
/** @typedef {'day' | 'week' | 'month'} Granularity */
/** @typedef {{ from: string, to: string, granularity: Granularity, dimension: Dimension }} Selection */

/** @type {(options: import('openapi-fetch').ClientOptions) => ReportsClient} */
const createReportsClient = createClient

/** The report routes sit beside the dashboard: `<prefix>/dashboard/` → `<prefix>/reports/…`. */
const baseUrl = new URL('..', window.location.href).href.replace(/\/$/, '')

/** An answer the server refused for its credentials (401 or 403). */
export class RefusedError extends Error {
  /** @param {number} status */
  constructor (status) {
    super(status === 401 ? 'The gateway asked for an operator token (401).' : 'The gateway refused this token (403).')
    this.status = status
  }
}

/**
 * A client that sends `Authorization: Bearer <token>` from `token()` on every request.
 * @param {() => string | null} token
 * @returns {ReportsClient}
 */
export function reportsClient (token) {
  const client = createReportsClient({ baseUrl })
  client.use({
    onRequest ({ request }) {
      const value = token()
      if (value !== null) request.headers.set('authorization', `Bearer ${value}`)
      return request
    }
  })
  return client
}

/**
 * The data of an answer, or an error: RefusedError for 401/403, else one with the problem's detail.
 * @template T
 * @param {{ data?: T, error?: unknown, response: Response }} result
 * @returns {NonNullable<T>}
 */
export function dataOf (result) {
  const { status } = result.response
  if (status === 401 || status === 403) throw new RefusedError(status)
  if (result.data === undefined || result.data === null) {
    const detail = /** @type {{ detail?: unknown } | undefined} */ (result.error)?.detail
    throw new Error(`The report failed (${status})${typeof detail === 'string' ? `: ${detail}` : ''}`)
  }
  return result.data
}

/**
 * Starts every report the page shows, at once (they load in parallel).
 * @param {ReportsClient} client
 * @param {Selection} s
 * @param {AbortSignal} signal
 */
export function loadReports (client, s, signal) {
  const range = { from: s.from, to: s.to }
  return {
    network: client.GET('/reports/network-usage', { params: { query: { ...range, granularity: s.granularity } }, signal }).then(dataOf),
    funnel: client.GET('/reports/acquisition-funnel', { params: { query: { ...range, group_by: s.dimension, limit: 12 } }, signal }).then(dataOf),
    cohorts: client.GET('/reports/cohort-usage', { params: { query: { ...range, cohort: 'month', granularity: s.granularity } }, signal }).then(dataOf),
    codes: client.GET('/reports/referral-codes', { params: { query: range }, signal }).then(dataOf)
  }
}

/** @typedef {'network-usage' | 'acquisition-funnel' | 'cohort-usage' | 'referral-codes'} CsvReport */

/**
 * The same report and range as a panel shows, as CSV.
 * @param {ReportsClient} client
 * @param {CsvReport} report
 * @param {Selection} s
 * @returns {Promise<{ blob: Blob, filename: string }>}
 */
export async function fetchCsv (client, report, s) {
  const range = { from: s.from, to: s.to, format: /** @type {const} */ ('csv') }
  const result = report === 'network-usage'
    ? await client.GET('/reports/network-usage', { params: { query: { ...range, granularity: s.granularity } }, parseAs: 'blob' })
    : report === 'acquisition-funnel'
      ? await client.GET('/reports/acquisition-funnel', { params: { query: { ...range, group_by: s.dimension, limit: 12 } }, parseAs: 'blob' })
      : report === 'cohort-usage'
        ? await client.GET('/reports/cohort-usage', { params: { query: { ...range, cohort: 'month', granularity: s.granularity } }, parseAs: 'blob' })
        : await client.GET('/reports/referral-codes', { params: { query: range }, parseAs: 'blob' })
  const blob = dataOf(result)
  const disposition = result.response.headers.get('content-disposition') ?? ''
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${report}_${s.from}_${s.to}.csv`
  return { blob, filename }
}

/**
 * The URL of a panel's CSV (shown as the link's address; the page fetches it with the token).
 * @param {CsvReport} report
 * @param {Selection} s
 */
export function csvUrl (report, s) {
  /** @type {Record<string, string>} */
  const query = { from: s.from, to: s.to }
  if (report === 'network-usage' || report === 'cohort-usage') query.granularity = s.granularity
  if (report === 'cohort-usage') query.cohort = 'month'
  if (report === 'acquisition-funnel') { query.group_by = s.dimension; query.limit = '12' }
  query.format = 'csv'
  return `${baseUrl}/reports/${report}?${new URLSearchParams(query).toString()}`
}
