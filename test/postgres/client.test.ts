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

const serverUrl = process.env.DATABASE_URL
test('a server that ends the pool\'s connections (a restart) does not kill the process: the next queries reconnect', { skip: serverUrl === undefined || serverUrl === '' ? 'needs a Postgres server (DATABASE_URL)' : false }, async (t) => {
  const handle = await openPostgres({ url: serverUrl, schema: 'public', poolSize: 4 })
  t.teardown(() => handle.close())
  const killer = await openPostgres({ url: serverUrl, schema: 'public', poolSize: 1 })
  t.teardown(() => killer.close())
  const backendOf = async (db: typeof handle.db): Promise<number> =>
    (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid
  // What a restart does to every connection, done to this pool's only (the server stays up
  // for the other tests): pg_terminate_backend ends them with the same FATAL 57P01.
  const terminate = async (pids: number[]): Promise<void> => {
    await sql`SELECT pg_terminate_backend(pid) FROM unnest(${pids}::int[]) AS pid`.execute(killer.db)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  // An idle pooled connection ended by the server (reported on the pool).
  await terminate([await backendOf(handle.db)])
  t.type(await backendOf(handle.db), 'number', 'a query after an idle connection was ended')

  // A connection checked out in a transaction, between two statements (reported on the client).
  const inTransaction = handle.db.transaction().execute(async (trx) => {
    await terminate([await backendOf(trx)])
    await sql`SELECT 1`.execute(trx)
  })
  await t.rejects(inTransaction, 'the transaction whose connection was ended fails')
  t.type(await backendOf(handle.db), 'number', 'the process is alive and the pool reconnects')
})
