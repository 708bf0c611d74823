import { test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openPostgres } from '../../src/postgres/client.ts'
import type { Database } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { signups } from './fixtures.ts'

const CHILD = fileURLToPath(new URL('./fixtures/relay-child.ts', import.meta.url))

interface ChildResult { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

function runChild (env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

for (const target of postgresTargets()) for (const claimMode of target.name === 'postgres' ? ['lease', 'lock'] : ['lease']) {
  test(`${target.name}${claimMode === 'lock' ? ' (lock mode)' : ''}: a relay killed between insert and acknowledgement leaves no duplicate after restart`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-relay-crash-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const env: Record<string, string> = { CHDB_DIR: join(dir, 'chdb'), RELAY_CLAIM_MODE: claimMode }
    if (target.name === 'pglite') {
      // A directory both processes open in turn (never at once).
      env.PGLITE_DIR = join(dir, 'pglite')
      const pg = await openPostgres<Database>({ dataDir: env.PGLITE_DIR, schema: 'attribution' })
      const migrated = await migrateToLatest(pg.db, { schema: 'attribution' })
      t.equal(migrated.error, undefined)
      await signups(pg.db, 30)
      await pg.close()
    } else {
      const pg = await target.open<Database>()
      t.teardown(() => pg.close())
      t.equal((await migrateToLatest(pg.db, { schema: pg.schema })).error, undefined)
      await signups(pg.db, 30)
      env.PG_URL = process.env.DATABASE_URL as string
      env.PG_SCHEMA = pg.schema
    }

    const crashed = await runChild({ ...env, RELAY_MODE: 'crash' })
    t.equal(crashed.signal, 'SIGKILL', crashed.stderr)

    const resumed = await runChild({ ...env, RELAY_MODE: 'resume' })
    t.equal(resumed.code, 0, resumed.stderr)
    const result = JSON.parse(resumed.stdout.trim().split('\n').at(-1) as string) as Record<string, number>
    t.equal(result.outbox, 30)
    t.equal(result.delivered, 30, 'the restarted relay delivers the unacknowledged batch again')
    t.equal(result.undelivered, 0)
    // FrameWorks' table is a plain MergeTree on the embedded engine, which keeps a repeated
    // batch (a Replicated one drops it by its token); either way every tenant counts once.
    const raw = Number(result.raw)
    t.ok(raw >= 30 && raw <= 60, `${raw} raw rows: at most the unacknowledged batch again`)
    t.equal(result.reported, 30)
  })
}
