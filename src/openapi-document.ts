/**
 * The OpenAPI document of the operator API, generated from the route schemas.
 *
 * Why here: `openapi.yaml` is committed so dashboard authors can generate a typed client,
 * and it must never drift from the code. This module builds a Fastify instance with
 * `@fastify/swagger` and the route plugins (on stub engines: generating the document runs
 * no query), and renders the document after `ready()`. `npm run openapi` writes it; a test
 * fails when the committed file differs.
 *
 * To document another plugin, register it in `registerOperatorRoutes` when operator auth
 * guards its routes (they are then documented with the bearer scheme and its 401/403), or
 * in `registerPublicRoutes` otherwise. Either way its error answers come out as
 * `application/problem+json` with the shared Problem schema (see `openapi-components.ts`).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { Document, isScalar, visit } from 'yaml'
import type { ClickHouseHandle } from './clickhouse/client.ts'
import type { HostKysely } from './store/database.ts'
import reportsPlugin from './routes/reports/index.ts'
import { referralCodeRoutes } from './routes/referral-codes.ts'
import { tenantAttributionRoutes } from './routes/tenant-attribution.ts'
import { ingestRoutes } from './ingest/ingest-routes.ts'
import { ProblemSchema } from './routes/operator-errors.schema.ts'
import { MetaSchema } from './routes/reports/common.schema.ts'
import { NetworkUsageRow, NetworkUsageTotals } from './routes/reports/network-usage.schema.ts'
import { AcquisitionFunnelRow } from './routes/reports/acquisition-funnel.schema.ts'
import { CohortUsageRow } from './routes/reports/cohort-usage.schema.ts'
import { ReferralCodesRow } from './routes/reports/referral-codes.schema.ts'
import { TenantUsageRow } from './routes/reports/tenant-usage.schema.ts'
import { ReferralCodeSchema } from './routes/referral-codes.schema.ts'
import { TenantAttributionSchema } from './routes/tenant-attribution.schema.ts'
import { IngestStatusSchema, ServiceEventSchema } from './ingest/ingest-routes.schema.ts'
import { shareComponents } from './openapi-components.ts'

export const OPENAPI_INFO = {
  title: 'FrameWorks attribution: operator API',
  version: '0.1.0',
  description: 'Routes of @frameworks/attribution: network-usage reports (JSON or streamed CSV), referral codes, tenant attribution and service-event ingest. Operator routes take `Authorization: Bearer <operator token>`; every error answer is `application/problem+json` (RFC 9457).'
}

/** The security scheme operator operations declare. */
export const OPERATOR_SECURITY_SCHEME = 'operatorBearer'

/**
 * Schemas the document names in `components.schemas` (registered by `$id` on the
 * document's instance only: the routes keep their plain copies); every copy in the routes
 * becomes a reference. `Problem` is the body of every error answer; the rest are the
 * records the API answers, named so a typed client can name them too.
 */
const SHARED_SCHEMAS = {
  Problem: ProblemSchema,
  ReportMeta: MetaSchema,
  NetworkUsageRow,
  NetworkUsageTotals,
  AcquisitionFunnelRow,
  CohortUsageRow,
  ReferralCodeUsageRow: ReferralCodesRow,
  TenantUsageRow,
  ReferralCode: ReferralCodeSchema,
  TenantAttribution: TenantAttributionSchema,
  IngestStatus: IngestStatusSchema,
  ServiceEvent: ServiceEventSchema
}

/** Engines that are never queried: the document only needs the routes to exist. */
function stubs (): { clickhouse: ClickHouseHandle, db: HostKysely } {
  const unused = (): never => { throw new Error('not available while generating the OpenAPI document') }
  const clickhouse = { client: {}, engine: 'server', database: 'default', streamQuery: unused, close: async () => {} } as unknown as ClickHouseHandle
  return { clickhouse, db: {} as HostKysely }
}

/** Registers every plugin whose routes operator auth guards. */
async function registerOperatorRoutes (app: FastifyInstance): Promise<void> {
  const { clickhouse, db } = stubs()
  const auth = { operatorTokens: ['openapi-generation'] }
  await app.register(reportsPlugin, { clickhouse, ...auth, publicStats: true })
  await app.register(referralCodeRoutes, { db, ...auth })
  await app.register(tenantAttributionRoutes, { db, ...auth })
  await app.register(ingestRoutes, { db, ...auth })
}

/** Registers the plugins whose routes anyone may call (none yet besides the reports plugin's stats). */
async function registerPublicRoutes (_app: FastifyInstance): Promise<void> {}

/**
 * The instance the document is generated from, after `ready()`. Every route registered
 * under `registerOperatorRoutes` declares the operator security scheme. Close it when done.
 */
export async function buildOpenApiApp (): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: {
          [OPERATOR_SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', description: 'One of the gateway\'s OPERATOR_TOKENS.' }
        }
      },
      tags: [
        { name: 'reports', description: 'Network usage by acquisition source. `format=csv` (or `Accept: text/csv`) streams CSV.' },
        { name: 'stats', description: 'Public network totals (reports plugin option `publicStats`): no authentication, cached, rate-limited.' }
      ]
    },
    // Shared schemas are named by their `$id` (the default would be `def-0`, `def-1`, …).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  for (const [$id, schema] of Object.entries(SHARED_SCHEMAS)) app.addSchema({ ...schema, $id })
  await app.register(async function operatorScope (scope) {
    // Whatever these plugins register, in whichever of their scopes, comes through here.
    // A public route of an operator plugin (the reports plugin's `GET /stats/network`) says
    // so itself with `security: []`, and keeps it.
    scope.addHook('onRoute', (route) => {
      if (route.schema?.security !== undefined) return
      route.schema = { ...route.schema, security: [{ [OPERATOR_SECURITY_SCHEME]: [] }] }
    })
    await registerOperatorRoutes(scope)
  })
  await registerPublicRoutes(app)
  await app.ready()
  return app
}

/** The OpenAPI 3.1 document as an object. */
export async function buildOpenApiDocument (): Promise<Record<string, unknown>> {
  const app = await buildOpenApiApp()
  const document = app.swagger() as unknown as Record<string, unknown>
  await app.close()
  // A plain JSON copy: no Symbol keys or undefined values from schema builders.
  return shareComponents(JSON.parse(JSON.stringify(document)) as Record<string, unknown>, {
    problem: 'Problem',
    securityScheme: OPERATOR_SECURITY_SCHEME,
    unauthorized: 'Missing operator credentials',
    forbidden: 'These credentials may not use operator routes'
  })
}

/**
 * The document as the YAML committed at the repository root. Lists of scalars (`required`,
 * `enum`, `tags`) go on one line, which saves about 5% of the file.
 */
export async function renderOpenApiYaml (): Promise<string> {
  const yaml = new Document(await buildOpenApiDocument())
  visit(yaml, { Seq (_key, seq) { if (seq.items.every((item) => isScalar(item))) seq.flow = true } })
  return yaml.toString({ lineWidth: 0, flowCollectionPadding: false })
}
