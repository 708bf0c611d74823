// What the dashboard shows, kept in the page's query string so that a reload or a shared link
// opens the same view: the range (a preset or dates), granularity, acquisition dimension and
// cohort metric. Never the token: it stays in sessionStorage. No DOM here.
//
// The range uses the report routes' own parameters (`from`, `to` exclusive, as in
// `/reports/*`), or `days` for a preset that moves with today. A value the page does not know
// falls back to its default, field by field, without an error: links outlive releases.
import { MAX_RANGE_DAYS, presetRange } from './format.js'

/** @typedef {import('./api.js').Dimension} Dimension */
/** @typedef {import('./api.js').Granularity} Granularity */
/** @typedef {import('./api.js').Selection} Selection */

/** The range presets, in days. */
export const PRESET_DAYS = [30, 90, 365]
/** The preset a view without a valid range shows. */
export const DEFAULT_DAYS = 30
/** @type {Granularity[]} */
export const GRANULARITIES = ['day', 'week', 'month']
/** @type {Dimension[]} */
export const DIMENSIONS = ['channel_group', 'signup_channel', 'signup_method', 'client_kind', 'is_agent', 'utm_source', 'utm_medium', 'utm_campaign', 'referral_code']
/** The cohort heatmap's metrics (columns of the cohort-usage report; the options of `#cohort-metric`). */
export const COHORT_METRICS = ['viewer_hours', 'egress_gb', 'livepeer_seconds', 'native_seconds', 'api_requests']

/**
 * @typedef {object} View
 * @property {Selection} selection the reports' range, granularity and dimension
 * @property {number | null} days the preset the range follows, or null for fixed dates
 * @property {string} metric the cohort heatmap's metric
 */

/** @returns {View} */
export function defaultView () {
  return { selection: { ...presetRange(DEFAULT_DAYS), granularity: 'day', dimension: 'channel_group' }, days: DEFAULT_DAYS, metric: 'viewer_hours' }
}

/**
 * A calendar date as `YYYY-MM-DD`, or null (`2026-02-31` is not one).
 * @param {string | null} value
 */
function dateOf (value) {
  if (value === null || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null
  // `2026-13-01` is no time at all; `2026-02-31` is one, in March.
  const time = Date.parse(`${value}T00:00:00Z`)
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value ? value : null
}

/**
 * The fixed range of `from` and `to` (exclusive), or null when it is not one the reports take.
 * @param {string | null} fromValue
 * @param {string | null} toValue
 */
function fixedRange (fromValue, toValue) {
  const from = dateOf(fromValue)
  const to = dateOf(toValue)
  if (from === null || to === null || from >= to) return null
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000)
  return days > MAX_RANGE_DAYS ? null : { from, to }
}

/**
 * @template {string} T
 * @param {readonly T[]} allowed
 * @param {string | null} value
 * @param {T} fallback
 * @returns {T}
 */
const oneOf = (allowed, value, fallback) => allowed.find((a) => a === value) ?? fallback

/**
 * The view a query string names; each unknown or missing value takes its default.
 * @param {string} search `location.search`
 * @returns {View}
 */
export function readView (search) {
  const q = new URLSearchParams(search)
  const fallback = defaultView()
  const fixed = fixedRange(q.get('from'), q.get('to'))
  const preset = PRESET_DAYS.find((d) => String(d) === q.get('days'))
  const days = fixed !== null ? null : preset ?? DEFAULT_DAYS
  return {
    selection: {
      ...(fixed ?? presetRange(days ?? DEFAULT_DAYS)),
      granularity: oneOf(GRANULARITIES, q.get('granularity'), fallback.selection.granularity),
      dimension: oneOf(DIMENSIONS, q.get('dimension'), fallback.selection.dimension)
    },
    days,
    metric: oneOf(COHORT_METRICS, q.get('metric'), fallback.metric)
  }
}

/**
 * The query string of a view (with its `?`): `days` for a preset, else `from` and `to`.
 * @param {View} view
 */
export function viewQuery (view) {
  const { selection: s } = view
  /** @type {Record<string, string>} */
  const range = view.days !== null ? { days: String(view.days) } : { from: s.from, to: s.to }
  return `?${new URLSearchParams({ ...range, granularity: s.granularity, dimension: s.dimension, metric: view.metric }).toString()}`
}

