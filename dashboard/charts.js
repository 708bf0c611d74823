// ECharts options for the panels, built from the reports' rows. No DOM here.
import { hoursOf } from './format.js'

/** @typedef {import('echarts').EChartsOption} Option */
/** @typedef {import('./api.js').schemas} schemas */

/** Shared by every chart: accessible descriptions, no animation, tooltips drawn on the canvas (no HTML from data). */
const BASE = /** @type {const} */ ({
  animation: false,
  aria: { enabled: true },
  textStyle: { fontFamily: 'system-ui, sans-serif' }
})

/**
 * Processing hours stacked (Livepeer, native, other) with viewer hours beside them, per period.
 * @param {Array<Record<string, unknown>>} rows network-usage rows
 * @returns {Option}
 */
export function networkUsageOption (rows) {
  const periods = rows.map((r) => String(r.period_start))
  const hours = (/** @type {string} */ key) => rows.map((r) => hoursOf(Number(r[key])))
  return {
    ...BASE,
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: periods },
    yAxis: [
      { type: 'value', name: 'processing h', nameTextStyle: { align: 'left' } },
      { type: 'value', name: 'viewer h', nameTextStyle: { align: 'right' }, splitLine: { show: false } }
    ],
    series: [
      { name: 'Livepeer', type: 'bar', stack: 'processing', data: hours('livepeer_seconds') },
      { name: 'Native', type: 'bar', stack: 'processing', data: hours('native_seconds') },
      { name: 'Other', type: 'bar', stack: 'processing', data: hours('other_processing_seconds') },
      { name: 'Viewer hours', type: 'line', yAxisIndex: 1, showSymbol: false, data: rows.map((r) => Number(r.viewer_hours)) }
    ]
  }
}

export const FUNNEL_STAGES = /** @type {const} */ (['signups', 'activated', 'streaming', 'retained'])

/**
 * The funnel stages per acquisition group.
 * @param {Array<Record<string, unknown>>} rows acquisition-funnel rows
 * @param {string} dimension
 * @returns {Option}
 */
export function funnelOption (rows, dimension) {
  return {
    ...BASE,
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: rows.map((r) => String(r[dimension])), axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'tenants' },
    series: FUNNEL_STAGES.map((stage) => ({ name: stage, type: 'bar', data: rows.map((r) => Number(r[stage])) }))
  }
}

/**
 * Cohort period (rows, `unattributed` last) × usage period (columns) for one metric.
 * @param {Array<Record<string, unknown>>} rows cohort-usage rows
 * @param {string} metric
 * @returns {Option}
 */
export function cohortHeatmapOption (rows, metric) {
  const periods = [...new Set(rows.map((r) => String(r.period_start)))].sort()
  const cohorts = [...new Set(rows.map((r) => String(r.cohort_period)))]
    .sort((a, b) => (a === 'unattributed' ? 1 : b === 'unattributed' ? -1 : a.localeCompare(b)))
  const x = new Map(periods.map((p, i) => [p, i]))
  const y = new Map(cohorts.map((c, i) => [c, i]))
  const cells = rows.map((r) => [x.get(String(r.period_start)) ?? 0, y.get(String(r.cohort_period)) ?? 0, Number(r[metric])])
  const max = cells.reduce((m, c) => Math.max(m, Number(c[2])), 0)
  return {
    ...BASE,
    tooltip: { position: 'top', renderMode: 'richText' },
    grid: { left: 24, right: 16, top: 8, bottom: 72, containLabel: true },
    xAxis: { type: 'category', data: periods, splitArea: { show: true } },
    yAxis: { type: 'category', data: cohorts, splitArea: { show: true } },
    visualMap: { min: 0, max: max > 0 ? max : 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120 },
    series: [{ name: metric, type: 'heatmap', data: cells, emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }]
  }
}
