import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { sql, type Kysely } from 'kysely'
import { DEFAULT_MIGRATIONS_DIRECTORY, migrateToLatest, readMigrationFiles } from '../../src/postgres/migrations.ts'
import { postgresTargets } from '../helpers/postgres.ts'

async function tables (db: Kysely<unknown>, schema: string): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(db)
  return rows.map((r) => r.table_name)
}

async function copyOfMigrations (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fw-migrations-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(DEFAULT_MIGRATIONS_DIRECTORY, dir, { recursive: true })
  return dir
}

test('the package ships numbered migration files with checksums', async (t) => {
  const files = await readMigrationFiles()
  t.same(files.map((f) => f.name), ['0001_referral_codes.sql', '0002_tenant_attribution.sql', '0003_attribution_outbox.sql', '0004_attribution_erasures.sql'])
  for (const f of files) t.match(f.checksum, /^[0-9a-f]{64}$/)
})

for (const target of postgresTargets()) {
  test(`${target.name}: migrations apply once and a second run skips them all`, async (t) => {
    const handle = await target.open()
    t.teardown(() => handle.close())
    const first = await migrateToLatest(handle.db, { schema: handle.schema })
    t.equal(first.error, undefined)
    t.same(first.results.map((r) => r.status), ['applied', 'applied', 'applied', 'applied'])
    t.same(await tables(handle.db, handle.schema), ['attribution_erasure_jobs', 'attribution_erasures', 'attribution_migrations', 'attribution_outbox', 'referral_codes', 'tenant_attribution'])

    const second = await migrateToLatest(handle.db, { schema: handle.schema })
    t.equal(second.error, undefined)
    t.same(second.results.map((r) => r.status), ['skipped', 'skipped', 'skipped', 'skipped'])
    const recorded = await sql<{ name: string, checksum: string }>`SELECT name, checksum FROM attribution_migrations ORDER BY name`.execute(handle.db)
    t.same(recorded.rows, (await readMigrationFiles()).map((f) => ({ name: f.name, checksum: f.checksum })))
  })

  test(`${target.name}: a changed applied file stops the run before anything else is applied`, async (t) => {
    const handle = await target.open()
    t.teardown(() => handle.close())
    const dir = await copyOfMigrations(t)
    t.equal((await migrateToLatest(handle.db, { schema: handle.schema, directory: dir })).error, undefined)

    await appendFile(join(dir, '0002_tenant_attribution.sql'), '\n-- edited\n')
    await writeFile(join(dir, '0005_extra.sql'), 'CREATE TABLE extra (id int);\n')
    const result = await migrateToLatest(handle.db, { schema: handle.schema, directory: dir })
    t.match(result.error?.message, /0002_tenant_attribution\.sql.*checksum/)
    t.equal(result.results.find((r) => r.name === '0005_extra.sql')?.status, 'not_run')
    t.notOk((await tables(handle.db, handle.schema)).includes('extra'))
  })

  test(`${target.name}: a failing file is rolled back and reported, later files are not run`, async (t) => {
    const handle = await target.open()
    t.teardown(() => handle.close())
    const dir = await copyOfMigrations(t)
    await writeFile(join(dir, '0005_broken.sql'), 'CREATE TABLE half (id int);\nCREATE TABLE broken (id nonexistent_type);\n')
    await writeFile(join(dir, '0006_after.sql'), 'CREATE TABLE after_broken (id int);\n')
    const result = await migrateToLatest(handle.db, { schema: handle.schema, directory: dir })
    t.match(result.error?.message, /0005_broken\.sql failed/)
    t.same(result.results.map((r) => r.status), ['applied', 'applied', 'applied', 'applied', 'failed', 'not_run'])
    const present = await tables(handle.db, handle.schema)
    t.ok(present.includes('tenant_attribution'))
    t.notOk(present.includes('half'))
    t.notOk(present.includes('after_broken'))
  })

  test(`${target.name}: two runs at once apply each file exactly once`, async (t) => {
    const handle = await target.open()
    t.teardown(() => handle.close())
    const [a, b] = await Promise.all([
      migrateToLatest(handle.db, { schema: handle.schema }),
      migrateToLatest(handle.db, { schema: handle.schema })
    ])
    t.equal(a.error, undefined)
    t.equal(b.error, undefined)
    const applied = [...a.results, ...b.results].filter((r) => r.status === 'applied').map((r) => r.name).sort()
    t.same(applied, ['0001_referral_codes.sql', '0002_tenant_attribution.sql', '0003_attribution_outbox.sql', '0004_attribution_erasures.sql'])
  })
}

test('a schema name that is not an SQL identifier is refused', async (t) => {
  await t.rejects(migrateToLatest({} as Kysely<unknown>, { schema: 'bad"schema' }), /schema/)
})
