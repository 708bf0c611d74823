/**
 * TypeBox schemas of the ingest operator routes (`/ingest/…`). Plain schemas (no `$id`),
 * exported for the routes and the OpenAPI document.
 */
import { Type } from 'typebox'
import { CHANNEL_GROUPS, CLIENT_KINDS, REFERRAL_STATUSES, SIGNUP_CHANNELS } from '../contracts.ts'
import { ProblemSchema, operatorErrors } from '../routes/operator-errors.schema.ts'
import { MAX_SERVICE_EVENTS } from './service-events.ts'

const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description })
const NullableDateTime = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })
const Uuid = (description: string) => Type.String({ format: 'uuid', description })

/** `SignupAttribution` as FrameWorks emits it; derived fields optional. */
export const ServiceAttributionSchema = Type.Object({
  signup_channel: Type.Enum(SIGNUP_CHANNELS),
  signup_method: Type.String({ minLength: 1, description: 'email_password, wallet_ethereum, wallet_base, x402_usdc, api_key, …' }),
  utm_source: Type.Optional(NullableString('Bounded, control characters removed')),
  utm_medium: Type.Optional(NullableString('Bounded, control characters removed')),
  utm_campaign: Type.Optional(NullableString('Bounded, control characters removed')),
  utm_content: Type.Optional(NullableString('Bounded, control characters removed')),
  utm_term: Type.Optional(NullableString('Bounded, control characters removed')),
  http_referer: Type.Optional(NullableString('Stored as scheme, host and path only')),
  landing_page: Type.Optional(NullableString('Stored as scheme, host and path only')),
  referral_code: Type.Optional(NullableString('Referral code used at signup')),
  is_agent: Type.Optional(Type.Boolean()),
  metadata_json: Type.Optional(NullableString('A JSON object string; e-mail, wallet and IP addresses are dropped')),
  channel_group: Type.Optional(Type.Union([Type.Enum(CHANNEL_GROUPS), Type.Null()])),
  client_kind: Type.Optional(Type.Union([Type.Enum(CLIENT_KINDS), Type.Null()])),
  first_touch_at: Type.Optional(NullableDateTime('Time of the first touch'))
})

/** One `tenant_created` service event. */
export const ServiceEventSchema = Type.Object({
  event_id: Uuid('Idempotency key: an event sent again is accepted and changes nothing'),
  event_type: Type.Literal('tenant_created'),
  timestamp: Type.String({ format: 'date-time', description: 'Tenant creation time (ISO 8601 with time zone)' }),
  tenant_id: Uuid('The tenant'),
  user_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The user who signed up' })),
  attribution: ServiceAttributionSchema,
  referral_status: Type.Optional(Type.Union([Type.Enum(REFERRAL_STATUSES), Type.Null()]))
})

export const ServiceEventsBody = Type.Object({
  events: Type.Array(ServiceEventSchema, {
    maxItems: MAX_SERVICE_EVENTS,
    description: 'Each event is validated on its own: a bad one is listed in `rejected`, the others land'
  })
})

export const ServiceEventsResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'Events stored for delivery (a re-sent event counts)' }),
  rejected: Type.Array(Type.Object({
    index: Type.Integer({ description: 'Position in `events`' }),
    reason: Type.String()
  }))
})

export const ParkedEventSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  tenant_id: Type.String({ format: 'uuid' }),
  attempts: Type.Integer(),
  last_error: NullableString('Why the last attempt failed'),
  parked_at: Type.String({ format: 'date-time' })
})

export const RelayMetricsSchema = Type.Object({
  state: Type.Enum(['idle', 'running', 'backing_off', 'draining', 'stopped']),
  delivered_total: Type.Integer(),
  parked_total: Type.Integer(),
  batches_total: Type.Integer(),
  consecutive_failures: Type.Integer(),
  last_error: NullableString('Last failure that was not an event\'s own (ClickHouse unreachable, …)'),
  last_delivery_at: NullableDateTime('Last delivery by this process'),
  last_batch_lag_ms: Type.Union([Type.Number(), Type.Null()], { description: 'Creation → delivery of the newest event of the last batch' }),
  last_batch_max_lag_ms: Type.Union([Type.Number(), Type.Null()], { description: 'Creation → delivery of the oldest event of the last batch' })
}, { description: 'The relay running in this process' })

export const IngestStatusSchema = Type.Object({
  pending: Type.Integer({ description: 'Events not yet delivered (due, leased or in backoff)' }),
  parked: Type.Integer({ description: 'Events that kept failing and wait for an operator' }),
  oldest_pending_age_seconds: Type.Number({ description: 'Age of the oldest pending event (0 when none)' }),
  last_delivered_at: NullableDateTime('Latest delivery by any relay'),
  lag_seconds: Type.Union([Type.Number(), Type.Null()], { description: 'Delivery lag: creation → delivery of the oldest event in this relay\'s last batch; null without a relay here' }),
  relay: Type.Union([RelayMetricsSchema, Type.Null()]),
  recent_parked: Type.Array(ParkedEventSchema, { description: 'The 20 most recently parked events' })
})

export const RequeueBody = Type.Object({
  event_ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 1000, description: 'Only these events; all parked events when absent' }))
}, { additionalProperties: false })

export const getIngestStatusSchema = {
  operationId: 'getIngestStatus',
  tags: ['ingest'],
  summary: 'Backlog and delivery lag of the outbox → ClickHouse relay',
  response: {
    200: { ...IngestStatusSchema, description: 'Relay status' },
    401: operatorErrors[401],
    403: operatorErrors[403],
    503: { ...ProblemSchema, description: 'Postgres unavailable' }
  }
}

export const ingestServiceEventsSchema = {
  operationId: 'ingestServiceEvents',
  tags: ['ingest'],
  summary: 'Accept tenant_created service events from the FrameWorks bus (idempotent by event_id)',
  body: ServiceEventsBody,
  response: {
    200: { ...ServiceEventsResultSchema, description: 'How many events were accepted, and why the others were rejected' },
    ...operatorErrors,
    503: { ...ProblemSchema, description: 'Postgres unavailable; nothing was stored, send again' }
  }
}

export const requeueParkedSchema = {
  operationId: 'requeueParkedEvents',
  tags: ['ingest'],
  summary: 'Put parked events back in line for delivery',
  body: RequeueBody,
  response: {
    200: { ...Type.Object({ requeued: Type.Integer() }), description: 'How many parked events were put back' },
    ...operatorErrors,
    503: { ...ProblemSchema, description: 'Postgres unavailable' }
  }
}
