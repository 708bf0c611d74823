// A gateway that fails to build after its engines opened must release them: its caller gets
// no app to close, so nothing else would free PGlite's directory lock or chDB's files.
import { test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildGateway } from '../../example/app.ts'
import { loadConfig } from '../../example/config.ts'

test('a build that fails after the migrations releases both engines, and the next build on the same directory works', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fw-gateway-fail-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const config = loadConfig({ DATA_DIR: dataDir, PUBLIC_BASE_URL: 'http://localhost:3000/', SEED_DEMO: '0', COOKIE_SECRETS: 'k'.repeat(40) })

  // The capture plugin refuses a short secret when it is registered: after both engines
  // opened and migrated.
  await t.rejects(buildGateway({ ...config, cookieSecrets: ['too-short'] }), { code: 'FW_ATTR_INVALID_OPTION' })
  t.ok(existsSync(join(dataDir, 'pglite')), 'PGlite was opened before the failure')
  t.notOk(existsSync(join(dataDir, 'pglite', '.fw-attribution.lock')), 'its directory lock is released')

  const app = await buildGateway(config)
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/healthz' })
  t.equal(res.statusCode, 200)
})
