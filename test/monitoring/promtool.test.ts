/**
 * The shipped alert rules through Debian's `promtool`: `check rules` accepts them, and
 * `test rules` (attribution-alerts.rules-test.yml) fires each alert on a failing synthetic
 * series and keeps it silent on a healthy one. Skipped only where promtool is absent (`.ci/run`
 * installs the `prometheus` package).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const rulesFile = fileURLToPath(new URL('../../monitoring/attribution-alerts.yml', import.meta.url))
const testsFile = fileURLToPath(new URL('./attribution-alerts.rules-test.yml', import.meta.url))
const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) })

if (spawnSync('sh', ['-c', 'command -v promtool']).status !== 0) {
  t.plan(0, 'promtool is not installed (Debian package prometheus)')
} else {
  t.test('promtool check rules accepts the alert rules', async (t) => {
    const res = promtool('check', 'rules', rulesFile)
    t.equal(res.status, 0, res.stdout + res.stderr)
    t.match(res.stdout, /SUCCESS: 5 rules found/)
  })

  t.test('promtool test rules: each alert fires on a failing series and stays silent on a healthy one', async (t) => {
    const alerts = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.alert))
    const cases = (parse(readFileSync(testsFile, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string, exp_alerts: unknown[] }> }> }).tests.flatMap((c) => c.alert_rule_test)
    for (const alert of alerts) {
      t.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} has a case where it fires`)
      t.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} has a case where it stays silent`)
    }
    const res = promtool('test', 'rules', testsFile)
    t.equal(res.status, 0, res.stdout + res.stderr)
    t.match(res.stdout, /SUCCESS/)
  })
}
