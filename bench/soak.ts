/**
 * `npm run soak`: the example gateway on a private real Postgres and the embedded ClickHouse
 * under mixed load for 10 minutes, with a Postgres restart, a relay killed mid-batch and a
 * 30-second ClickHouse outage (`bench/soak/run.ts`). Prints the figures, writes them as JSON,
 * and exits 1 when a target is missed.
 *
 *   npm run soak                          # 10 minutes
 *   npm run soak -- --quick               # about 2 minutes (the test suite runs this)
 *   npm run soak -- --minutes 30 --out soak.json
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { FULL_SOAK, QUICK_SOAK, missedTargets, runSoak } from './soak/run.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    out: { type: 'string', default: '.data/soak.json' },
    'log-level': { type: 'string' }
  }
})
const base = values.quick ? QUICK_SOAK : FULL_SOAK
const durationMs = values.minutes !== undefined ? Math.round(Number(values.minutes) * 60_000) : base.durationMs
if (!Number.isFinite(durationMs) || durationMs < 60_000) throw new Error('--minutes must be at least 1')

const load = loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`soak: ${durationMs / 60_000} min of load on Node ${process.version}, ${cpus().length} CPUs, load average ${load} at start`)
const result = await runSoak({
  ...base,
  durationMs,
  log: (line) => { console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`) },
  ...(values['log-level'] !== undefined ? { logLevel: values['log-level'] } : {})
})
const report = { ...result, loadAverageAtStart: load, loadAverageAtEnd: loadavg().map((l) => l.toFixed(2)).join(' '), missed: missedTargets(result) }

console.log('\nrequests by kind and status:')
for (const [kind, byStatus] of Object.entries(result.requests)) {
  console.log(`  ${kind.padEnd(22)} ${Object.entries(byStatus).map(([s, n]) => `${s === '0' ? 'no answer' : s}: ${n}`).join(', ')}`)
}
const s = result.signups
console.log(`\nsignups: ${s.made} made (${Object.entries(s.byPath).map(([p, n]) => `${p} ${n}`).join(', ')}), ${s.erased} erased, ${s.expectedInClickHouse} expected in ClickHouse`)
console.log(`  lost ${s.lost}, doubled ${s.doubled}, erased but present ${s.erasedStillPresent}; raw extra rows ${s.rawExtraRows}, committed without a 201 ${s.committedWithout201}, parked ${s.parked}`)
console.log(`5xx: ${result.serverErrors.total} (inside fault windows ${result.serverErrors.insideFaultWindows}, outside ${result.serverErrors.outsideFaultWindows})`)
for (const f of result.faults) {
  console.log(`  ${f.fault.padEnd(18)} ${(f.startMs / 1000).toFixed(1)}–${(f.endMs / 1000).toFixed(1)} s, recovery ${f.recoveryMs ?? 'never'} ms (outbox clear ${f.outboxClearMs ?? 'never'} ms), ${JSON.stringify(f.detail)}`)
}
console.log(`relay lag p50 ${result.relayLagMs.p50} ms, p99 ${result.relayLagMs.p99} ms (${result.relayLagMs.events} events)`)
console.log(`p99: capture ${result.latencyP99Ms.capture} ms, signup ${result.latencyP99Ms.signup} ms, report ${result.latencyP99Ms.report} ms`)
console.log(`RSS: warm-up ${result.rssMiB.warmup} MiB, end ${result.rssMiB.end} MiB (${result.rssMiB.changePct} %)`)
const minute = result.memorySamples.filter((m, i) => i % 6 === 5)
console.log(`  each minute (s: RSS / JS heap / external / engine MiB): ${minute.map((m) => `${m.at}: ${m.rss}/${m.heapUsed}/${m.external}/${m.engine ?? '?'}`).join(', ')}`)
if (result.surprises.length > 0) console.log(`surprises: ${result.surprises.join('; ')}`)
console.log(report.missed.length === 0 ? 'targets: all met' : `targets missed: ${report.missed.join('; ')}`)
mkdirSync(dirname(values.out), { recursive: true })
writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n')
console.log(`written to ${values.out}`)
process.exitCode = report.missed.length === 0 ? 0 : 1
