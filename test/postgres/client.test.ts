import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { sql } from 'kysely'
import { openPostgres } from '../../src/postgres/client.ts'

const postgresModule = fileURLToPath(new URL('../../src/postgres/client.ts', import.meta.url))

test('a PGlite data directory keeps its data and is refused to a second process while open', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fw-pglite-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  const first = await openPostgres({ dataDir: dir, schema: 'attribution' })
  await sql`CREATE TABLE kept (n int)`.execute(first.db)
  await sql`INSERT INTO kept VALUES (42)`.execute(first.db)
  await first.close()

  // Another process holds the directory until its stdin closes.
  const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    const { openPostgres } = await import(${JSON.stringify(postgresModule)})
    const handle = await openPostgres({ dataDir: ${JSON.stringify(dir)}, schema: 'attribution' })
    process.stdout.write('ready\\n')
    process.stdin.resume()
    process.stdin.on('end', async () => { await handle.close(); process.exit(0) })
  `], { stdio: ['pipe', 'pipe', 'inherit'] })
  t.teardown(() => { if (holder.exitCode === null) holder.kill() })
  await once(holder.stdout, 'data')

  await t.rejects(openPostgres({ dataDir: dir, schema: 'attribution' }), { code: 'FW_ATTR_INVALID_OPTION', message: /in use by process/ })

  holder.stdin.end()
  await once(holder, 'exit')
  const again = await openPostgres({ dataDir: dir, schema: 'attribution' })
  t.teardown(() => again.close())
  const { rows } = await sql<{ n: number }>`SELECT n FROM kept`.execute(again.db)
  t.same(rows, [{ n: 42 }])
  t.equal(again.engine, 'pglite')
})
