/**
 * `npm run openapi`: writes `openapi.yaml` at the package root from the route schemas, and
 * the client types generated from it by openapi-typescript (`dashboard/api-types.d.ts`: the
 * dashboard's typed client, which the typed-client test compiles against too). `--check`
 * only compares both and exits 1 when either is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { renderOpenApiYaml } from '../openapi-document.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const OPENAPI_PATH = join(ROOT, 'openapi.yaml')
export const DASHBOARD_TYPES_PATH = join(ROOT, 'dashboard', 'api-types.d.ts')
const DASHBOARD_TYPES_HEADER = '// Generated from openapi.yaml by openapi-typescript (`npm run openapi`; checked by test/dashboard/assets.test.ts). Do not edit.\n'

const yaml = await renderOpenApiYaml()
const types = astToString(await openapiTS(yaml))
const outputs: Array<[string, string]> = [
  [OPENAPI_PATH, yaml],
  [DASHBOARD_TYPES_PATH, DASHBOARD_TYPES_HEADER + types]
]
if (process.argv.includes('--check')) {
  const stale: string[] = []
  for (const [path, text] of outputs) {
    if (await readFile(path, 'utf8').catch(() => '') !== text) stale.push(path)
  }
  if (stale.length > 0) {
    process.stderr.write(`stale: ${stale.join(', ')}: run \`npm run openapi\`\n`)
    process.exitCode = 1
  }
} else {
  for (const [path, text] of outputs) await writeFile(path, text)
  process.stdout.write(`wrote ${outputs.map(([path]) => path).join(', ')}\n`)
}
