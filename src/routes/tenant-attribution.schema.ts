/**
 * TypeBox schemas of `GET /tenants/:tenantId/attribution` (the stored row with the contract's
 * field names, derived columns beside them, and `metadata` as an object) and `DELETE
 * /tenants/:tenantId/attribution` (erasure, no body).
 */
import { Type } from 'typebox'
import { CHANNEL_GROUPS, CLIENT_KINDS, REFERRAL_STATUSES, UUID_PATTERN } from '../contracts.ts'
import { ProblemSchema, operatorErrors } from './operator-errors.schema.ts'

const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description })

const TouchSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  utm_source: Type.Union([Type.String(), Type.Null()]),
  utm_medium: Type.Union([Type.String(), Type.Null()]),
  utm_campaign: Type.Union([Type.String(), Type.Null()]),
  utm_content: Type.Union([Type.String(), Type.Null()]),
  utm_term: Type.Union([Type.String(), Type.Null()]),
  click_id_type: Type.Union([Type.String(), Type.Null()]),
  referral_code: Type.Union([Type.String(), Type.Null()]),
  http_referer: Type.Union([Type.String(), Type.Null()]),
  landing_page: Type.Union([Type.String(), Type.Null()]),
  channel_group: Type.String()
})

export const TenantAttributionSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  user_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  signup_channel: Type.String({ description: 'web, wallet, x402 or api' }),
  signup_method: Type.Union([Type.String(), Type.Null()], { description: 'email_password, wallet_ethereum, wallet_base, wallet_arbitrum, x402_usdc, api_key, …' }),
  utm_source: Type.Union([Type.String(), Type.Null()]),
  utm_medium: Type.Union([Type.String(), Type.Null()]),
  utm_campaign: Type.Union([Type.String(), Type.Null()]),
  utm_content: Type.Union([Type.String(), Type.Null()]),
  utm_term: Type.Union([Type.String(), Type.Null()]),
  http_referer: NullableString('Scheme, host and path of the referrer'),
  landing_page: NullableString('Scheme, host and path of the landing page'),
  referral_code: NullableString('The code given at signup (in its stored letter case when applied)'),
  is_agent: Type.Boolean(),
  channel_group: Type.Union([Type.String(), Type.Null()], { description: `One of ${CHANNEL_GROUPS.join(', ')}` }),
  client_kind: Type.Union([Type.String(), Type.Null()], { description: `One of ${CLIENT_KINDS.join(', ')}` }),
  referral_status: Type.Union([Type.String(), Type.Null()], { description: `Outcome of the referral code: ${REFERRAL_STATUSES.join(', ')}; null without a code` }),
  first_touch_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Time of the first touch; null when the signup request was the first' }),
  last_touch: Type.Union([TouchSchema, Type.Null()], { description: 'The last touch before signup' }),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Allow-listed signup metadata (never PII)' }),
  created_at: Type.String({ format: 'date-time' })
})

// `pattern` as well as `format: 'uuid'`: the format alone also lets `urn:uuid:…` through,
// which the UUID column refuses (a 500 instead of a 400).
export const TenantParams = Type.Object({ tenantId: Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'Tenant id' }) })

export const getTenantAttributionSchema = {
  operationId: 'getTenantAttribution',
  tags: ['attribution'],
  summary: "Show a tenant's stored signup attribution",
  params: TenantParams,
  response: {
    200: { ...TenantAttributionSchema, description: 'The stored row' },
    ...operatorErrors,
    404: { ...ProblemSchema, description: 'No attribution for this tenant' }
  }
}

export const eraseTenantAttributionSchema = {
  operationId: 'eraseTenantAttribution',
  tags: ['attribution'],
  summary: "Erase a tenant's signup attribution everywhere the package keeps it",
  description: "Deletes the stored row and the tenant's outbox events and records the erasure (time, operator credential) in the audit table; the relay then deletes the tenant's acquisition rows in ClickHouse. The tenant's usage stays in the reports, as unattributed. Calling it again is harmless.",
  params: TenantParams,
  response: {
    204: { type: 'null', description: 'Erased (now, or by an earlier call)' },
    ...operatorErrors,
    404: { ...ProblemSchema, description: 'No attribution, no pending event and no earlier erasure for this tenant' }
  }
}
