/**
 * Operator routes of the ingest side: relay status, service-event ingest, requeue of parked
 * events. Thin glue over `store/outbox-claims.repository.ts` and `service-events.ts`; it
 * enforces operator auth itself (`operatorTokens` or `authorize`) and refuses to register
 * without it.
 *
 * `POST /ingest/service-events` validates only the envelope through Fastify: each event is
 * judged on its own by `ingestServiceEvents`, so one bad event is listed in `rejected`
 * instead of failing the whole batch with a 400. Its schema still documents the event shape.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireOperatorAuth, type OperatorAuthOptions } from '../routes/operator-auth.ts'
import type { FastifyBaseLogger, FastifySchemaCompiler } from 'fastify'
import { ERR_BAD_REQUEST, ERR_INVALID_OPTION, ERR_UNAVAILABLE } from '../errors.ts'
import type { HostKysely } from '../store/database.ts'
import { outboxStatus, requeueParked } from '../store/outbox-claims.repository.ts'
import { getIngestStatusSchema, ingestServiceEventsSchema, requeueParkedSchema } from './ingest-routes.schema.ts'
import type { Relay } from './relay.ts'
import { ingestServiceEvents, MAX_SERVICE_EVENTS } from './service-events.ts'

/** Room for `MAX_SERVICE_EVENTS` events of a few KiB each. */
export const SERVICE_EVENTS_BODY_LIMIT = 8 * 1024 * 1024

/** Options of the ingest operator routes: the outbox database, the relay, and operator auth. */
export interface IngestRoutesOptions extends OperatorAuthOptions {
  /** Kysely over the database holding `attribution_outbox` (migrated). */
  db: HostKysely
  /** The relay running in this process, if any: its figures join the status, and it is woken after an ingest. */
  relay?: Relay
}

const envelopeOnly: FastifySchemaCompiler<unknown> = ({ httpPart }) => (data: unknown) => {
  if (httpPart !== 'body') return { value: data }
  const events = (data as { events?: unknown } | null)?.events
  if (!Array.isArray(events) || events.length > MAX_SERVICE_EVENTS) {
    return { error: new ERR_BAD_REQUEST(`body must be an object { "events": [...] } with at most ${MAX_SERVICE_EVENTS} events`) }
  }
  return { value: data }
}

/** A database failure answers 503 (logged here, without the request). */
async function orUnavailable<T> (log: FastifyBaseLogger, work: () => Promise<T>, detail = 'The outbox database is unavailable; try again'): Promise<T> {
  try {
    return await work()
  } catch (err) {
    log.error({ err }, 'ingest route: database failed')
    throw new ERR_UNAVAILABLE(detail)
  }
}

const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRoutesOptions> = async function ingestRoutes (app, options) {
  const { db, relay } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  requireOperatorAuth(app, options)

  app.get('/ingest/status', { schema: getIngestStatusSchema }, async (request) => {
    const status = await orUnavailable(request.log, () => outboxStatus(db))
    const m = relay?.metrics()
    return {
      pending: status.pending,
      parked: status.parked,
      oldest_pending_age_seconds: status.oldest_pending_age_seconds,
      last_delivered_at: iso(status.last_delivered_at),
      lag_seconds: m?.last_batch_max_lag_ms == null ? null : m.last_batch_max_lag_ms / 1000,
      relay: m === undefined ? null : { ...m, last_delivery_at: iso(m.last_delivery_at) },
      recent_parked: status.recent_parked.map((p) => ({ ...p, parked_at: p.parked_at.toISOString() }))
    }
  })

  app.post('/ingest/service-events', {
    schema: ingestServiceEventsSchema,
    bodyLimit: SERVICE_EVENTS_BODY_LIMIT,
    validatorCompiler: envelopeOnly
  }, async (request) => {
    const events = (request.body as { events: unknown[] }).events
    const result = await orUnavailable(request.log, () => ingestServiceEvents(db, events), 'The outbox database is unavailable; nothing was stored, send again')
    if (result.accepted > 0) relay?.wake()
    return result
  })

  app.post('/ingest/parked/requeue', { schema: requeueParkedSchema }, async (request) => {
    const requeued = await orUnavailable(request.log, () => requeueParked(db, request.body.event_ids))
    if (requeued > 0) relay?.wake()
    return { requeued }
  })
}

export default ingestRoutes
