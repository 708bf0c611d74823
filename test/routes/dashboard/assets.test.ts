// The dashboard's files as the reports plugin serves them (Fastify inject), the client types
// it is checked against, and the published package: it must hold every served file and
// serve them from the build under plain node.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import openapiTS, { astToString } from 'openapi-typescript'
import type { ClickHouseHandle } from '../../../src/clickhouse/client.ts'
import reportsPlugin from '../../../src/routes/reports/index.ts'
import { renderOpenApiYaml } from '../../../src/openapi-document.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..', '..')
// The dashboard's files need no engine: a handle that is never queried.
const unused = { client: {}, engine: 'server', database: 'default', streamQuery: () => { throw new Error('no queries here') }, close: async () => {} } as unknown as ClickHouseHandle
const SERVED = ['/dashboard/', '/dashboard/app.js', '/dashboard/api.js', '/dashboard/charts.js', '/dashboard/format.js', '/dashboard/view.js', '/dashboard/dashboard.css', '/dashboard/vendor/echarts.js', '/dashboard/vendor/openapi-fetch.js']

async function appWith (dashboard: boolean, prefix?: string): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(reportsPlugin, { clickhouse: unused, operatorTokens: ['x'], dashboard, ...(prefix !== undefined ? { prefix } : {}) })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('the dashboard is off unless enabled', async (t) => {
  const app = await appWith(false)
  t.equal((await app.inject({ url: '/dashboard/' })).statusCode, 404)
})

t.test('the page and its files are served without a token, the page under a Content-Security-Policy', async (t) => {
  const app = await appWith(true)
  for (const url of SERVED) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], url.endsWith('/') ? /^text\/html/ : url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, url)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
  const page = await app.inject({ url: '/dashboard/' })
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /default-src 'none'/)
  t.match(csp, /connect-src 'self'/)
  t.match(csp, /frame-ancestors 'none'/)
  t.notMatch(csp, /unsafe-eval|https?:/, 'no eval, no other host')
  t.match(page.body, /"echarts":"\.\/vendor\/echarts\.js"/, 'the import map names the local ECharts')
  t.notMatch(page.body, /https?:\/\//, 'the page names no other host')
  const redirect = await app.inject({ url: '/dashboard' })
  t.equal(redirect.statusCode, 308)
  t.equal(redirect.headers.location, '/dashboard/')
  const view = await app.inject({ url: '/dashboard?days=90&granularity=week' })
  t.equal(view.headers.location, '/dashboard/?days=90&granularity=week', 'the redirect keeps the view in the query')
})

t.test('only the listed files are served', async (t) => {
  const app = await appWith(true)
  for (const url of ['/dashboard/tsconfig.json', '/dashboard/api-types.d.ts', '/dashboard/index.html', '/dashboard/..%2Fpackage.json', '/dashboard/vendor/echarts.esm.js']) {
    t.equal((await app.inject({ url })).statusCode, 404, url)
  }
})

t.test('files are gzipped when the client accepts it and answer 304 to their ETag', async (t) => {
  const app = await appWith(true)
  const plain = await app.inject({ url: '/dashboard/vendor/echarts.js' })
  const zipped = await app.inject({ url: '/dashboard/vendor/echarts.js', headers: { 'accept-encoding': 'gzip, br' } })
  t.equal(zipped.headers['content-encoding'], 'gzip')
  t.ok(zipped.rawPayload.length < plain.rawPayload.length / 2, `gzipped ${zipped.rawPayload.length} of ${plain.rawPayload.length} bytes`)
  t.ok(gunzipSync(zipped.rawPayload).equals(plain.rawPayload))
  const etag = String(plain.headers.etag)
  // The public stats' comparison (one helper): strong, weak, in a list, `*`.
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const again = await app.inject({ url: '/dashboard/vendor/echarts.js', headers: { 'if-none-match': header } })
    t.equal(again.statusCode, 304, header)
    t.equal(again.headers.etag, etag)
    t.equal(again.rawPayload.length, 0)
  }
  t.equal((await app.inject({ url: '/dashboard/vendor/echarts.js', headers: { 'if-none-match': '"other"' } })).statusCode, 200)
})

t.test('under a prefix the dashboard sits beside the prefixed reports', async (t) => {
  const app = await appWith(true, '/ops')
  t.equal((await app.inject({ url: '/ops/dashboard/' })).statusCode, 200)
  t.equal((await app.inject({ url: '/ops/dashboard' })).headers.location, '/ops/dashboard/')
  t.equal((await app.inject({ url: '/ops/reports/network-usage' })).statusCode, 401)
})

t.test('the dashboard\'s client types are what openapi-typescript generates from the document', async (t) => {
  const committed = await readFile(join(root, 'dashboard', 'api-types.d.ts'), 'utf8')
  const generated = astToString(await openapiTS(await renderOpenApiYaml()))
  t.equal(committed.slice(committed.indexOf('\n') + 1), generated, 'run `npm run openapi`')
})

t.test('the published package holds every served file and serves them from the build under plain node', async (t) => {
  const { stdout: packed } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })
  const files = new Set((JSON.parse(packed) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path))
  for (const name of ['index.html', 'app.js', 'api.js', 'charts.js', 'format.js', 'view.js', 'dashboard.css']) t.ok(files.has(`dashboard/${name}`), `dashboard/${name} is published`)
  t.ok(files.has('dist/routes/dashboard/index.js'))
  // No tsx: the built package by its name, with its runtime dependencies, as a gateway runs it.
  const script = [
    "const { default: Fastify } = await import('fastify')",
    "const { reportsPlugin } = await import('@frameworks/attribution')",
    'const app = Fastify()',
    "await app.register(reportsPlugin, { clickhouse: { client: {}, streamQuery () {} }, operatorTokens: ['x'], dashboard: true })",
    `const codes = []; for (const url of ${JSON.stringify(SERVED)}) codes.push((await app.inject({ url })).statusCode)`,
    'console.log(JSON.stringify(codes)); await app.close()'
  ].join('\n')
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } })
  t.same(JSON.parse(stdout), SERVED.map(() => 200))
})
