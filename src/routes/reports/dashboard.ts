/**
 * The operator dashboard's static files, under `/dashboard/`: the page (`dashboard/` at the
 * package root, plain ES modules) and two libraries from `node_modules`, reached through the
 * package's own dependencies: Apache ECharts' prebuilt ESM bundle and openapi-fetch (the
 * typed client's runtime). An import map in the page names them, so no file comes from any
 * other host.
 *
 * Why files in memory: they are few and small (ECharts, the largest, is 1.1 MB, 0.37 MB
 * gzipped), read once at registration, gzipped on first request, and answered with an
 * `ETag` (304 when unchanged). The page carries a Content-Security-Policy that allows
 * scripts from this origin and its one inline script (the import map, by hash), requests to
 * this origin only, and no framing. None of these routes holds data or needs the token;
 * they are hidden from the OpenAPI document.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** The page's own files, at the package root (the same place from `src/` and from `dist/`). */
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dashboard')

/** Files of the page that are served, with their types (an allow-list: nothing else in the folder is). */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8'
}

/** `vendor/<name>` → the module it is, resolved from this package's dependencies. */
const VENDOR_FILES: Record<string, string> = {
  'echarts.js': 'echarts/dist/echarts.esm.min',
  'openapi-fetch.js': 'openapi-fetch/dist/index.mjs'
}

interface Asset {
  type: string
  body: Buffer
  etag: string
  gzipped?: Buffer
  headers: Record<string, string>
}

const BASE_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

/** The page's Content-Security-Policy: its one inline script (the import map) allowed by hash. */
export function dashboardCsp (html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1]
  if (importMap === undefined) throw new Error('dashboard/index.html has no import map')
  const hash = createHash('sha256').update(importMap).digest('base64')
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    // ECharts positions its own elements with inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
}

function asset (type: string, body: Buffer, headers: Record<string, string> = {}): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
  return { type, body, etag, headers: { ...BASE_HEADERS, ...headers } }
}

/** Reads every served file once. */
async function loadAssets (): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>()
  for (const [name, type] of Object.entries(PAGE_FILES)) {
    const body = await readFile(join(DASHBOARD_DIR, name))
    const headers: Record<string, string> = name === 'index.html' ? { 'content-security-policy': dashboardCsp(body.toString('utf8')) } : {}
    assets.set(name, asset(type, body, headers))
  }
  const require = createRequire(import.meta.url)
  for (const [name, specifier] of Object.entries(VENDOR_FILES)) {
    // The source map comment would only send devtools after a file that is not served.
    const text = (await readFile(require.resolve(specifier), 'utf8')).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
    assets.set(`vendor/${name}`, asset('text/javascript; charset=utf-8', Buffer.from(text)))
  }
  return assets
}

function send (request: FastifyRequest, reply: FastifyReply, file: Asset | undefined): FastifyReply {
  if (file === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found')
  reply.headers(file.headers).header('etag', file.etag).header('vary', 'accept-encoding')
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  reply.type(file.type)
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && file.body.length > 1024) {
    file.gzipped ??= gzipSync(file.body)
    return reply.header('content-encoding', 'gzip').send(file.gzipped)
  }
  return reply.send(file.body)
}

/** Registers the dashboard's routes on `app` under `prefix` + `/dashboard/`. */
export async function registerDashboard (app: FastifyInstance, prefix = ''): Promise<void> {
  const assets = await loadAssets()
  await app.register(async function dashboard (scope) {
    const hidden = { schema: { hide: true } }
    // Relative asset URLs need the trailing slash.
    scope.get('', hidden, async (request, reply) => reply.redirect(`${request.url.split('?')[0] ?? ''}/`, 308))
    scope.get('/', { ...hidden, prefixTrailingSlash: 'slash' }, async (request, reply) => send(request, reply, assets.get('index.html')))
    scope.get('/:name', hidden, async (request, reply) => {
      const { name } = request.params as { name: string }
      return send(request, reply, name === 'index.html' ? undefined : assets.get(name))
    })
    scope.get('/vendor/:name', hidden, async (request, reply) => send(request, reply, assets.get(`vendor/${(request.params as { name: string }).name}`)))
  }, { prefix: `${prefix}/dashboard` })
}
