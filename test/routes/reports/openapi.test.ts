import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import SwaggerParser from '@apidevtools/swagger-parser'
import createClient from 'openapi-fetch'
import { buildOpenApiDocument, renderOpenApiYaml } from '../../../src/openapi-document.ts'
// The dashboard's generated client types (test/dashboard/assets.test.ts checks they are current).
import type { paths } from '../../../dashboard/api-types.d.ts'
import { AUTH, buildReportsApp, openFixtureEngine, parseCsv } from './helpers.ts'
import { T1 } from './fixture.ts'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')

t.test('the generated document is valid OpenAPI 3.1 and documents every report', async (t) => {
  const document = await buildOpenApiDocument()
  const validated = await SwaggerParser.validate(structuredClone(document) as never) as unknown as { openapi: string, paths: Record<string, Record<string, { operationId?: string, tags?: string[], summary?: string, responses?: Record<string, unknown> }>> }
  t.equal(validated.openapi, '3.1.0')
  const reports = ['network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes', 'tenant-usage']
  for (const name of reports) {
    const op = validated.paths[`/reports/${name}`]?.get
    t.ok(op?.operationId, `${name} has an operationId`)
    t.same(op?.tags, ['reports'])
    t.ok(op?.summary)
    t.same(Object.keys(op?.responses ?? {}).sort(), ['200', '400', '401', '403', '503'])
    t.ok((op?.responses?.['200'] as { content?: Record<string, unknown> }).content?.['text/csv'], `${name} declares CSV`)
  }
})

t.test('the committed openapi.yaml equals what the code generates', async (t) => {
  const committed = await readFile(join(root, 'openapi.yaml'), 'utf8')
  t.equal(committed, await renderOpenApiYaml(), 'run `npm run openapi` and commit openapi.yaml')
})

t.test('a generated client calls every report on a live server', async (t) => {
  const { ch, close } = await openFixtureEngine()
  const app = await buildReportsApp(ch)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close(); await close() })
  const { port } = app.server.address() as AddressInfo
  const client = createClient<paths, 'application/json'>({ baseUrl: `http://127.0.0.1:${port}`, headers: AUTH })
  const range = { from: '2026-01-01', to: '2026-03-01' }

  const network = await client.GET('/reports/network-usage', { params: { query: { ...range, granularity: 'month' } } })
  t.equal(network.response.status, 200)
  t.equal(network.data?.data[0]?.viewer_hours, 8)

  const funnel = await client.GET('/reports/acquisition-funnel', { params: { query: { ...range, group_by: 'signup_channel', limit: 10 } } })
  t.same(funnel.data?.data.map((r) => r.signup_channel), ['api', 'wallet', 'web'])

  const cohorts = await client.GET('/reports/cohort-usage', { params: { query: { ...range, cohort: 'month', granularity: 'month', group_by: 'utm_source' } } })
  t.equal(cohorts.data?.data.at(-1)?.cohort_period, 'unattributed')

  const codes = await client.GET('/reports/referral-codes', { params: { query: range } })
  t.equal(codes.data?.data[0]?.partner, 'Acme Partners')

  const firstPage = await client.GET('/reports/tenant-usage', { params: { query: { ...range, granularity: 'month', limit: 1 } } })
  t.equal(firstPage.data?.data[0]?.tenant_id, T1)
  const cursor = firstPage.data?.next_cursor
  t.type(cursor, 'string')
  const secondPage = await client.GET('/reports/tenant-usage', { params: { query: { ...range, granularity: 'month', limit: 1, cursor: cursor ?? undefined } } })
  t.not(secondPage.data?.data[0]?.tenant_id, T1)

  const csvClient = createClient<paths, 'text/csv'>({ baseUrl: `http://127.0.0.1:${port}`, headers: AUTH })
  const exported = await csvClient.GET('/reports/tenant-usage', { params: { query: { ...range, granularity: 'month', format: 'csv' } }, parseAs: 'text' })
  t.equal(exported.response.headers.get('content-type'), 'text/csv; charset=utf-8')
  t.equal(parseCsv(String(exported.data)).length, 6)

  // Errors are application/problem+json: a client that takes JSON media types reads them typed.
  const refused = await createClient<paths, `application/${string}json`>({ baseUrl: `http://127.0.0.1:${port}` }).GET('/reports/network-usage', {})
  t.equal(refused.response.status, 401)
  t.match(refused.response.headers.get('content-type'), /^application\/problem\+json/)
  t.equal(refused.error?.code, 'FW_ATTR_UNAUTHORIZED')
})
