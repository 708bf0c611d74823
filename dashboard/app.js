// The operator dashboard: sign-in, controls, and five panels that load in parallel from the
// report routes (through the typed client in api.js). The token lives in sessionStorage only;
// the view (range, granularity, dimension, cohort metric) lives in the URL (view.js), so a
// reload, the back button or a shared link shows the same view.
import * as echarts from 'echarts'
import { RefusedError, csvUrl, fetchCsv, loadReports, reportsClient } from './api.js'
import { FUNNEL_STAGES, cohortHeatmapOption, funnelOption, networkUsageOption } from './charts.js'
import { addDays, customRange, dataFromNote, formatNumber, formatRate, hoursOf, presetRange } from './format.js'
import { DIMENSIONS, readView, viewQuery } from './view.js'

/** @typedef {import('./api.js').Selection} Selection */
/** @typedef {import('./api.js').Dimension} Dimension */
/** @typedef {import('./api.js').Granularity} Granularity */

const TOKEN_KEY = 'fw-attribution-operator-token'

/**
 * @template {Element} T
 * @param {string} selector
 * @param {new () => T} type
 * @param {ParentNode} [root]
 * @returns {T}
 */
function $ (selector, type, root = document) {
  const el = root.querySelector(selector)
  if (!(el instanceof type)) throw new Error(`missing ${selector}`)
  return el
}

const signIn = $('#sign-in', HTMLElement)
const signInForm = $('#sign-in-form', HTMLFormElement)
const tokenInput = $('#token', HTMLInputElement)
const signInError = $('#sign-in-error', HTMLElement)
const signOutButton = $('#sign-out', HTMLButtonElement)
const dashboard = $('#dashboard', HTMLElement)
const controls = $('#controls', HTMLFormElement)
const fromInput = $('#from', HTMLInputElement)
const toInput = $('#to', HTMLInputElement)
const granularitySelect = $('#granularity', HTMLSelectElement)
const dimensionSelect = $('#dimension', HTMLSelectElement)
const metricSelect = $('#cohort-metric', HTMLSelectElement)
const controlsError = $('#controls-error', HTMLElement)
const summary = $('#range-summary', HTMLElement)
const presetButtons = [...document.querySelectorAll('.presets button')].filter((b) => b instanceof HTMLButtonElement)

for (const d of DIMENSIONS) dimensionSelect.append(new Option(d.replaceAll('_', ' '), d))

const client = reportsClient(() => sessionStorage.getItem(TOKEN_KEY))

const initial = readView(window.location.search)
/** @type {Selection} */
let selection = initial.selection
let activeDays = initial.days
metricSelect.value = initial.metric
let generation = 0
let controller = new AbortController()
/** @type {Array<Record<string, unknown>>} */
let cohortRows = []

// ── panels ────────────────────────────────────────────────────────────────────
/** @param {string} name */
const panel = (name) => $(`[data-panel="${name}"]`, HTMLElement)
const PANELS = ['tiles', 'network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes']

/** @type {Map<string, import('echarts').ECharts>} */
const charts = new Map()

/** @param {string} name */
function chartOf (name) {
  let chart = charts.get(name)
  if (chart === undefined) {
    const el = $('.chart', HTMLElement, panel(name))
    chart = echarts.init(el, null, { renderer: 'canvas' })
    const drawn = chart
    drawn.on('finished', () => { el.dataset.drawn = el.dataset.pending ?? '' })
    new ResizeObserver(() => drawn.resize()).observe(el)
    charts.set(name, chart)
  }
  return chart
}

/**
 * @param {string} name
 * @param {import('echarts').EChartsOption} option
 * @param {string} key what the drawing shows
 */
function draw (name, option, key) {
  const chart = chartOf(name)
  const el = $('.chart', HTMLElement, panel(name))
  el.dataset.pending = key
  chart.setOption(option, { notMerge: true })
}

/** @param {string} name @param {string} key */
function setLoading (name, key) {
  const p = panel(name)
  p.dataset.state = 'loading'
  p.dataset.query = key
  p.setAttribute('aria-busy', 'true')
  $('.status', HTMLElement, p).textContent = 'Loading…'
}

/** @param {string} name */
function setReady (name) {
  const p = panel(name)
  p.dataset.state = 'ready'
  p.removeAttribute('aria-busy')
  $('.status', HTMLElement, p).textContent = ''
}

/** @param {string} name @param {unknown} err */
function setError (name, err) {
  const p = panel(name)
  p.dataset.state = 'error'
  p.removeAttribute('aria-busy')
  $('.status', HTMLElement, p).textContent = err instanceof Error ? err.message : 'The report failed.'
}

/** @param {HTMLElement} p @param {string | null | undefined} dataFrom */
function showDataFrom (p, dataFrom) {
  for (const el of p.querySelectorAll('.disclaimer')) el.textContent = dataFromNote(dataFrom)
}

/**
 * @param {HTMLTableElement} table
 * @param {string[]} head
 * @param {Array<Array<string>>} rows
 */
function fillTable (table, head, rows) {
  const thead = document.createElement('thead')
  const tr = document.createElement('tr')
  for (const h of head) {
    const th = document.createElement('th')
    th.scope = 'col'
    th.textContent = h
    tr.append(th)
  }
  thead.append(tr)
  const tbody = document.createElement('tbody')
  for (const cells of rows) {
    const row = document.createElement('tr')
    for (const c of cells) {
      const td = document.createElement('td')
      td.textContent = c
      row.append(td)
    }
    tbody.append(row)
  }
  table.replaceChildren(thead, tbody)
}

/** @param {string} testId @param {number} value */
function setTile (testId, value) {
  const dd = $(`[data-testid="${testId}"] dd`, HTMLElement)
  dd.dataset.value = String(value)
  dd.textContent = formatNumber(value)
}

// ── loading ───────────────────────────────────────────────────────────────────
/** @param {Selection} s */
const keyOf = (s) => `${s.from}/${s.to}/${s.granularity}/${s.dimension}`

function load () {
  controller.abort()
  controller = new AbortController()
  const mine = ++generation
  const s = selection
  const key = keyOf(s)
  dashboard.dataset.query = key
  summary.textContent = `${s.from} to ${addDays(s.to, -1)} (UTC), by ${s.granularity}`
  for (const name of PANELS) setLoading(name, key)
  for (const link of dashboard.querySelectorAll('a.csv')) {
    if (link instanceof HTMLAnchorElement) link.href = csvUrl(/** @type {import('./api.js').CsvReport} */ (link.dataset.report), s)
  }
  const reports = loadReports(client, s, controller.signal)
  // Each panel renders as soon as its own reports are in.
  const current = () => mine === generation
  /**
   * @param {string} name
   * @param {Promise<void>} work
   */
  const settle = (name, work) => work.then(() => { if (current()) setReady(name) }, (err) => {
    if (!current()) return
    if (err instanceof RefusedError) signOut(err.message)
    else setError(name, err)
  })

  settle('tiles', Promise.all([reports.network, reports.funnel]).then(([network, funnel]) => {
    if (!current()) return
    const totals = network.totals
    setTile('tile-viewer-hours', totals.viewer_hours)
    setTile('tile-egress-gb', totals.egress_gb)
    setTile('tile-livepeer-hours', hoursOf(totals.livepeer_seconds))
    setTile('tile-native-hours', hoursOf(totals.native_seconds))
    setTile('tile-signups', funnel.data.reduce((sum, r) => sum + r.signups, 0))
    setTile('tile-active-tenants', totals.active_tenants)
    showDataFrom(panel('tiles'), funnel.meta.data_from)
  }))
  settle('network-usage', reports.network.then((network) => {
    if (current()) draw('network-usage', networkUsageOption(network.data), key)
  }))
  settle('acquisition-funnel', reports.funnel.then((funnel) => {
    if (!current()) return
    const p = panel('acquisition-funnel')
    showDataFrom(p, funnel.meta.data_from)
    const rows = /** @type {Array<Record<string, unknown>>} */ (funnel.data)
    draw('acquisition-funnel', funnelOption(rows, s.dimension), key)
    fillTable($('.funnel-table', HTMLTableElement, p), [s.dimension.replaceAll('_', ' '), ...FUNNEL_STAGES, 'activation', 'streaming', 'retention'],
      funnel.data.map((r) => [String(r[s.dimension] ?? ''), ...FUNNEL_STAGES.map((stage) => formatNumber(r[stage])), formatRate(r.activation_rate), formatRate(r.streaming_rate), formatRate(r.retention_rate)]))
  }))
  settle('cohort-usage', reports.cohorts.then((cohorts) => {
    if (!current()) return
    showDataFrom(panel('cohort-usage'), cohorts.meta.data_from)
    cohortRows = /** @type {Array<Record<string, unknown>>} */ (cohorts.data)
    draw('cohort-usage', cohortHeatmapOption(cohortRows, metricSelect.value), key)
  }))
  settle('referral-codes', reports.codes.then((codes) => {
    if (!current()) return
    const p = panel('referral-codes')
    showDataFrom(p, codes.meta.data_from)
    fillTable($('.codes-table', HTMLTableElement, p), ['code', 'partner', 'signups', 'applied', 'refused', 'active tenants', 'viewer hours', 'egress GB'],
      codes.data.map((r) => [r.referral_code, r.partner, formatNumber(r.signups), formatNumber(r.applied),
        formatNumber(r.refused_unknown + r.refused_inactive + r.refused_expired + r.refused_exhausted), formatNumber(r.active_tenants),
        formatNumber(r.viewer_hours), formatNumber(r.egress_gb)]))
  }))
}

// ── sign-in ───────────────────────────────────────────────────────────────────
function showDashboard () {
  signIn.hidden = true
  dashboard.hidden = false
  signOutButton.hidden = false
  load()
}

/** @param {string} [message] why, shown on the form */
function signOut (message) {
  controller.abort()
  generation++
  sessionStorage.removeItem(TOKEN_KEY)
  dashboard.hidden = true
  signOutButton.hidden = true
  signIn.hidden = false
  signInError.hidden = message === undefined
  signInError.textContent = message ?? ''
  tokenInput.value = ''
  tokenInput.setAttribute('aria-invalid', String(message !== undefined))
  tokenInput.focus()
}

signInForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const token = tokenInput.value.trim()
  if (token === '') {
    signInError.hidden = false
    signInError.textContent = 'Enter the operator token.'
    tokenInput.focus()
    return
  }
  sessionStorage.setItem(TOKEN_KEY, token)
  tokenInput.value = ''
  signInError.hidden = true
  tokenInput.removeAttribute('aria-invalid')
  showDashboard()
})
signOutButton.addEventListener('click', () => signOut())

// ── controls and the URL ─────────────────────────────────────────────────────
function syncControls () {
  for (const b of presetButtons) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === activeDays))
  fromInput.value = selection.from
  toInput.value = addDays(selection.to, -1)
  granularitySelect.value = selection.granularity
  dimensionSelect.value = selection.dimension
  controlsError.hidden = true
}

/**
 * Writes the view into the address bar: a new history entry for a choice (`push`, so Back
 * returns to the view before), or the same entry (`replace`, for the view read at load).
 * @param {'push' | 'replace'} how
 */
function rememberView (how) {
  const query = viewQuery({ selection, days: activeDays, metric: metricSelect.value })
  if (query === window.location.search) return
  const url = `${window.location.pathname}${query}`
  if (how === 'push') window.history.pushState(null, '', url)
  else window.history.replaceState(null, '', url)
}

/** Shows a choice of the controls and remembers it as a new history entry. */
function choose () {
  syncControls()
  rememberView('push')
  if (!dashboard.hidden) load()
}

function redrawCohorts () {
  if (panel('cohort-usage').dataset.state === 'ready') draw('cohort-usage', cohortHeatmapOption(cohortRows, metricSelect.value), keyOf(selection))
}

for (const button of presetButtons) {
  button.addEventListener('click', () => {
    activeDays = Number(button.dataset.days)
    selection = { ...selection, ...presetRange(activeDays) }
    choose()
  })
}
controls.addEventListener('submit', (event) => {
  event.preventDefault()
  const range = customRange(fromInput.value, toInput.value)
  if ('error' in range) {
    controlsError.hidden = false
    controlsError.textContent = range.error
    return
  }
  activeDays = null
  selection = { ...selection, ...range }
  choose()
})
granularitySelect.addEventListener('change', () => {
  selection = { ...selection, granularity: /** @type {Granularity} */ (granularitySelect.value) }
  choose()
})
dimensionSelect.addEventListener('change', () => {
  selection = { ...selection, dimension: /** @type {Dimension} */ (dimensionSelect.value) }
  choose()
})
metricSelect.addEventListener('change', () => {
  rememberView('push')
  redrawCohorts()
})
// Back and Forward: show the view of that entry.
window.addEventListener('popstate', () => {
  const view = readView(window.location.search)
  const reload = keyOf(view.selection) !== keyOf(selection)
  selection = view.selection
  activeDays = view.days
  const redraw = metricSelect.value !== view.metric
  metricSelect.value = view.metric
  syncControls()
  if (dashboard.hidden) return
  if (reload) load()
  else if (redraw) redrawCohorts()
})

// CSV: the link's address needs the token, so the page fetches it and saves the answer.
for (const link of dashboard.querySelectorAll('a.csv')) {
  if (!(link instanceof HTMLAnchorElement)) continue
  link.addEventListener('click', (event) => {
    event.preventDefault()
    const report = /** @type {import('./api.js').CsvReport} */ (link.dataset.report)
    const p = link.closest('.panel')
    const status = p === null ? null : p.querySelector('.status')
    if (status !== null) status.textContent = 'Preparing CSV…'
    fetchCsv(client, report, selection).then(({ blob, filename }) => {
      const url = URL.createObjectURL(blob)
      const save = document.createElement('a')
      save.href = url
      save.download = filename
      save.hidden = true
      document.body.append(save)
      save.click()
      save.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      if (status !== null) status.textContent = ''
    }, (err) => {
      if (err instanceof RefusedError) signOut(err.message)
      else if (status !== null) status.textContent = err instanceof Error ? err.message : 'The CSV failed.'
    })
  })
}

syncControls()
// The view as read (an unknown value became its default), without a new history entry.
rememberView('replace')
if (sessionStorage.getItem(TOKEN_KEY) !== null) showDashboard()
else tokenInput.focus()
