import { test } from 'tap'
import { readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import SwaggerParser from '@apidevtools/swagger-parser'
import { parse } from 'yaml'
import { OPERATOR_SECURITY_SCHEME, buildOpenApiApp } from '../src/openapi-document.ts'
import { PROBLEM_MEDIA_TYPE, requiresScheme } from '../src/openapi-components.ts'

const OPENAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi.yaml')
/** Half the 132,290 bytes the document took when it inlined every copy (issue 11). */
const MAX_BYTES = 66_145
const PROBLEM_REF = '#/components/schemas/Problem'

type Json = Record<string, unknown>
interface Operation { path: string, method: string, operation: Json }

async function committed (): Promise<{ text: string, document: Json }> {
  const text = await readFile(OPENAPI_PATH, 'utf8')
  return { text, document: parse(text) as Json }
}

function operationsOf (document: Json): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })))
}

/** A response object, its `$ref` to `components.responses` followed. */
function resolveResponse (document: Json, response: Json): Json {
  if (typeof response.$ref !== 'string') return response
  const name = response.$ref.replace('#/components/responses/', '')
  return (document.components as { responses: Record<string, Json> }).responses[name] as Json
}

test('the committed document validates and is smaller than half its inlined size', async (t) => {
  const { text, document } = await committed()
  t.ok(Buffer.byteLength(text) < MAX_BYTES, `openapi.yaml is ${Buffer.byteLength(text)} bytes`)
  await t.resolves(SwaggerParser.validate(structuredClone(document) as never))
  const components = document.components as Json
  t.ok(components.schemas && (components.schemas as Json).Problem, 'the Problem schema is a component')
  t.ok((components.schemas as Json).ReportMeta, 'the report meta is a component')
  t.match(components.parameters, { from: { in: 'query' }, to: { in: 'query' }, granularity: { in: 'query' } })
  t.same((components.securitySchemes as Json)[OPERATOR_SECURITY_SCHEME], { type: 'http', scheme: 'bearer', description: 'One of the gateway\'s OPERATOR_TOKENS.' })
  t.notOk(document.security, 'no document-wide security: public routes take none')
})

test('every error answer is problem+json with the shared Problem schema, and only success answers carry CSV', async (t) => {
  const { document } = await committed()
  let errors = 0
  for (const { path, method, operation } of operationsOf(document)) {
    for (const [status, declared] of Object.entries(operation.responses as Record<string, Json>)) {
      const response = resolveResponse(document, declared)
      const media = Object.keys((response.content ?? {}) as Json)
      if (!status.startsWith('2')) t.notOk(media.includes('text/csv'), `${method} ${path} ${status} has no CSV`)
      if (!/^[45]/.test(status)) continue
      errors++
      t.same(response.content, { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: PROBLEM_REF } } }, `${method} ${path} ${status}`)
      t.type(response.description, 'string')
    }
  }
  t.ok(errors > 40, `${errors} error answers checked`)
})

test('an operation declares the bearer scheme, 401 and 403 exactly when operator auth guards its route', async (t) => {
  const app = await buildOpenApiApp()
  t.teardown(() => app.close())
  const document = app.swagger() as unknown as Json
  const { document: written } = await committed()
  const operations = operationsOf(written)
  t.same(operations.map((o) => `${o.method} ${o.path}`), operationsOf(document).map((o) => `${o.method} ${o.path}`))
  let guardedCount = 0
  for (const { path, method, operation } of operations) {
    // Auth answers before validation, so any value fills a path parameter.
    const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')
    const none = await app.inject({ method: method.toUpperCase() as 'GET', url })
    const wrong = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: { authorization: 'Bearer not-a-token' } })
    const guarded = none.statusCode === 401 && wrong.statusCode === 403
    if (guarded) guardedCount++
    t.equal(requiresScheme(operation, OPERATOR_SECURITY_SCHEME), guarded, `${method} ${path} declares the bearer scheme iff guarded`)
    if (!guarded) continue
    const responses = operation.responses as Record<string, Json>
    t.same(responses['401'], { $ref: '#/components/responses/Unauthorized' })
    t.same(responses['403'], { $ref: '#/components/responses/Forbidden' })
  }
  const reportsAndOthers = ['/reports/network-usage', '/referral-codes', '/tenants/{tenantId}/attribution', '/ingest/status']
  for (const path of reportsAndOthers) t.ok(operations.some((o) => o.path === path), `${path} is documented`)
  t.ok(guardedCount >= 13, `${guardedCount} operator operations`)
})
