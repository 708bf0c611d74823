/**
 * The OpenAPI document of the operator API, generated from the route schemas.
 *
 * Why here: `openapi.yaml` is committed so dashboard authors can generate a typed client,
 * and it must never drift from the code. This one function builds a Fastify instance with
 * `@fastify/swagger` and every operator route plugin (on stub engines: generating the
 * document runs no query), and renders the document after `ready()`. `npm run openapi`
 * writes it; a test fails when the committed file differs. To document another operator
 * plugin, register it in `registerOperatorRoutes` below.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { stringify } from 'yaml'
import type { ClickHouseHandle } from './clickhouse/client.ts'
import type { HostKysely } from './store/database.ts'
import reportsPlugin from './routes/reports/index.ts'
import { referralCodeRoutes } from './routes/referral-codes.ts'
import { tenantAttributionRoutes } from './routes/tenant-attribution.ts'
import { ingestRoutes } from './ingest/ingest-routes.ts'

export const OPENAPI_INFO = {
  title: 'FrameWorks attribution: operator API',
  version: '0.1.0',
  description: 'Operator-only routes of @frameworks/attribution: network-usage reports (JSON or streamed CSV), referral codes, tenant attribution and service-event ingest. Every route takes `Authorization: Bearer <operator token>`.'
}

/** Engines that are never queried: the document only needs the routes to exist. */
function stubs (): { clickhouse: ClickHouseHandle, db: HostKysely } {
  const unused = (): never => { throw new Error('not available while generating the OpenAPI document') }
  const clickhouse = { client: {}, engine: 'server', database: 'default', streamQuery: unused, close: async () => {} } as unknown as ClickHouseHandle
  return { clickhouse, db: {} as HostKysely }
}

/** Registers every operator route plugin the document covers. */
async function registerOperatorRoutes (app: FastifyInstance): Promise<void> {
  const { clickhouse, db } = stubs()
  const auth = { operatorTokens: ['openapi-generation'] }
  await app.register(reportsPlugin, { clickhouse, ...auth, publicStats: true })
  await app.register(referralCodeRoutes, { db, ...auth })
  await app.register(tenantAttributionRoutes, { db, ...auth })
  await app.register(ingestRoutes, { db, ...auth })
}

/** The OpenAPI 3.1 document as an object. */
export async function buildOpenApiDocument (): Promise<Record<string, unknown>> {
  const app = Fastify({ logger: false })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: {
          operatorBearer: { type: 'http', scheme: 'bearer', description: 'One of the gateway\'s OPERATOR_TOKENS.' }
        }
      },
      security: [{ operatorBearer: [] }],
      tags: [
        { name: 'reports', description: 'Network usage by acquisition source. `format=csv` (or `Accept: text/csv`) streams CSV.' },
        { name: 'stats', description: 'Public network totals (reports plugin option `publicStats`): no authentication, cached, rate-limited.' }
      ]
    }
  })
  await registerOperatorRoutes(app)
  await app.ready()
  const document = app.swagger() as unknown as Record<string, unknown>
  await app.close()
  // A plain JSON copy: no Symbol keys or undefined values from schema builders.
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>
}

/** The document as the YAML committed at the repository root. */
export async function renderOpenApiYaml (): Promise<string> {
  return stringify(await buildOpenApiDocument(), { lineWidth: 0 })
}
