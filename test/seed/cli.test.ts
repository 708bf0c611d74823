import t, { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSeedArgs } from '../../src/cli/seed.ts'

const CLI = fileURLToPath(new URL('../../src/cli/seed.ts', import.meta.url))
const dataDir = mkdtempSync(join(tmpdir(), 'fw-seed-cli-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

function runCli (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, ...extraEnv }
  delete env.CLICKHOUSE_URL
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), stdout, stderr })
    })
  })
}

test('the command line maps to generator options', async (t) => {
  t.same(parseSeedArgs(['--tenants', '500', '--days', '90', '--seed', '3', '--end', '2026-01-31', '--tracking-start-fraction', '0.5', '--replace']), {
    options: { tenants: 500, days: 90, seed: 3, end: '2026-01-31', trackingStartFraction: 0.5, replace: true },
    checksums: false,
    help: false
  })
  t.throws(() => parseSeedArgs(['--tenants', '-5']))
  t.throws(() => parseSeedArgs(['--tracking-start-fraction', '2']), /tracking-start-fraction/)
  t.throws(() => parseSeedArgs(['--bogus']))
})

test('the CLI seeds the embedded engine in DATA_DIR/chdb, refuses a second run, and replaces on request', async (t) => {
  const args = ['--tenants', '60', '--days', '30', '--end', '2026-01-31', '--checksums']
  const first = await runCli(args)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /60 tenants × 30 days \(2026-01-02 … 2026-01-31, seed 1\)/)
  t.match(first.stdout, /api_usage_daily_store\s+[\d,]+ rows/)
  const checksums = first.stdout.split('\n').filter((l) => l.includes('checksum'))
  t.equal(checksums.length, 5)

  const again = await runCli(args)
  t.equal(again.code, 1)
  t.match(again.stderr, /already hold rows/)

  const replaced = await runCli([...args, '--replace'])
  t.equal(replaced.code, 0, replaced.stderr)
  t.same(replaced.stdout.split('\n').filter((l) => l.includes('checksum')), checksums, 'the same arguments give the same rows')
})

test('a bad argument exits with code 2 and the usage text', async (t) => {
  const res = await runCli(['--days', '0'])
  t.equal(res.code, 2)
  t.match(res.stderr, /"days"/)
  t.match(res.stderr, /Usage: npm run seed/)
})

test('a bad CLICKHOUSE_DATABASE stops the CLI before it touches any engine', async (t) => {
  const res = await runCli(['--tenants', '10', '--days', '5'], { CLICKHOUSE_DATABASE: 'no-such;name' })
  t.not(res.code, 0)
  t.match(res.stderr, /database/)
  t.notMatch(res.stdout, /seeding/)
})
