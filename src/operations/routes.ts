/**
 * The operations endpoints as two Fastify plugins, because a host mounts them differently:
 * - `metricsPlugin`: `GET /metrics`, the Prometheus text exposition of a registry. Operator
 *   auth by default (a bearer-token scrape job, `authorization.credentials` in vmagent or
 *   Prometheus); `public: true` for an internal listener that only the scraper reaches.
 * - `healthPlugin`: `GET /healthz` (liveness: answers without touching a database, so a
 *   database outage never restarts the process) and `GET /readyz` (readiness: 200 only when
 *   Postgres and ClickHouse answer within a bound and are migrated; otherwise 503
 *   problem+json naming what is down). No auth: probes read the status code, and the body
 *   names no host, address or error text.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Registry } from '@prometheus-io/client'
import { ERR_INVALID_OPTION } from '../errors.ts'
import { requireOperatorAuth, type OperatorAuthOptions } from '../routes/operator-auth.ts'
import { createReadinessCheck, type ReadinessOptions, type ReadinessResult } from './readiness.ts'

/** Options of `metricsPlugin`. */
export interface MetricsPluginOptions extends OperatorAuthOptions {
  /** The registry to expose: `createAttributionMetrics().registry` (or the host's). Required. */
  registry: Registry
  /** Route path; default `/metrics`. */
  path?: string
  /**
   * Serve without operator auth, for a listener only the scraper reaches (an internal port).
   * Default false: `operatorTokens` or `authorize` is required, as on every operator plugin.
   */
  public?: boolean
}

async function metrics (app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const { registry } = options
  if (registry === null || typeof registry !== 'object' || typeof registry.metrics !== 'function') {
    throw new ERR_INVALID_OPTION('registry', 'pass the registry of createAttributionMetrics() or your own Registry')
  }
  if (options.public !== undefined && typeof options.public !== 'boolean') throw new ERR_INVALID_OPTION('public', 'must be a boolean')
  await app.register(async function metricsRoute (scope) {
    if (options.public !== true) requireOperatorAuth(scope, options)
    scope.get(options.path ?? '/metrics', { config: { attribution: false }, logLevel: 'warn' }, async (_request, reply) => {
      const text = await registry.metrics()
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text)
    })
  })
}

/** `GET /metrics`: the Prometheus exposition of a registry, behind operator auth unless `public`. */
export const metricsPlugin = fp(metrics, { fastify: '5.x', name: '@frameworks/attribution-metrics' })

/** Options of `healthPlugin`: what readiness checks, and the two paths. */
export interface HealthPluginOptions extends ReadinessOptions {
  /** Liveness path; default `/healthz`. */
  livenessPath?: string
  /** Readiness path; default `/readyz`. */
  readinessPath?: string
}

const readyDetail = (result: ReadinessResult): string =>
  Object.entries(result.checks).filter(([, c]) => c.status !== 'up').map(([name, c]) => `${name} ${c.status === 'down' ? 'is down' : 'is not migrated'} (${c.detail ?? ''})`).join('; ')

async function health (app: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  const readiness = createReadinessCheck(options)
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  const routeOptions = { config: { attribution: false }, logLevel: 'warn' as const }
  app.get(options.livenessPath ?? '/healthz', routeOptions, async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ status: 'ok' })
  })
  app.get(options.readinessPath ?? '/readyz', routeOptions, async (_request, reply) => {
    void reply.header('cache-control', 'no-store')
    const result = await readiness()
    if (result.ready && !closing) return reply.send({ status: 'ready', checks: result.checks })
    return reply.code(503).type('application/problem+json').send({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      code: 'FW_ATTR_NOT_READY',
      detail: closing ? 'The server is closing' : `Not ready: ${readyDetail(result)}`,
      checks: result.checks
    })
  })
}

/** `GET /healthz` (liveness, no database) and `GET /readyz` (readiness of Postgres and ClickHouse). */
export const healthPlugin = fp(health, { fastify: '5.x', name: '@frameworks/attribution-health' })
