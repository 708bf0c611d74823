import { test } from 'tap'
import { shareComponents } from '../src/openapi-components.ts'

const OPTIONS = { problem: 'Problem', securityScheme: 'bearer', unauthorized: 'No credentials', forbidden: 'Wrong credentials' }
const problem = { type: 'object', required: ['code'], properties: { code: { type: 'string' } }, description: 'Problem details' }
const record = { type: 'object', properties: { id: { type: 'string' } }, title: 'Record' }
const param = (name: string, type = 'string') => ({ in: 'query', name, required: false, schema: { type } })

function documentWith (paths: Record<string, unknown>) {
  return { openapi: '3.1.0', components: { schemas: { Problem: problem, Record: record } }, paths }
}

test('error answers become problem+json references, whatever media types the route produced', async (t) => {
  const document = shareComponents(documentWith({
    '/x': {
      get: {
        security: [{ bearer: [] }],
        responses: {
          200: { description: 'ok', content: { 'text/csv': { schema: { type: 'string' } } } },
          404: { description: 'Missing', content: { 'application/json': { schema: { ...problem, description: 'Missing' } }, 'text/csv': { schema: problem } } }
        }
      }
    }
  }), OPTIONS) as { paths: Record<string, { get: { responses: Record<string, unknown> } }>, components: Record<string, unknown> }
  const ref = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
  t.same(document.paths['/x']?.get.responses, {
    200: { description: 'ok', content: { 'text/csv': { schema: { type: 'string' } } } },
    401: { $ref: '#/components/responses/Unauthorized' },
    403: { $ref: '#/components/responses/Forbidden' },
    404: { description: 'Missing', content: ref }
  })
  t.same(document.components.responses, {
    Unauthorized: { description: 'No credentials', content: ref },
    Forbidden: { description: 'Wrong credentials', content: ref }
  })
})

test('an error answer with another schema stops generation and names the route', async (t) => {
  const document = documentWith({
    '/x': { post: { responses: { 409: { description: 'Conflict', content: { 'application/json': { schema: { type: 'string' } } } } } } }
  })
  t.throws(() => shareComponents(document, OPTIONS), /POST \/x declares its 409 answer \(application\/json\) with a schema other than Problem/)
})

test('operations without the security scheme get no 401, 403 or shared answers', async (t) => {
  const document = shareComponents(documentWith({ '/public': { get: { responses: { 200: { description: 'ok' } } } } }), OPTIONS) as {
    paths: Record<string, { get: { responses: Record<string, unknown> } }>, components: Record<string, unknown>
  }
  t.same(Object.keys(document.paths['/public']?.get.responses ?? {}), ['200'])
  t.notOk(document.components.responses)
})

test('copies of a named schema become references that keep a description of their own', async (t) => {
  const copy = { type: 'object', properties: { id: { type: 'string' } } }
  const document = shareComponents(documentWith({
    '/x': {
      get: {
        responses: {
          200: {
            description: 'A list',
            content: { 'application/json': { schema: { type: 'array', items: { ...copy, description: 'One record' }, description: 'A list' } } }
          }
        }
      }
    }
  }), OPTIONS) as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }> }
  t.same(document.paths['/x']?.get.responses['200']?.content, {
    'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Record', description: 'One record' } } }
  })
})

test('parameters declared alike by two operations are shared by name; a second shape of the name stays inline', async (t) => {
  const document = shareComponents(documentWith({
    '/a': { get: { parameters: [param('from'), param('limit', 'integer')], responses: {} } },
    '/b': { get: { parameters: [param('from'), param('limit')], responses: {} } },
    '/c': { get: { parameters: [param('limit')], responses: {} } },
    '/d': { get: { parameters: [param('limit', 'integer')], responses: {} } }
  }), OPTIONS) as { paths: Record<string, { get: { parameters: unknown[] } }>, components: { parameters: Record<string, unknown> } }
  t.same(document.components.parameters, { from: param('from'), limit: param('limit', 'integer') })
  t.same(document.paths['/a']?.get.parameters, [{ $ref: '#/components/parameters/from' }, { $ref: '#/components/parameters/limit' }])
  t.same(document.paths['/b']?.get.parameters, [{ $ref: '#/components/parameters/from' }, param('limit')])
  t.same(document.paths['/c']?.get.parameters, [param('limit')])
})

test('a figure two schemas describe alike is written once; another description or a lone figure stays inline', async (t) => {
  const egress = { type: 'number', description: 'GiB from tenant_analytics_daily' }
  const row = (properties: Record<string, unknown>) => ({
    200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties } } } }
  })
  const document = shareComponents(documentWith({
    '/a': { get: { responses: row({ egress_gb: egress, id: { type: 'string', description: 'An id' } }) } },
    '/b': { get: { responses: row({ egress_gb: { ...egress }, id: { type: 'string', description: 'An id' }, lone: { type: 'integer', description: 'Once' } }) } },
    '/c': { get: { responses: row({ egress_gb: { type: 'number', description: 'Playback GiB' } }) } }
  }), OPTIONS) as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: unknown } }> }> } }>, components: { schemas: Record<string, unknown> } }
  const properties = (path: string): unknown => document.paths[path]?.get.responses['200']?.content['application/json']?.schema.properties
  t.same(document.components.schemas.egress_gb, egress)
  t.same(properties('/a'), { egress_gb: { $ref: '#/components/schemas/egress_gb' }, id: { type: 'string', description: 'An id' } })
  t.same(properties('/b'), { egress_gb: { $ref: '#/components/schemas/egress_gb' }, id: { type: 'string', description: 'An id' }, lone: { type: 'integer', description: 'Once' } })
  t.same(properties('/c'), { egress_gb: { type: 'number', description: 'Playback GiB' } }, 'another description of the name stays inline')
  t.notOk(document.components.schemas.id, 'only figures are shared')
})
