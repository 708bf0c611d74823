/**
 * `GET /stats/network`: the public network stats (the RFC's phase 2), in a scope of their
 * own under `/stats`, outside the reports' operator auth. The scope holds its own CORS
 * (`@fastify/cors` for the configured origins; its preflight route stays under `/stats/*`)
 * and its own rate limit (`@fastify/rate-limit`, per client), so neither touches the
 * host's other routes.
 *
 * The answer is rendered once per cache period (`period-cache.ts`): the body string and its
 * `ETag` (`../etag.ts`, shared with the dashboard's files) are kept, so a 304 or a 200 costs
 * no query and no serialization. Options: `options.ts`; the query: `public-stats.query.ts`;
 * the answer's fields: `answer.ts`.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { ClickHouseHandle } from '../../clickhouse/client.ts'
import { isUnreachable, jsonRows } from '../../clickhouse/client.ts'
import { ERR_RATE_LIMITED, ERR_UNAVAILABLE, problemErrorHandler } from '../../errors.ts'
import { etagOf, ifNoneMatchHits } from '../etag.ts'
import { publicStatsBody, type PublicStatsRow } from './answer.ts'
import type { NormalizedPublicStatsOptions } from './options.ts'
import { periodCache } from './period-cache.ts'
import { buildPublicStatsQuery } from './public-stats.query.ts'
import { publicStatsSchema } from './public-stats.schema.ts'
import { NOOP_TELEMETRY, type AttributionTelemetry } from '../../shared/telemetry.ts'

/** Registers the stats scope on `app` (the reports plugin's instance), under `prefix` + `/stats`. */
export async function registerPublicStats (app: FastifyInstance, ch: ClickHouseHandle, opts: Readonly<NormalizedPublicStatsOptions>, prefix = '', telemetry: AttributionTelemetry = NOOP_TELEMETRY): Promise<void> {
  let computations = 0
  const stats = periodCache(async () => {
    computations++
    const now = new Date()
    const today = now.toISOString().slice(0, 10)
    const built = buildPublicStatsQuery(today)
    const body = JSON.stringify(publicStatsBody(await jsonRows<PublicStatsRow>(ch, built), today, now))
    return { body, etag: etagOf(body) }
  }, opts.maxAgeSeconds * 1000)
  const cacheControl = `public, max-age=${opts.maxAgeSeconds}`

  await app.register(async function publicStats (scope) {
    scope.setErrorHandler(function statsErrors (error: FastifyError, request, reply) {
      if ((error.statusCode ?? 500) >= 500) telemetry.clickhouseError('public_stats', error)
      if (isUnreachable(error)) return problemErrorHandler(new ERR_UNAVAILABLE('ClickHouse is unreachable'), request, reply)
      return problemErrorHandler(error, request, reply)
    })
    await scope.register(cors, { origin: [...opts.corsOrigins], methods: ['GET', 'HEAD'] })
    await scope.register(rateLimit, {
      max: opts.rateLimit.max,
      timeWindow: opts.rateLimit.timeWindowMs,
      onExceeded: () => { telemetry.publicStatsRateLimited() },
      errorResponseBuilder: (_request, context) => new ERR_RATE_LIMITED(`Too many requests: retry in ${context.after}`)
    })

    scope.get('/network', { schema: publicStatsSchema }, async (request, reply) => {
      const before = computations
      const answer = await stats()
      telemetry.publicStatsServed(computations === before ? 'hit' : 'miss')
      reply.header('cache-control', cacheControl).header('etag', answer.etag)
      if (ifNoneMatchHits(request.headers['if-none-match'], answer.etag)) return reply.code(304).send()
      return reply.type('application/json; charset=utf-8').send(answer.body)
    })
  }, { prefix: `${prefix}/stats` })
}
