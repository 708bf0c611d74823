// The example gateway's operator scope is not a visit: its report filters (`?utm_source=…`)
// must never set the attribution cookie, while public routes still do.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import pg from 'pg'
import { buildGateway } from '../../example/app.ts'
import { loadConfig } from '../../src/config.ts'

const OPERATOR = 'operator-token-for-capture-tests'
const NAVIGATE = {
  accept: 'text/html,application/xhtml+xml',
  'sec-fetch-mode': 'navigate',
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
}

const targets: Array<string | undefined> = [undefined]
if (process.env.DATABASE_URL) targets.push(process.env.DATABASE_URL)

for (const databaseUrl of targets) {
  test(`an operator report call with utm_source gets no attribution cookie (${databaseUrl === undefined ? 'pglite' : 'postgres'})`, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fw-capture-'))
    const schema = `t_${randomBytes(6).toString('hex')}`
    const app = await buildGateway(loadConfig({
      DATA_DIR: dataDir,
      PG_SCHEMA: schema,
      OPERATOR_TOKENS: OPERATOR,
      COOKIE_SECRETS: 'k'.repeat(40),
      PUBLIC_BASE_URL: 'http://localhost:3000/',
      ...(databaseUrl !== undefined ? { DATABASE_URL: databaseUrl } : {})
    }))
    t.teardown(async () => {
      await app.close()
      if (databaseUrl !== undefined) {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await client.end()
      }
      await rm(dataDir, { recursive: true, force: true })
    })

    const auth = { authorization: `Bearer ${OPERATOR}` }
    for (const url of ['/reports/acquisition-funnel?utm_source=x', '/referral-codes?utm_source=x']) {
      const res = await app.inject({ url, headers: { ...NAVIGATE, ...auth } })
      t.not(res.statusCode, 401, url)
      t.ok(res.statusCode < 500, `${url}: ${res.statusCode}`)
      t.equal(res.headers['set-cookie'], undefined, url)
    }
    const report = await app.inject({ url: '/reports/acquisition-funnel?utm_source=x', headers: { ...NAVIGATE, ...auth } })
    t.equal(report.statusCode, 200)

    const beacon = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'user-agent': NAVIGATE['user-agent'] }, payload: { url: 'http://localhost:3000/?utm_source=x' } })
    t.match(beacon.headers['set-cookie'], /^fw_attr=/, 'public capture still works in the same gateway')
  })
}
