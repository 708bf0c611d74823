/**
 * `npm run bench:capture`: what the capture plugin costs a gateway, measured in one run
 * with autocannon against real listening servers.
 *
 * Two servers run in child processes (so the server's CPU time is measured apart from the
 * client's): bare Fastify, and Fastify with the capture plugin. Both serve the same routes
 * and get the same requests, in three cases:
 * - ordinary: a returning visitor's API request (valid cookie, no new signal);
 * - first touch: a new visitor on a campaign URL (HTML navigation; the plugin sets a cookie);
 * - campaign return: a returning visitor arriving from a new campaign (the plugin verifies
 *   the cookie and re-signs it with a new last touch).
 * Every round starts fresh server processes and alternates bare and plugin runs; the
 * figures are medians over rounds. Printed per case: requests/s, p99 latency, server CPU µs
 * per request, plugin/bare ratios, and the server CPU the plugin adds to bare Fastify (plugin
 * − bare, per request: the steadiest figure on a shared machine), against its target: the
 * ordinary request at least 0.97 of bare (CPU ratio), a first touch at most 15 µs added, a
 * campaign return at most 20 µs. The plugin runs with a consent hook (reading a consent
 * banner's cookie, as a host would), so the ordinary request pays the consent check.
 * A third server, bare Fastify with `@fastify/cookie` registered on its routes (`hook:
 * false`), runs every case too: on the ordinary request it shows what the library's
 * always-on `onSend` hook costs a request that sets no cookie; on the two campaign cases its
 * route verifies an incoming signed cookie and calls `reply.setCookie` with a signed value of
 * the plugin's payload length: what the plugin paid before it signed and serialized through
 * the library without `setCookie` and its per-reply hook.
 *
 * A fourth server prints the floor of the two campaign cases: bare Fastify that signs a
 * payload of the same length with `@fastify/cookie`'s `Signer` and writes the `Set-Cookie`
 * line, with no other work (one signature costs 5–9 µs of server CPU there, against under
 * 3 µs in a tight loop). The ratio target is judged on the per-round (paired) ratios.
 *
 * The plugin server counts its capture decisions in Prometheus counters (as a gateway with
 * metrics does); the cost of those counters alone is measured in this process against a no-op
 * telemetry and printed after the tables (target: under 1 µs per candidate request).
 *
 * Options (env): BENCH_ROUNDS (default 3), BENCH_SECONDS (default 3), BENCH_CONNECTIONS
 * (default 8), BENCH_RATE (requests per second every run is held at; default 0, as fast as
 * the client goes).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import fastifyCookie, { Signer } from '@fastify/cookie'
import { attributionCapturePlugin } from '../src/plugin/index.ts'
import { createAttributionMetrics } from '../src/operations/metrics.ts'
import { CAPTURE_DECISIONS, NOOP_TELEMETRY, type AttributionTelemetry } from '../src/shared/telemetry.ts'

const SECRET = 'bench-secret-bench-secret-bench-secret-0001'
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

type Message = { type: 'cpu' } | { type: 'stop' }

/** Requests per second every run is held at (`BENCH_RATE`; 0: as fast as the client goes). */
const RATE = Number(process.env.BENCH_RATE ?? 0)

/** A payload as long as the plugin's for the first-touch URL below (its exact bytes do not matter to the library). */
const LIBRARY_PAYLOAD = '2|tbr2ab|tbr2ab|newsletter|email|launch|||||http://127.0.0.1/pricing|6'

type Kind = 'bare' | 'plugin' | 'cookie' | 'header'

/**
 * The `header` server's floor of any signed-cookie plugin: per campaign request, one
 * signature by `@fastify/cookie`'s `Signer` (as the plugin signs) of a payload as long as the
 * plugin's, written as a `Set-Cookie` line, with no other work.
 */
const FLOOR_PAYLOAD = '3|tbr2ab|tbr2ab|newsletter|email|launch|||||http://127.0.0.1/pricing|6'
const FLOOR_ATTRIBUTES = '; Max-Age=7776000; Path=/; HttpOnly; SameSite=Lax'

async function serve (kind: Kind): Promise<void> {
  const app = Fastify({ logger: false })
  if (kind === 'plugin') {
    await app.register(attributionCapturePlugin, {
      secrets: [SECRET],
      publicBaseUrl: 'http://localhost/',
      consent: (request) => request.headers.cookie?.includes('cmp_consent=denied') === true ? 'denied' : 'unknown',
      // Counted as in production: the capture counters in a registry of the package's own.
      telemetry: createAttributionMetrics().telemetry
    })
  } else if (kind === 'cookie') {
    await app.register(fastifyCookie, { secret: [SECRET], hook: false })
  }
  app.get('/api/items', async () => ({ items: [1, 2, 3] }))
  if (kind === 'cookie') {
    app.get('/pricing', async (request, reply) => {
      if (request.raw.url?.includes('?') === true) {
        const incoming = request.headers.cookie
        if (incoming !== undefined) app.unsignCookie(app.parseCookie(incoming).fw_attr ?? '')
        reply.setCookie('fw_attr', LIBRARY_PAYLOAD, { signed: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: 7_776_000 })
      }
      return { page: 'pricing' }
    })
  } else if (kind === 'header') {
    const signer = new Signer(SECRET)
    app.get('/pricing', async (request, reply) => {
      if (request.raw.url?.includes('?') === true) void reply.header('set-cookie', `fw_attr=${signer.sign(FLOOR_PAYLOAD)}${FLOOR_ATTRIBUTES}`)
      return { page: 'pricing' }
    })
  } else {
    app.get('/pricing', async () => ({ page: 'pricing' }))
  }
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  process.on('message', (m: Message) => {
    if (m.type === 'cpu') {
      const u = process.cpuUsage()
      process.send!({ type: 'cpu', micros: u.user + u.system })
    } else {
      void app.close().then(() => process.exit(0))
    }
  })
  // Never outlive the benchmark (an error there closes the IPC channel).
  process.on('disconnect', () => process.exit(0))
  process.send!({ type: 'ready', address })
}

interface Server { kind: Kind, child: ChildProcess, address: string }

const children = new Set<ChildProcess>()

function startServer (kind: Kind): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', kind], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (m: { type: string, address: string }) => resolve({ kind, child, address: m.address }))
  })
}

function cpuMicros (server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (m: { micros: number }) => resolve(m.micros))
    server.child.send({ type: 'cpu' })
  })
}

/** A case's target: a CPU ratio bare/plugin of at least `ratio`, or at most `addedMicros` µs of server CPU added. */
interface Case { name: string, path: string, headers: Record<string, string>, target: { ratio: number } | { addedMicros: number } }
interface Figures { rps: number, p99: number, cpuPerRequest: number }

async function run (server: Server, c: Case, seconds: number, connections: number): Promise<Figures> {
  const before = await cpuMicros(server)
  const result = await autocannon({ url: server.address + c.path, headers: c.headers, duration: seconds, connections, ...(RATE > 0 ? { overallRate: RATE } : {}) })
  const after = await cpuMicros(server)
  const requests = result.requests.total
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${server.kind} ${c.name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p99: result.latency.p99, cpuPerRequest: requests > 0 ? (after - before) / requests : NaN }
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function stopServer (server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve())
    server.child.send({ type: 'stop' })
  })
}

/**
 * What the capture counters cost a capture candidate: `telemetry.captureDecision` of the
 * Prometheus telemetry against the no-op telemetry (the baseline: the call alone), in this
 * process, ns per call; median of `runs` runs of `calls` calls cycling through the decisions.
 */
function counterCost (runs = 15, calls = 2_000_000): { counted: number, baseline: number } {
  const measure = (telemetry: AttributionTelemetry): number => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) telemetry.captureDecision(CAPTURE_DECISIONS[i % CAPTURE_DECISIONS.length]!)
    return Number(process.hrtime.bigint() - start) / calls
  }
  const counted = createAttributionMetrics({ processMetrics: false }).telemetry
  const c: number[] = []
  const b: number[] = []
  for (let r = 0; r < runs; r++) {
    // Alternated, so a slow moment of the machine hits both.
    b.push(measure(NOOP_TELEMETRY))
    c.push(measure(counted))
  }
  return { counted: median(c), baseline: median(b) }
}

async function main (): Promise<void> {
  const cost = counterCost()
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const seconds = Number(process.env.BENCH_SECONDS ?? 3)
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 8)
  const loadBefore = loadavg()[0]!.toFixed(1)
  let cookie = ''
  let cases: Case[] = []
  const results = new Map<string, Record<Kind, Figures[]>>()

  // Each round starts fresh server processes, so a process that the scheduler happens to
  // treat badly skews one round, not all of them.
  for (let round = 0; round < rounds; round++) {
    const [bare, plugin, cookieOnly, headerOnly] = await Promise.all([startServer('bare'), startServer('plugin'), startServer('cookie'), startServer('header')])
    if (cookie === '') {
      // A returning visitor's cookie, as the plugin issued it on a first visit.
      const landing = await fetch(plugin.address + '/pricing?utm_source=google&utm_medium=organic', {
        headers: { 'user-agent': BROWSER_UA, accept: 'text/html', 'sec-fetch-mode': 'navigate' }
      })
      cookie = (landing.headers.get('set-cookie') ?? '').split(';')[0]!
      if (!cookie.startsWith('fw_attr=')) throw new Error('the plugin set no cookie on a first touch')
      cases = [
        { name: 'ordinary API request (valid cookie, no signal)', path: '/api/items', headers: { 'user-agent': BROWSER_UA, accept: 'application/json', cookie }, target: { ratio: 0.97 } },
        { name: 'first touch (campaign URL, new visitor)', path: '/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch', headers: { 'user-agent': BROWSER_UA, accept: 'text/html', 'sec-fetch-mode': 'navigate' }, target: { addedMicros: 15 } },
        { name: 'returning visitor from a new campaign', path: '/pricing?utm_source=twitter&utm_medium=paid_social&utm_campaign=spring', headers: { 'user-agent': BROWSER_UA, accept: 'text/html', 'sec-fetch-mode': 'navigate', cookie }, target: { addedMicros: 20 } }
      ]
      for (const c of cases) results.set(c.name, { bare: [], plugin: [], cookie: [], header: [] })
    }
    // Warm-up: JIT and the user-agent cache, both servers, every case.
    for (const c of cases) for (const s of [bare, plugin]) await run(s, c, 1, connections)
    for (const c of cases) for (const s of [cookieOnly, headerOnly]) await run(s, c, 1, connections)
    for (const c of cases) {
      const order = round % 2 === 0 ? [bare, plugin] : [plugin, bare]
      order.splice(1, 0, cookieOnly, headerOnly)
      for (const s of order) results.get(c.name)![s.kind].push(await run(s, c, seconds, connections))
    }
    await Promise.all([stopServer(bare), stopServer(plugin), stopServer(cookieOnly), stopServer(headerOnly)])
  }

  console.log(`capture plugin vs bare Fastify — ${rounds} rounds × ${seconds} s, ${connections} connections, medians (Node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore} → ${loadavg()[0]!.toFixed(1)})`)
  console.log('')
  console.log('| case | bare req/s | plugin req/s | ratio | bare p99 ms | plugin p99 ms | bare CPU µs/req | plugin CPU µs/req | CPU ratio (bare/plugin), paired | CPU added µs/req | target |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const c of cases) {
    const r = results.get(c.name)!
    const b = { rps: median(r.bare.map((f) => f.rps)), p99: median(r.bare.map((f) => f.p99)), cpu: median(r.bare.map((f) => f.cpuPerRequest)) }
    const p = { rps: median(r.plugin.map((f) => f.rps)), p99: median(r.plugin.map((f) => f.p99)), cpu: median(r.plugin.map((f) => f.cpuPerRequest)) }
    // Added CPU: the median over rounds of each round's difference (both servers ran side by side).
    const added = median(r.plugin.map((f, i) => f.cpuPerRequest - r.bare[i]!.cpuPerRequest))
    // Both judged on pairs (the two servers ran side by side in a round): the median over
    // rounds of each round's ratio or difference, never a ratio of two separate medians.
    const pairedRatio = median(r.plugin.map((f, i) => r.bare[i]!.cpuPerRequest / f.cpuPerRequest))
    const verdict = 'ratio' in c.target
      ? `CPU ratio ≥ ${c.target.ratio} ${pairedRatio >= c.target.ratio ? 'PASS' : 'MISS'}`
      : `added ≤ ${c.target.addedMicros} µs ${added <= c.target.addedMicros ? 'PASS' : 'MISS'}`
    console.log(`| ${c.name} | ${b.rps.toFixed(0)} | ${p.rps.toFixed(0)} | ${(p.rps / b.rps).toFixed(2)} | ${b.p99} | ${p.p99} | ${b.cpu.toFixed(1)} | ${p.cpu.toFixed(1)} | ${pairedRatio.toFixed(2)} | ${added.toFixed(1)} | ${verdict} |`)
  }
  const ordinary = results.get(cases[0]!.name)!
  const cookieRps = median(ordinary.cookie.map((f, i) => f.rps / ordinary.bare[i]!.rps))
  const cookieCpu = median(ordinary.cookie.map((f) => f.cpuPerRequest))
  console.log('')
  console.log(`@fastify/cookie alone (hook: false, its onSend hook only) on the ordinary request: ${median(ordinary.cookie.map((f) => f.rps)).toFixed(0)} req/s, ` +
    `median per-round ratio to bare ${cookieRps.toFixed(2)}, CPU ${cookieCpu.toFixed(1)} µs/req (bare ${median(ordinary.bare.map((f) => f.cpuPerRequest)).toFixed(1)})`)
  console.log('')
  /** A baseline server's figures on the two campaign cases, against bare Fastify in the same rounds. */
  const baselineTable = (kind: 'cookie' | 'header', title: string, label: string): void => {
    console.log(title)
    console.log(`| case | ${label} req/s | ratio to bare | CPU µs/req | CPU added µs/req |`)
    console.log('|---|---|---|---|---|')
    for (const c of cases.slice(1)) {
      const r = results.get(c.name)!
      const rps = median(r[kind].map((f) => f.rps))
      const ratio = median(r[kind].map((f, i) => f.rps / r.bare[i]!.rps))
      const cpu = median(r[kind].map((f) => f.cpuPerRequest))
      const added = median(r[kind].map((f, i) => f.cpuPerRequest - r.bare[i]!.cpuPerRequest))
      console.log(`| ${c.name} | ${rps.toFixed(0)} | ${ratio.toFixed(2)} | ${cpu.toFixed(1)} | ${added.toFixed(1)} |`)
    }
    console.log('')
  }
  baselineTable('cookie', 'reply.setCookie on the campaign cases (bare + @fastify/cookie registered on the route: verify the incoming cookie, reply.setCookie signed, its onSend hook): what the plugin no longer pays', 'setCookie-only')
  baselineTable('header', 'the floor: one signature by @fastify/cookie\'s Signer and a Set-Cookie line of the same length (bare + reply.header, no other work), what any signed-cookie capture pays', 'floor')
  const added = (cost.counted - cost.baseline) / 1000
  console.log(`capture counters (the plugin server above counts every candidate): telemetry.captureDecision ${cost.counted.toFixed(1)} ns/call, ` +
    `no-op baseline ${cost.baseline.toFixed(1)} ns/call, added ${added.toFixed(3)} µs per candidate request, target < 1 µs ${added < 1 ? 'PASS' : 'MISS'}`)
  console.log('')
  console.log('per-round ratios, req/s and CPU (plugin/bare): ' + cases.map((c) => {
    const r = results.get(c.name)!
    return r.plugin.map((f, i) => `${(f.rps / r.bare[i]!.rps).toFixed(2)}/${(r.bare[i]!.cpuPerRequest / f.cpuPerRequest).toFixed(2)}`).join(' ')
  }).join(' | '))
}

if (process.argv[2] === '--server') {
  await serve(process.argv[3] === 'plugin' || process.argv[3] === 'cookie' || process.argv[3] === 'header' ? process.argv[3] : 'bare')
} else {
  try {
    await main()
  } catch (err) {
    console.error(err)
    process.exitCode = 1
  } finally {
    for (const child of children) if (child.connected) child.disconnect()
  }
}
