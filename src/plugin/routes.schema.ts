/**
 * Schemas of the capture plugin's two routes (touch beacon, referral link), kept plain so
 * `@fastify/swagger` renders them and fast-json-stringify serializes the snapshot.
 */
import { Type } from 'typebox'
import { CHANNEL_GROUPS, CLIENT_KINDS } from '../contracts.ts'
import { ProblemSchema } from '../routes/operator-errors.schema.ts'

const nullableString = Type.Union([Type.String(), Type.Null()])

export const TouchSchema = Type.Object({
  at: Type.String({ format: 'date-time', description: 'Time of the touch' }),
  utm_source: nullableString,
  utm_medium: nullableString,
  utm_campaign: nullableString,
  utm_content: nullableString,
  utm_term: nullableString,
  click_id_type: Type.Union([Type.String({ description: 'Which click id was present, never its value' }), Type.Null()]),
  referral_code: nullableString,
  http_referer: Type.Union([Type.String({ description: 'Scheme, host and path only' }), Type.Null()]),
  landing_page: Type.Union([Type.String({ description: 'Scheme, host and path only' }), Type.Null()]),
  channel_group: Type.Union(CHANNEL_GROUPS.map((g) => Type.Literal(g)))
})

export const SnapshotSchema = Type.Object({
  first_touch: Type.Union([TouchSchema, Type.Null()]),
  last_touch: Type.Union([TouchSchema, Type.Null()]),
  client_kind: Type.Union(CLIENT_KINDS.map((k) => Type.Literal(k))),
  is_agent: Type.Boolean(),
  channel_group: Type.Union(CHANNEL_GROUPS.map((g) => Type.Literal(g)), { description: 'Channel group of the first touch, else of this request' })
}, { description: 'The visitor\'s attribution after this request' })

/** Longest `url` / `referrer` the beacon accepts. */
export const MAX_BEACON_URL = 4096

export const TouchBodySchema = Type.Object({
  url: Type.Optional(Type.String({ maxLength: MAX_BEACON_URL, description: 'The landing URL with its query (location.href)' })),
  referrer: Type.Optional(Type.String({ maxLength: MAX_BEACON_URL, description: 'document.referrer' }))
})

export const touchRouteSchema = {
  operationId: 'attributionTouch',
  tags: ['attribution'],
  summary: 'Landing beacon of a single-page app: records the touch and answers the snapshot',
  body: TouchBodySchema,
  response: {
    200: SnapshotSchema,
    400: ProblemSchema,
    415: ProblemSchema
  }
}

export const referralRouteSchema = {
  operationId: 'referralLink',
  tags: ['attribution'],
  summary: 'Referral link: records the code and redirects to the public site',
  params: Type.Object({
    code: Type.String({ minLength: 1, maxLength: 64, description: 'Referral code' })
  }),
  response: {
    302: Type.Null({ description: 'Redirect to the public base URL (or a path on it)' }),
    400: ProblemSchema
  }
}
