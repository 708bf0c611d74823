/**
 * Operator route `GET /tenants/:tenantId/attribution`: the stored attribution row as JSON,
 * with the contract's field names, derived columns beside them and `metadata` as an object.
 *
 * It enforces operator auth itself (`operatorTokens` or `authorize`) and refuses to register
 * without it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireOperatorAuth, type OperatorAuthOptions } from './operator-auth.ts'
import { ERR_INVALID_OPTION, ERR_NOT_FOUND } from '../errors.ts'
import type { HostKysely, TenantAttributionRow } from '../store/database.ts'
import { findTenantAttribution } from '../store/tenant-attribution.repository.ts'
import { getTenantAttributionSchema } from './tenant-attribution.schema.ts'

/** Options of the tenant-attribution operator route: the database and operator auth. */
export interface TenantAttributionRoutesOptions extends OperatorAuthOptions {
  /** The host's Kysely instance over a database that holds the package's (migrated) tables. */
  db: HostKysely
}

const iso = (value: Date | string | null): string | null => value === null ? null : new Date(value).toISOString()

/** The JSON shape of a stored row: timestamps as ISO strings. */
export function tenantAttributionJson (row: TenantAttributionRow) {
  return {
    tenant_id: row.tenant_id,
    user_id: row.user_id,
    signup_channel: row.signup_channel,
    signup_method: row.signup_method,
    utm_source: row.utm_source,
    utm_medium: row.utm_medium,
    utm_campaign: row.utm_campaign,
    utm_content: row.utm_content,
    utm_term: row.utm_term,
    http_referer: row.http_referer,
    landing_page: row.landing_page,
    referral_code: row.referral_code,
    is_agent: row.is_agent,
    channel_group: row.channel_group,
    client_kind: row.client_kind,
    referral_status: row.referral_status,
    first_touch_at: iso(row.first_touch_at),
    last_touch: row.last_touch,
    metadata: row.metadata,
    created_at: iso(row.created_at) as string
  }
}

/** The plugin (encapsulated, so a `prefix` applies). */
export const tenantAttributionRoutes: FastifyPluginAsyncTypebox<TenantAttributionRoutesOptions> = async function tenantAttributionRoutes (app, options) {
  const { db } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  requireOperatorAuth(app, options)

  app.get('/tenants/:tenantId/attribution', { schema: getTenantAttributionSchema }, async (request) => {
    const row = await findTenantAttribution(db, request.params.tenantId)
    if (row === undefined) throw new ERR_NOT_FOUND(`No attribution for tenant ${request.params.tenantId}`)
    return tenantAttributionJson(row)
  })
}

export default tenantAttributionRoutes
