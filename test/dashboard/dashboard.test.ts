// The operator dashboard end to end: the example gateway with seeded demo data, listening,
// driven by Debian's Chromium (headless, through playwright-core): sign-in, every control,
// the view in the URL (reload, Back, shared links, bad values), the token never in a URL or
// the history, and tables that scroll inside their panels at 1280 and 390 px. Screenshots at
// 1280 and 390 px go to a temporary folder printed below (not committed).
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildTestGateway } from '../helpers/gateway.ts'
import { csvObjects } from '../routes/reports/helpers.ts'

const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} is missing: this test drives Debian's Chromium. Install it with \`apt-get install -y chromium\` (.ci/run does).`)
}

const TOKEN = 'operator-token-for-the-dashboard-test'
const { app } = await buildTestGateway(t, { name: 'pglite', url: undefined }, { OPERATOR_TOKENS: TOKEN, SEED_DEMO: '1', COOKIE_SECRETS: 'k'.repeat(40) })
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

const browser: Browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
})
t.teardown(() => browser.close())

const PANELS = ['tiles', 'network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes']
const TILES = ['tile-viewer-hours', 'tile-egress-gb', 'tile-livepeer-hours', 'tile-native-hours', 'tile-signups', 'tile-active-tenants']
const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const hoursOf = (seconds: number): number => Math.round(seconds / 3600 * 1e6) / 1e6

function addDays (date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
const tomorrow = addDays(new Date().toISOString().slice(0, 10), 1)

/** A report as JSON, asked with the token from here (not through the page). */
async function report (path: string): Promise<{ meta: Record<string, unknown>, totals?: Record<string, number>, data: Array<Record<string, unknown>> }> {
  const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return res.json() as never
}

interface Watched { page: Page, context: BrowserContext, requests: string[], consoleErrors: string[] }

async function openPage (width: number, height: number): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const watched: Watched = { page, context, requests: [], consoleErrors: [] }
  page.on('request', (r) => { watched.requests.push(r.url()) })
  page.on('console', (m) => { if (m.type() === 'error') watched.consoleErrors.push(m.text()) })
  page.on('pageerror', (e) => { watched.consoleErrors.push(`page error: ${e.message}`) })
  await page.goto(`${origin}/dashboard/`)
  return watched
}

// Page-side functions run in the browser (Playwright sends their source); this project's
// TypeScript has no DOM library, so here are the few DOM names they use, for this file only.
interface PageCanvas { width: number, height: number, getContext (kind: '2d'): { getImageData (x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }
interface PageRect { left: number, right: number, width: number }
interface PageElement {
  dataset: Record<string, string | undefined>
  querySelector (selector: string): PageCanvas | null
  closest (selector: string): PageElement | null
  getBoundingClientRect (): PageRect
  parentElement: PageElement | null
  scrollWidth: number
  clientWidth: number
  scrollLeft: number
  firstElementChild: PageElement | null
  lastElementChild: PageElement | null
}
interface PageTable extends PageElement { tHead: { rows: ArrayLike<PageElement> } | null }
declare const document: { querySelectorAll (selector: string): Iterable<PageElement>, documentElement: { scrollWidth: number, clientWidth: number } }
declare function getComputedStyle (el: PageElement): { overflowX: string, paddingRight: string }
declare const sessionStorage: { length: number }
declare const localStorage: { length: number }

/** Waits until every panel has answered the selection `key`, and every chart has drawn it. */
async function settled (page: Page, key: string): Promise<Record<string, string>> {
  await page.waitForFunction((k) => [...document.querySelectorAll('[data-panel]')].every((p) => p.dataset.query === k && p.dataset.state !== 'loading'), key, { timeout: 180_000 })
  const states = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-panel]')].map((p) => [p.dataset.panel ?? '', p.dataset.state ?? ''])))
  if (Object.values(states).every((s) => s === 'ready')) {
    await page.waitForFunction((k) => [...document.querySelectorAll('.chart')].every((c) => c.dataset.drawn === k), key, { timeout: 60_000 })
  }
  return states
}

/** Opaque pixels each chart's canvas holds. */
const chartInk = (page: Page): Promise<Record<string, number>> => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.chart')].map((chart) => {
  const canvas = chart.querySelector('canvas')
  const name = chart.closest('[data-panel]')?.dataset.panel ?? '?'
  if (canvas === null || canvas.width === 0 || canvas.height === 0) return [name, 0]
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let ink = 0
  for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) ink++
  return [name, ink]
})))

async function checkTiles (t: Test, page: Page, range: { from: string, to: string }): Promise<void> {
  const network = await report(`/reports/network-usage?from=${range.from}&to=${range.to}&granularity=month`)
  const funnel = await report(`/reports/acquisition-funnel?from=${range.from}&to=${range.to}&group_by=channel_group&limit=12`)
  const totals = network.totals as Record<string, number>
  const expected: Record<string, number> = {
    'tile-viewer-hours': totals.viewer_hours as number,
    'tile-egress-gb': totals.egress_gb as number,
    'tile-livepeer-hours': hoursOf(totals.livepeer_seconds as number),
    'tile-native-hours': hoursOf(totals.native_seconds as number),
    'tile-signups': funnel.data.reduce((sum, r) => sum + Number(r.signups), 0),
    'tile-active-tenants': totals.active_tenants as number
  }
  for (const id of TILES) {
    const dd = page.locator(`[data-testid="${id}"] dd`)
    t.equal(Number(await dd.getAttribute('data-value')), expected[id], `${id} ${range.from}..${range.to}`)
    t.equal((await dd.textContent())?.trim(), numbers.format(expected[id] as number), `${id} shows its number`)
  }
  t.ok((expected['tile-viewer-hours'] ?? 0) > 0, 'the seeded usage shows')
  const months = network.data
  t.ok(months.reduce((s, r) => s + Number(r.active_tenants), 0) >= (expected['tile-active-tenants'] ?? 0), 'active tenants are distinct over the range, not summed over its months')
}

/** Every URL in the tab's history (Chromium's own list, through the DevTools protocol). */
async function historyUrls (watched: Watched): Promise<string[]> {
  const cdp = await watched.context.newCDPSession(watched.page)
  const { entries } = await cdp.send('Page.getNavigationHistory')
  await cdp.detach()
  return entries.map((e) => e.url)
}

/** What the controls show: the view a user sees. */
const controlsOf = (page: Page): Promise<Record<string, string | null>> => Promise.all([
  page.getByLabel('From').inputValue(), page.getByLabel('To (inclusive)').inputValue(), page.getByLabel('Granularity').inputValue(),
  page.getByLabel('Acquisition dimension').inputValue(), page.getByLabel('Metric').inputValue(),
  page.locator('.presets [aria-pressed="true"]').count().then(async (n) => (n === 0 ? null : await page.locator('.presets [aria-pressed="true"]').textContent()))
]).then(([from, last, granularity, dimension, metric, preset]) => ({ from, last, granularity, dimension, metric, preset }))

/** The query string of the page's address. */
const queryOf = (page: Page): Record<string, string> => Object.fromEntries(new URL(page.url()).searchParams)

/**
 * Each table of a panel, measured: whether it is wider than the room its panel gives it,
 * whether anything sticks out of the panel (its scrollWidth past its clientWidth), whether
 * the table's box stays inside the panel's, and whether scrolling the table to its end
 * brings its last column into view.
 */
const tableFit = (page: Page) => page.evaluate(() => [...document.querySelectorAll('[data-panel] table')].map((el) => {
  const table = el as PageTable
  const panel = table.closest('[data-panel]') as PageElement
  const wrap = table.parentElement as PageElement
  const p = panel.getBoundingClientRect()
  const w = wrap.getBoundingClientRect()
  wrap.scrollLeft = wrap.scrollWidth
  const head = table.tHead?.rows[0]
  const last = head?.lastElementChild?.getBoundingClientRect()
  const first = head?.firstElementChild?.getBoundingClientRect()
  const fit = {
    panel: panel.dataset.panel ?? '?',
    wide: table.scrollWidth > wrap.clientWidth,
    overflow: panel.scrollWidth - panel.clientWidth,
    inside: w.left >= p.left && w.right <= p.right - Number.parseFloat(getComputedStyle(panel).paddingRight) + 0.5,
    scrolls: getComputedStyle(wrap).overflowX,
    lastColumnReachable: last !== undefined && last.right <= w.right + 0.5 && last.left >= w.left - 0.5,
    firstColumnStays: first !== undefined && Math.abs(first.left - w.left) < 1
  }
  wrap.scrollLeft = 0
  return fit
}))

/** Checks that no table overflows its panel; returns the panels whose table is wider than its room. */
async function checkTablesFit (t: Test, page: Page, width: number): Promise<string[]> {
  const fits = await tableFit(page)
  t.same(fits.map((f) => f.panel), ['acquisition-funnel', 'referral-codes'], 'both tables are measured')
  for (const f of fits) {
    t.ok(f.overflow <= 0, `${width} px: nothing sticks out of the ${f.panel} panel (by ${f.overflow} px)`)
    t.ok(f.inside, `${width} px: the ${f.panel} table's box stays inside its panel`)
    if (f.wide) {
      t.match(f.scrolls, /^(auto|scroll)$/, `${width} px: the wide ${f.panel} table scrolls`)
      t.ok(f.lastColumnReachable, `${width} px: scrolled to its end, the ${f.panel} table shows its last column`)
      t.ok(f.firstColumnStays, `${width} px: scrolled to its end, the ${f.panel} table still shows its first column`)
    }
  }
  return fits.filter((f) => f.wide).map((f) => f.panel)
}

const main = await openPage(1280, 900)

t.test('a wrong token shows the sign-in error and stores nothing', async (t) => {
  const wrong = await openPage(1280, 900)
  await wrong.page.getByLabel('Operator token').fill('not-the-token')
  await wrong.page.getByRole('button', { name: 'Sign in' }).click()
  const error = wrong.page.locator('#sign-in-error')
  await error.waitFor({ state: 'visible' })
  t.match(await error.textContent(), /refused this token \(403\)/)
  t.ok(await wrong.page.getByLabel('Operator token').isVisible(), 'back on the form')
  t.equal(await wrong.page.evaluate(() => sessionStorage.length + localStorage.length), 0)
  t.notOk(wrong.requests.some((u) => u.includes('not-the-token')), 'the token is never in a URL')
  // Chromium logs every refused fetch itself ("Failed to load resource … 403"); the page logs nothing else.
  t.same(wrong.consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 403/.test(e)), [])
})

t.test('signed in, every preset and granularity fills the tiles with the reports\' totals and draws every chart', async (t) => {
  const { page } = main
  t.ok(await page.getByLabel('Operator token').isVisible())
  await page.getByLabel('Operator token').fill(TOKEN)
  await page.keyboard.press('Enter')
  await page.locator('#dashboard').waitFor({ state: 'visible' })
  t.equal(await page.evaluate(() => sessionStorage.length), 1, 'the token is in sessionStorage')
  t.equal(await page.evaluate(() => localStorage.length), 0)

  let key = `${addDays(tomorrow, -30)}/${tomorrow}/day/channel_group`
  t.same(await settled(page, key), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), 'the default range loads')
  for (const days of [30, 90, 365]) {
    const range = { from: addDays(tomorrow, -days), to: tomorrow }
    const preset = page.getByRole('button', { name: `${days} days` })
    if (days === 90) {
      await preset.focus()
      await page.keyboard.press('Enter')
    } else {
      await preset.click()
    }
    t.equal(await preset.getAttribute('aria-pressed'), 'true')
    for (const granularity of ['day', 'week', 'month']) {
      await page.getByLabel('Granularity').selectOption(granularity)
      key = `${range.from}/${range.to}/${granularity}/channel_group`
      t.same(await settled(page, key), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), key)
      for (const [chart, ink] of Object.entries(await chartInk(page))) t.ok(ink > 1000, `${key}: ${chart} has drawn (${ink} px)`)
    }
    await checkTiles(t, page, range)
    t.ok(await page.locator('[data-panel="cohort-usage"] .disclaimer').textContent().then((s) => /Acquisition data exists from \d{4}-\d{2}-\d{2}/.test(s ?? '')), 'the data_from disclaimer is shown')
  }
  for (const panel of ['tiles', 'acquisition-funnel', 'cohort-usage', 'referral-codes']) {
    t.ok(await page.locator(`[data-panel="${panel}"] .disclaimer`).isVisible(), `${panel} shows the data_from disclaimer`)
  }

  // Custom dates: 35 days ending ten days ago.
  const last = addDays(tomorrow, -11)
  const first = addDays(last, -34)
  await page.getByLabel('From').fill(first)
  await page.getByLabel('To (inclusive)').fill(last)
  await page.getByRole('button', { name: 'Apply dates' }).click()
  t.same(await settled(page, `${first}/${addDays(last, 1)}/month/channel_group`), Object.fromEntries(PANELS.map((p) => [p, 'ready'])))
  await checkTiles(t, page, { from: first, to: addDays(last, 1) })

  // Another acquisition dimension.
  await page.getByLabel('Acquisition dimension').selectOption('signup_channel')
  await settled(page, `${first}/${addDays(last, 1)}/month/signup_channel`)
  const groups = await page.locator('.funnel-table tbody tr td:first-child').allTextContents()
  const funnel = await report(`/reports/acquisition-funnel?from=${first}&to=${addDays(last, 1)}&group_by=signup_channel&limit=12`)
  t.same(groups, funnel.data.map((r) => String(r.signup_channel)))
})

t.test('a Download CSV link saves the same report as CSV', async (t) => {
  const { page } = main
  const range = { from: addDays(tomorrow, -90), to: tomorrow }
  await page.getByRole('button', { name: '90 days' }).click()
  await page.getByLabel('Granularity').selectOption('week')
  await settled(page, `${range.from}/${range.to}/week/signup_channel`)
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-panel="network-usage"] a.csv').click()])
  t.equal(download.suggestedFilename(), `network-usage_${range.from}_${range.to}.csv`)
  const rows = csvObjects(await readFile(await download.path(), 'utf8'))
  const json = await report(`/reports/network-usage?from=${range.from}&to=${range.to}&granularity=week`)
  t.equal(rows.length, json.data.length)
  t.same(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'period_start' ? v : Number(v)]))), json.data)

  const [codes] = await Promise.all([page.waitForEvent('download'), page.locator('[data-panel="referral-codes"] a.csv').click()])
  const codeRows = csvObjects(await readFile(await codes.path(), 'utf8'))
  t.same(codeRows.map((r) => r.referral_code), (await report(`/reports/referral-codes?from=${range.from}&to=${range.to}`)).data.map((r) => r.referral_code))
})

t.test('a URL with a range, granularity, dimension and metric opens that view, and a reload and Back keep it', async (t) => {
  const shared = await openPage(1280, 900)
  const { page } = shared
  const last = addDays(tomorrow, -6)
  const from = addDays(last, -59)
  const to = addDays(last, 1)
  const query = { from, to, granularity: 'week', dimension: 'signup_channel', metric: 'egress_gb' }
  await page.goto(`${origin}/dashboard/?${new URLSearchParams(query).toString()}`)
  // A shared link: the recipient signs in first, then sees the linked view.
  await page.getByLabel('Operator token').fill(TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  const key = `${from}/${to}/week/signup_channel`
  t.same(await settled(page, key), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), key)
  const expected = { from, last, granularity: 'week', dimension: 'signup_channel', metric: 'egress_gb', preset: null }
  t.same(await controlsOf(page), expected, 'the controls show the linked view')
  t.same(queryOf(page), query, 'the address keeps it')
  const funnel = await report(`/reports/acquisition-funnel?from=${from}&to=${to}&group_by=signup_channel&limit=12`)
  t.same(await page.locator('.funnel-table tbody tr td:first-child').allTextContents(), funnel.data.map((r) => String(r.signup_channel)), 'the funnel is grouped by the linked dimension')

  await page.reload()
  t.ok(await page.locator('#dashboard').isVisible(), 'still signed in after a reload')
  t.same(await settled(page, key), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), `reloaded: ${key}`)
  t.same(await controlsOf(page), expected, 'a reload shows the same view')

  // Each choice is a history entry: Back returns to the view before it.
  await page.getByLabel('Granularity').selectOption('month')
  await settled(page, `${from}/${to}/month/signup_channel`)
  t.equal(queryOf(page).granularity, 'month')
  await page.getByLabel('Metric').selectOption('api_requests')
  t.equal(queryOf(page).metric, 'api_requests')
  await page.getByRole('button', { name: '365 days' }).click()
  const year = `${addDays(tomorrow, -365)}/${tomorrow}/month/signup_channel`
  await settled(page, year)
  t.same(queryOf(page), { days: '365', granularity: 'month', dimension: 'signup_channel', metric: 'api_requests' }, 'a preset is kept as days, so it moves with today')
  await page.reload()
  t.same(await settled(page, year), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), 'reloaded: the preset')
  t.equal((await controlsOf(page)).preset, '365 days')
  await page.goBack()
  await page.goBack()
  t.same(await settled(page, `${from}/${to}/month/signup_channel`), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), 'Back: the range before the preset')
  t.same(await controlsOf(page), { ...expected, granularity: 'month', metric: 'egress_gb' }, 'Back: the metric before it too')
  await page.goBack()
  t.same(await settled(page, key), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), 'Back: the linked view')

  const visited = await historyUrls(shared)
  t.ok(visited.length >= 5, `the history holds the views (${visited.length} entries)`)
  t.notOk(visited.some((u) => u.includes(TOKEN)), 'the token is in no history entry')
  t.notOk(shared.requests.some((u) => u.includes(TOKEN)), 'the token is never in a URL')
  t.same(shared.consoleErrors, [], 'no console error')
})

t.test('unknown values in the URL fall back to the defaults without an error', async (t) => {
  const odd = await openPage(1280, 900)
  const { page } = odd
  const defaults = { days: '30', granularity: 'day', dimension: 'channel_group', metric: 'viewer_hours' }
  // Four links, each with several values the page does not know (every one is checked on its own).
  const bad = [
    // A preset that is not one, a granularity, a dimension (an Object.prototype name), a metric with markup.
    { search: `days=7&granularity=year&dimension=__proto__&metric=${encodeURIComponent('<script>alert(1)</script>')}`, expected: defaults },
    // A day past the month's end, a month 13, an empty granularity, a dimension that is a method name.
    { search: 'from=2026-02-31&to=2026-13-01&granularity=&dimension=toString', expected: defaults },
    // A range that ends before it starts falls back to the preset beside it; the first of repeated values counts.
    { search: `from=${addDays(tomorrow, -5)}&to=${addDays(tomorrow, -10)}&days=90&days=x&granularity=week&granularity=month`, expected: { ...defaults, days: '90', granularity: 'week' } },
    // A range longer than the reports take.
    { search: `from=2020-01-01&to=${tomorrow}&metric=egress_gb`, expected: { ...defaults, metric: 'egress_gb' } }
  ]
  for (const { search, expected } of bad) {
    await page.goto(`${origin}/dashboard/?${search}`)
    // The first link is opened signed out (the token then stays in the tab).
    if (await page.getByLabel('Operator token').isVisible()) {
      await page.getByLabel('Operator token').fill(TOKEN)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }
    const days = Number(expected.days)
    t.same(await settled(page, `${addDays(tomorrow, -days)}/${tomorrow}/${expected.granularity}/channel_group`), Object.fromEntries(PANELS.map((p) => [p, 'ready'])), search)
    t.same(queryOf(page), expected, `${search}: the address shows the view used`)
    t.same(await controlsOf(page), { from: addDays(tomorrow, -days), last: addDays(tomorrow, -1), granularity: expected.granularity, dimension: 'channel_group', metric: expected.metric, preset: `${days} days` }, `${search}: so do the controls`)
  }
  t.equal((await historyUrls(odd)).filter((u) => u.includes('__proto__') || u.includes('2026-02-31')).length, 0, 'an unknown value is replaced, not kept in the history')
  t.same(odd.consoleErrors, [], 'no console error')
})

t.test('the page works at 1280 and 390 px, asks no other host and logs no console error', async (t) => {
  const { page, requests, consoleErrors } = main
  const shots = await mkdtemp(join(tmpdir(), 'fw-dashboard-screens-'))
  t.comment(`screenshots: ${shots}`)
  await page.getByRole('button', { name: '90 days' }).click()
  await page.getByLabel('Granularity').selectOption('week')
  await page.getByLabel('Acquisition dimension').selectOption('channel_group')
  const key = `${addDays(tomorrow, -90)}/${tomorrow}/week/channel_group`
  await settled(page, key)
  await page.screenshot({ path: join(shots, 'dashboard-1280.png'), fullPage: true })
  t.same(await checkTablesFit(t, page, 1280), [], '1280 px: every column of both tables shows without scrolling')
  // Campaign names are the longest labels the funnel shows.
  await page.getByLabel('Acquisition dimension').selectOption('utm_campaign')
  await settled(page, `${addDays(tomorrow, -90)}/${tomorrow}/week/utm_campaign`)
  await checkTablesFit(t, page, 1280)
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no horizontal scrolling of the page at 1280 px')
  await page.getByLabel('Acquisition dimension').selectOption('channel_group')
  await settled(page, key)

  await page.setViewportSize({ width: 390, height: 844 })
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.getBoundingClientRect().width <= 390))
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scrolling at 390 px')
  t.same(await checkTablesFit(t, page, 390), ['acquisition-funnel', 'referral-codes'], '390 px: both tables are wider than their panels, so scrolling is what is tested')
  for (const [chart, ink] of Object.entries(await chartInk(page))) t.ok(ink > 1000, `390 px: ${chart} has drawn`)
  for (const id of TILES) t.ok(await page.locator(`[data-testid="${id}"]`).isVisible(), `${id} visible at 390 px`)
  await page.screenshot({ path: join(shots, 'dashboard-390.png'), fullPage: true })

  const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'))
  t.same(foreign, [], 'every request went to the gateway')
  t.notOk(requests.some((u) => u.includes(TOKEN)), 'the token is never in a URL')
  t.ok(requests.some((u) => u === `${origin}/dashboard/vendor/echarts.js`), 'ECharts came from the gateway')
  t.same(consoleErrors, [], 'no console error')
})
