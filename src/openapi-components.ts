/**
 * Shares what the generated OpenAPI document would otherwise repeat, as components.
 *
 * Why: route schemas stay plain (no `$id` references), so Fastify validates and serializes
 * them as they are; `@fastify/swagger` then inlines every copy. This pass, run on the
 * generated document only, turns the copies into references:
 * - every 4xx/5xx answer becomes `application/problem+json` with the one Problem schema
 *   (what `problemErrorHandler` sends); an error answer declared with another schema stops
 *   generation instead of being documented wrongly;
 * - every operation that declares the operator security scheme gets the shared 401 and 403
 *   answers (its auth hook gives them, whatever the route declares);
 * - a subschema equal to a named `components.schemas` entry (apart from its `title` and
 *   `description`) becomes a `$ref` to it;
 * - a figure (a described number property, such as a metric) that several object schemas
 *   declare identically, description included, moves to `components.schemas`, named by the
 *   property: each metric's description, which says where the figure comes from, is
 *   written once however many rows carry it;
 * - a parameter that several operations declare identically moves to
 *   `components.parameters`, named by the parameter.
 * Success answers are left as the routes declare them (JSON, and CSV where a report
 * streams it). Pure: no Fastify here, the document goes in and comes out as JSON.
 */

type JsonObject = Record<string, unknown>

export interface ShareOptions {
  /** The `components.schemas` entry every error answer uses (it must be there). */
  problem: string
  /** The security scheme of operator operations; those that declare it answer 401 and 403. */
  securityScheme: string
  /** Description of the shared 401 answer (no credentials). */
  unauthorized: string
  /** Description of the shared 403 answer (credentials not accepted). */
  forbidden: string
}

/** The media type of every error answer. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

const OPERATION_KEYS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])
const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** JSON with object keys sorted, so equal values give equal strings whatever their key order. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** A schema's canonical form without its top-level `title` and `description`. */
function shape (schema: JsonObject): string {
  const { title: _title, description: _description, ...rest } = schema
  return canonical(rest)
}

/** Every operation of the document with its path and method. */
function operations (document: JsonObject): Array<{ path: string, method: string, operation: JsonObject }> {
  const found: Array<{ path: string, method: string, operation: JsonObject }> = []
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (OPERATION_KEYS.has(method) && isObject(operation)) found.push({ path, method, operation })
    }
  }
  return found
}

/** Whether an operation requires the given security scheme. */
export function requiresScheme (operation: JsonObject, scheme: string): boolean {
  return Array.isArray(operation.security) && operation.security.some((s) => isObject(s) && Object.hasOwn(s, scheme))
}

const isErrorStatus = (status: string): boolean => /^[45]/.test(status)

/** A fresh content map (a shared object would come out of the YAML writer as an alias). */
const problemContent = (problem: string): JsonObject =>
  ({ [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${problem}` } } })

/** Rewrites the error answers of every operation; adds the shared 401/403 to secured ones. */
function shareErrors (document: JsonObject, schemas: JsonObject, options: ShareOptions): boolean {
  const problem = schemas[options.problem]
  if (!isObject(problem)) throw new Error(`OpenAPI document: components.schemas has no "${options.problem}"`)
  const problemShape = shape(problem)
  let secured = false
  for (const { path, method, operation } of operations(document)) {
    const responses = isObject(operation.responses) ? operation.responses : {}
    for (const [status, response] of Object.entries(responses)) {
      if (!isErrorStatus(status) || !isObject(response)) continue
      for (const [media, body] of Object.entries(isObject(response.content) ? response.content : {})) {
        const schema = isObject(body) ? body.schema : undefined
        if (!isObject(schema) || shape(schema) !== problemShape) {
          throw new Error(`OpenAPI document: ${method.toUpperCase()} ${path} declares its ${status} answer (${media}) with a schema other than ${options.problem}`)
        }
      }
      responses[status] = { description: response.description, content: problemContent(options.problem) }
    }
    if (requiresScheme(operation, options.securityScheme)) {
      secured = true
      responses['401'] = { $ref: '#/components/responses/Unauthorized' }
      responses['403'] = { $ref: '#/components/responses/Forbidden' }
    }
    operation.responses = responses
  }
  return secured
}

type Named = ReadonlyMap<string, { name: string, description: unknown }>

/** `node` with every subschema shaped like a named schema replaced by a `$ref` to it. */
function referenceSchemas (node: unknown, named: Named): unknown {
  if (Array.isArray(node)) return node.map((item) => referenceSchemas(item, named))
  if (!isObject(node)) return node
  const match = named.get(shape(node))
  if (match !== undefined) {
    const ref: JsonObject = { $ref: `#/components/schemas/${match.name}` }
    if (node.description !== undefined && node.description !== match.description) ref.description = node.description
    return ref
  }
  return referenceChildren(node, named)
}

const referenceChildren = (node: JsonObject, named: Named): JsonObject =>
  Object.fromEntries(Object.entries(node).map(([k, v]) => [k, referenceSchemas(v, named)]))

/** Drops a success body's `description` where it only repeats its answer's. */
function dropRepeatedDescriptions (document: JsonObject): void {
  for (const { operation } of operations(document)) {
    for (const response of Object.values(isObject(operation.responses) ? operation.responses : {})) {
      if (!isObject(response) || !isObject(response.content)) continue
      for (const body of Object.values(response.content)) {
        if (isObject(body) && isObject(body.schema) && body.schema.description === response.description) delete body.schema.description
      }
    }
  }
}

/** A described number with no nested schema and no reference: a figure such as a metric. */
const isFigure = (schema: JsonObject): boolean =>
  (schema.type === 'number' || schema.type === 'integer') && typeof schema.description === 'string' && !Object.hasOwn(schema, '$ref') &&
  Object.values(schema).every((v) => !isObject(v) && !Array.isArray(v))

/** Every `properties` map under `node`. */
function propertyMaps (node: unknown, out: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(node)) for (const item of node) propertyMaps(item, out)
  else if (isObject(node)) {
    if (isObject(node.properties)) out.push(node.properties)
    for (const value of Object.values(node)) propertyMaps(value, out)
  }
  return out
}

/**
 * Moves figure property schemas that at least two object schemas declare identically to
 * `components.schemas`, named by the property, and refers to them. Two different schemas of
 * one property name: the more frequent (then the first) keeps the name, the other stays inline.
 */
function shareProperties (document: JsonObject, schemas: JsonObject): void {
  const maps = [...propertyMaps(schemas), ...propertyMaps(document.paths)]
  const counts = new Map<string, { name: string, schema: JsonObject, count: number }>()
  for (const properties of maps) {
    for (const [name, schema] of Object.entries(properties)) {
      if (!isObject(schema) || !isFigure(schema) || !COMPONENT_NAME.test(name) || Object.hasOwn(schemas, name)) continue
      const key = `${name} ${canonical(schema)}`
      const seen = counts.get(key)
      counts.set(key, { name, schema, count: (seen?.count ?? 0) + 1 })
    }
  }
  const chosen = new Map<string, string>()
  for (const [key, { name, count }] of [...counts].sort((a, b) => b[1].count - a[1].count)) {
    if (count >= 2 && ![...chosen.values()].includes(name)) chosen.set(key, name)
  }
  for (const [key, name] of chosen) schemas[name] = (counts.get(key) as { schema: JsonObject }).schema
  for (const properties of maps) {
    for (const [name, schema] of Object.entries(properties)) {
      if (isObject(schema) && chosen.get(`${name} ${canonical(schema)}`) === name) {
        properties[name] = { $ref: `#/components/schemas/${name}` }
      }
    }
  }
}

/** Moves parameters that at least two operations declare identically to `components.parameters`. */
function shareParameters (document: JsonObject): JsonObject {
  const all = operations(document).flatMap(({ operation }) => Array.isArray(operation.parameters) ? operation.parameters : [])
  const counts = new Map<string, number>()
  for (const p of all) counts.set(canonical(p), (counts.get(canonical(p)) ?? 0) + 1)
  const shared: JsonObject = {}
  const nameOf = new Map<string, string>()
  for (const p of all) {
    const key = canonical(p)
    if (!isObject(p) || (counts.get(key) ?? 0) < 2 || nameOf.has(key)) continue
    // Two different shared parameters of one name: the first keeps it, the other stays inline.
    if (typeof p.name !== 'string' || !COMPONENT_NAME.test(p.name) || Object.hasOwn(shared, p.name)) continue
    shared[p.name] = p
    nameOf.set(key, p.name)
  }
  for (const { operation } of operations(document)) {
    if (!Array.isArray(operation.parameters)) continue
    operation.parameters = operation.parameters.map((p) => {
      const name = nameOf.get(canonical(p))
      return name === undefined ? p : { $ref: `#/components/parameters/${name}` }
    })
  }
  return shared
}

/**
 * Returns the document with its repetitions shared as components (see the module comment).
 * `document` must be a plain JSON copy; it is changed in place and returned.
 */
export function shareComponents (document: JsonObject, options: ShareOptions): JsonObject {
  const components = isObject(document.components) ? document.components : {}
  const schemas = isObject(components.schemas) ? components.schemas : {}
  const secured = shareErrors(document, schemas, options)
  dropRepeatedDescriptions(document)
  const named = new Map<string, { name: string, description: unknown }>()
  for (const [name, schema] of Object.entries(schemas)) {
    if (isObject(schema)) named.set(shape(schema), { name, description: schema.description })
  }
  // Named schemas nest too (a record in another's property).
  for (const [name, schema] of Object.entries(schemas)) {
    if (isObject(schema)) schemas[name] = referenceChildren(schema, named)
  }
  document.paths = referenceSchemas(document.paths, named)
  shareProperties(document, schemas)
  const parameters = shareParameters(document)
  document.components = {
    ...components,
    schemas,
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    ...(secured
      ? {
          responses: {
            Unauthorized: { description: options.unauthorized, content: problemContent(options.problem) },
            Forbidden: { description: options.forbidden, content: problemContent(options.problem) }
          }
        }
      : {})
  }
  return document
}
