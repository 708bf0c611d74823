/**
 * The shipped dashboard and alert rules against a real VictoriaMetrics (Debian's
 * `victoria-metrics`) scraping the example gateway while the test drives a short mixed load:
 * every PromQL expression of the dashboard returns data through VictoriaMetrics' query API,
 * every metric name the dashboard or the rules use is in the exposition, and Debian's
 * `promtool check metrics` finds no problem in it. Skipped only where a binary is absent
 * (`.ci/run` installs both).
 */
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'yaml'
import { closedPort } from '../helpers/closed-port.ts'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'

const has = (binary: string): boolean => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0
const missing = ['victoria-metrics', 'promtool'].filter((b) => !has(b))

const TOKEN = 'vm-scrape-operator-token-0123456789abcdef'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const RATE_INTERVAL = '15s'

interface Panel { type: string, title: string, targets?: Array<{ expr: string }> }
const dashboard = JSON.parse(readFileSync(new URL('../../monitoring/attribution-dashboard.json', import.meta.url), 'utf8')) as { panels: Panel[] }
const rules = parse(readFileSync(new URL('../../monitoring/attribution-alerts.yml', import.meta.url), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string, expr: string }> }> }
const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ title: p.title, expr: target.expr })))
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => ({ title: r.alert, expr: r.expr })))

/** The metric names an expression reads (the package's, the process' and Node's). */
function metricNames (expr: string): string[] {
  return [...new Set(expr.match(/\b(?:attribution|process|nodejs)_[a-z0-9_]+\b/g) ?? [])]
}

async function main (): Promise<void> {
  const [target] = gatewayTargets()
  const gw = await buildTestGateway(t, target!, { OPERATOR_TOKENS: TOKEN })
  const address = await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const base = address.replace('localhost', '127.0.0.1')
  const { port } = new URL(base)

  // ── VictoriaMetrics scraping the gateway every second ───────────────────────────
  const vmDir = mkdtempSync(join(tmpdir(), 'fw-vm-'))
  t.teardown(() => rmSync(vmDir, { recursive: true, force: true }))
  const vmPort = await closedPort()
  writeFileSync(join(vmDir, 'scrape.yml'), [
    'global:',
    '  scrape_interval: 1s',
    'scrape_configs:',
    '  - job_name: attribution',
    '    metrics_path: /metrics',
    '    authorization:',
    `      credentials: ${TOKEN}`,
    '    static_configs:',
    `      - targets: ['127.0.0.1:${port}']`
  ].join('\n'))
  const vm = spawn('victoria-metrics', [
    `-storageDataPath=${join(vmDir, 'data')}`,
    `-httpListenAddr=127.0.0.1:${vmPort}`,
    `-promscrape.config=${join(vmDir, 'scrape.yml')}`,
    // Samples are queryable at once (the default hides the last 30 s).
    '-search.latencyOffset=0s',
    '-search.disableCache',
    '-loggerLevel=ERROR'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let vmErrors = ''
  vm.stderr.on('data', (chunk: Buffer) => { vmErrors += chunk.toString() })
  t.teardown(async () => {
    if (vm.exitCode === null) {
      const exited = new Promise((resolve) => vm.once('exit', resolve))
      vm.kill('SIGTERM')
      await exited
    }
  })
  const vmBase = `http://127.0.0.1:${vmPort}`

  /** Polls `check` until it holds (bounded: fails the test with `what` when it never does). */
  async function until (what: string, check: () => Promise<boolean>, tries = 240): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (await check().catch(() => false)) return
      await sleep(250)
    }
    throw new Error(`gave up waiting: ${what}\n${vmErrors}`)
  }

  interface VmAnswer { status: string, data: { result: Array<{ metric: Record<string, string>, values?: Array<[number, string]>, value?: [number, string] }> } }
  async function vmQuery (path: string, params: Record<string, string>): Promise<VmAnswer> {
    const res = await fetch(`${vmBase}${path}?${new URLSearchParams(params)}`)
    if (!res.ok) throw new Error(`${path} ${res.status}: ${await res.text()}`)
    return await res.json() as VmAnswer
  }
  const instant = async (query: string): Promise<number | undefined> => {
    const v = (await vmQuery('/api/v1/query', { query })).data.result[0]?.value?.[1]
    return v === undefined ? undefined : Number(v)
  }

  await until('VictoriaMetrics answers', async () => (await fetch(`${vmBase}/health`)).ok)
  await until('the first scrape', async () => await instant('attribution_build_info') === 1)

  // ── A short mixed load, in rounds a scrape apart ────────────────────────────────
  const loadStart = Math.floor(Date.now() / 1000) - 2
  let loadEnd = 0
  await t.test('the gateway serves a short mixed load while VictoriaMetrics scrapes it', async (t) => {
    const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
    const navigate = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'user-agent': browser }
    const ROUNDS = 6
    const tenants: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const visit = await fetch(`${base}/?utm_source=newsletter&utm_medium=email&utm_campaign=round${round}`, { headers: navigate })
      const cookie = visit.headers.get('set-cookie')?.split(';')[0] ?? ''
      await fetch(`${base}/?utm_source=google&utm_medium=cpc`, { headers: { ...navigate, cookie } })
      await fetch(`${base}/`, { headers: { ...navigate, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } })
      for (const referral of [undefined, 'NO-SUCH-CODE']) {
        const res = await fetch(`${base}/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'user-agent': browser },
          body: JSON.stringify({ email: `load-${round}-${referral ?? 'none'}@example.com`, password: 'correct horse battery', ...(referral !== undefined ? { referral_code: referral } : {}) })
        })
        t.equal(res.status, 201, 'signup')
        tenants.push((await res.json() as { tenant_id: string }).tenant_id)
      }
      for (const url of ['/reports/network-usage', '/reports/acquisition-funnel?group_by=utm_source', '/reports/acquisition-funnel?format=csv', '/reports/cohort-usage']) {
        const res = await fetch(`${base}${url}`, { headers: AUTH })
        t.equal(res.status, 200, url)
        await res.arrayBuffer()
      }
      await (await fetch(`${base}/stats/network`)).arrayBuffer()
      if (round === 1) {
        const erased = await fetch(`${base}/tenants/${tenants[0]!}/attribution`, { method: 'DELETE', headers: AUTH })
        t.equal(erased.status, 204, 'erasure')
      }
      await sleep(1_200)
    }
    const signups = tenants.length
    await until('every signup delivered and scraped', async () =>
      await instant('sum(attribution_signups_recorded_total)') === signups &&
      (await instant('sum(attribution_relay_events_total{outcome="delivered"})') ?? 0) > 0 &&
      await instant('max(attribution_outbox_pending_events)') === 0)
    loadEnd = Math.ceil(Date.now() / 1000) + 1
  })

  t.test('every PromQL expression of the dashboard returns data through VictoriaMetrics', async (t) => {
    t.ok(panelExprs.length >= 20, `${panelExprs.length} expressions`)
    for (const { title, expr } of panelExprs) {
      const query = expr.replaceAll('$__rate_interval', RATE_INTERVAL)
      const answer = await vmQuery('/api/v1/query_range', { query, start: String(loadStart), end: String(loadEnd), step: '1s' })
      const points = answer.data.result.flatMap((series) => (series.values ?? []).map(([, v]) => Number(v))).filter(Number.isFinite)
      t.ok(points.length > 0, `${title}: ${expr}`)
    }
  })

  t.test('the alert rules are quiet on the healthy gateway', async (t) => {
    for (const { title, expr } of ruleExprs) {
      const answer = await vmQuery('/api/v1/query', { query: expr })
      t.same(answer.data.result, [], title)
    }
  })

  t.test('every metric the dashboard and the rules use is in the exposition, which promtool accepts', async (t) => {
    const res = await fetch(`${base}/metrics`, { headers: AUTH })
    t.equal(res.status, 200)
    const exposition = await res.text()
    const exposed = new Set([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name!}_bucket`, `${name!}_count`, `${name!}_sum`] : [name!]))
    const used = new Set([...panelExprs, ...ruleExprs].flatMap(({ expr }) => metricNames(expr)))
    t.ok(used.size >= 20, `${used.size} metric names`)
    t.same([...used].filter((name) => !exposed.has(name)), [], 'no name is missing from the exposition')
    const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' })
    t.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`)
    t.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no problem reported')
  })
}

if (missing.length > 0) t.plan(0, `not installed: ${missing.join(', ')} (Debian packages victoria-metrics, prometheus)`)
else await main()
