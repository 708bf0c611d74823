/**
 * The soak's quick mode (`bench/soak/run.ts`, about a minute and a half of load): the example
 * gateway over real HTTP on a private real Postgres and chDB, through a Postgres restart, a
 * relay killed mid-batch and a ClickHouse outage. Asserts what a user depends on — no signup
 * lost or doubled, erasures hold, no 5xx outside the fault windows, every fault injected and
 * recovered from — never timings (the 10-minute figures are in bench/RESULTS.md).
 */
import { test } from 'tap'
import { postgresBinDir } from '../../bench/soak/postgres-cluster.ts'
import { QUICK_SOAK, runSoak } from '../../bench/soak/run.ts'

const skip = postgresBinDir() === undefined ? 'needs Debian\'s PostgreSQL binaries (/usr/lib/postgresql/*/bin) for a private cluster' : false

test('the soak\'s quick mode: faults lose, double and leak nothing, and 5xx answers stay inside the fault windows', { skip }, async (t) => {
  const r = await runSoak({ ...QUICK_SOAK })
  // Shown when an assertion fails.
  const detail = { signups: r.signups, serverErrors: r.serverErrors, faults: r.faults, surprises: r.surprises }

  t.same(r.faults.map((f) => f.fault), ['postgres_restart', 'relay_crash', 'clickhouse_outage'], 'each fault injected once')
  const [, crash, outage] = r.faults
  t.ok(Number(crash!.detail.batchInFlight) > 0, 'the relay was killed with a batch accepted by ClickHouse and not acknowledged')
  t.ok(Number(outage!.detail.refusedCalls) > 0, 'ClickHouse refused calls while it was down')
  for (const f of r.faults) t.not(f.recoveryMs, null, `after the ${f.fault} every earlier signup reached ClickHouse`)

  for (const [path, n] of Object.entries(r.signups.byPath)) t.ok(n > 0, `signups on the ${path} path`)
  t.ok(r.signups.erased > 0, 'tenants were erased during the load')
  t.equal(r.signups.lost, 0, 'no signup answered 201 is missing from ClickHouse', detail)
  t.equal(r.signups.doubled, 0, 'no signup counts twice in the reports', detail)
  t.equal(r.signups.erasedStillPresent, 0, 'no erased tenant is left in ClickHouse', detail)
  t.equal(r.signups.parked, 0, 'no event parked: every failure on the way was transient')
  t.equal(r.serverErrors.outsideFaultWindows, 0, 'no 5xx (or unanswered request) outside the fault windows', detail)
  t.same(r.surprises, [], 'no unexpected answer (a 4xx the clients did not ask for)')

  const served = (kind: string, status: string): number => r.requests[kind]?.[status] ?? 0
  for (const [kind, status] of [['visit_campaign', '200'], ['visit_plain', '200'], ['visit_bot', '200'], ['referral_link', '302'], ['report_json', '200'], ['report_csv', '200'], ['public_stats', '200'], ['erasure', '204']] as const) {
    t.ok(served(kind, status) > 0, `${kind} answered ${status}`)
  }
})
