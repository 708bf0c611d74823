/**
 * The files the operator dashboard is made of: an allow-list of the page's own files
 * (`dashboard/` at the package root, plain ES modules) and two libraries from `node_modules`,
 * reached through the package's own dependencies: Apache ECharts' prebuilt ESM bundle and
 * openapi-fetch (the typed client's runtime). An import map in the page names them, so no
 * file comes from any other host.
 *
 * Why files in memory: they are few and small (ECharts, the largest, is 1.1 MB, 0.37 MB
 * gzipped) and read once at registration. The page carries a Content-Security-Policy that
 * allows scripts from this origin and its one inline script (the import map, by hash),
 * requests to this origin only, and no framing.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { etagOf } from '../etag.ts'

/** The page's own files, at the package root (the same place from `src/` and from `dist/`). */
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dashboard')

/** Files of the page that are served, with their types (an allow-list: nothing else in the folder is). */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8'
}

/** `vendor/<name>` → the module it is, resolved from this package's dependencies. */
const VENDOR_FILES: Record<string, string> = {
  'echarts.js': 'echarts/dist/echarts.esm.min',
  'openapi-fetch.js': 'openapi-fetch/dist/index.mjs'
}

/** A served file, read once; its gzipped form is made on first request. */
export interface Asset {
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
  return { type, body, etag: etagOf(body), headers: { ...BASE_HEADERS, ...headers } }
}

/** Reads every served file once, keyed by its path under `/dashboard/`. */
export async function loadAssets (): Promise<Map<string, Asset>> {
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
