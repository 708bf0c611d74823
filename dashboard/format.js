// Dates, ranges and numbers as the dashboard shows them. No DOM here.

/** Longest range the reports accept, in days (the plugin's default `maxRangeDays`). */
export const MAX_RANGE_DAYS = 1096

/**
 * @param {string} date `YYYY-MM-DD`
 * @param {number} days
 * @returns {string}
 */
export function addDays (date, days) {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** @returns {string} today, UTC */
export const todayUtc = () => new Date().toISOString().slice(0, 10)

/**
 * The reports' range for the last `days` days, today included (`to` is exclusive).
 * @param {number} days
 * @returns {{ from: string, to: string }}
 */
export function presetRange (days) {
  const to = addDays(todayUtc(), 1)
  return { from: addDays(to, -days), to }
}

/**
 * A range from the date inputs (`last` inclusive), or the reason it is not one.
 * @param {string} first
 * @param {string} last
 * @returns {{ from: string, to: string } | { error: string }}
 */
export function customRange (first, last) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(first) || !/^\d{4}-\d{2}-\d{2}$/.test(last)) return { error: 'Pick both dates.' }
  if (first > last) return { error: '"From" must not be after "To".' }
  const to = addDays(last, 1)
  const days = Math.round((Date.parse(to) - Date.parse(first)) / 86_400_000)
  if (days > MAX_RANGE_DAYS) return { error: `A range may span at most ${MAX_RANGE_DAYS} days.` }
  return { from: first, to }
}

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })

/**
 * A figure as the tiles and tables show it (en-US, at most two decimals).
 * @param {number} value
 */
export const formatNumber = (value) => numbers.format(value)

/**
 * A rate from 0 to 1 as a percentage.
 * @param {number} rate
 */
export const formatRate = (rate) => `${(rate * 100).toFixed(1)} %`

/**
 * Hours from seconds, rounded as the reports round (6 decimals).
 * @param {number} seconds
 */
export const hoursOf = (seconds) => Math.round(seconds / 3600 * 1e6) / 1e6

/**
 * The backfill disclaimer for a report's `meta.data_from`.
 * @param {string | null | undefined} dataFrom
 */
export function dataFromNote (dataFrom) {
  if (dataFrom === null || dataFrom === undefined) return 'No acquisition data yet: every tenant counts as unattributed.'
  return `Acquisition data exists from ${dataFrom.slice(0, 10)} (UTC): tenants who signed up before then count as unattributed.`
}
