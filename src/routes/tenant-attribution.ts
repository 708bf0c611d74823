/**
 * Operator routes on a tenant's attribution:
 * - `GET /tenants/:tenantId/attribution`: the stored attribution row as JSON, with the
 *   contract's field names, derived columns beside them and `metadata` as an object;
 * - `DELETE /tenants/:tenantId/attribution`: erasure (docs/privacy.md). One Postgres
 *   transaction deletes the row and the tenant's outbox events, writes the audit row and arms
 *   the ClickHouse job that the relay runs; so the route never needs ClickHouse, and an
 *   outage delays the ClickHouse deletion without losing it. 204 when erased now or earlier,
 *   404 when the package never knew the tenant.
 *
 * It enforces operator auth itself (`operatorTokens` or `authorize`) and refuses to register
 * without it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { operatorOf, requireOperatorAuth, type OperatorAuthOptions } from './operator-auth.ts'
import { ERR_INVALID_OPTION, ERR_NOT_FOUND } from '../errors.ts'
import type { Relay } from '../ingest/relay.ts'
import type { HostKysely, TenantAttributionRow } from '../store/database.ts'
import { eraseTenantAttribution } from '../store/erasure.repository.ts'
import { findTenantAttribution } from '../store/tenant-attribution.repository.ts'
import { eraseTenantAttributionSchema, getTenantAttributionSchema } from './tenant-attribution.schema.ts'

/** Options of the tenant-attribution operator route: the database and operator auth. */
export interface TenantAttributionRoutesOptions extends OperatorAuthOptions {
  /** The host's Kysely instance over a database that holds the package's (migrated) tables. */
  db: HostKysely
  /**
   * The relay running in this process, if any: woken after an erasure so the ClickHouse
   * deletion starts at once. Without it, whichever relay drains the outbox runs it at its
   * next poll.
   */
  relay?: Relay
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
  const { db, relay } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  if (relay !== undefined && typeof relay?.wake !== 'function') throw new ERR_INVALID_OPTION('relay', 'must be a relay from createRelay')
  requireOperatorAuth(app, options)

  app.get('/tenants/:tenantId/attribution', { schema: getTenantAttributionSchema }, async (request) => {
    const row = await findTenantAttribution(db, request.params.tenantId)
    if (row === undefined) throw new ERR_NOT_FOUND(`No attribution for tenant ${request.params.tenantId}`)
    return tenantAttributionJson(row)
  })

  app.delete('/tenants/:tenantId/attribution', { schema: eraseTenantAttributionSchema }, async (request, reply) => {
    const { tenantId } = request.params
    // The auth hook always sets it on this scope; the fallback only keeps the column filled.
    const operator = operatorOf(request) ?? 'unknown'
    const result = await db.transaction().execute((trx) => eraseTenantAttribution(trx, tenantId, operator))
    if (result.outcome === 'not_found') throw new ERR_NOT_FOUND(`No attribution for tenant ${tenantId}`)
    request.log.info({ outcome: result.outcome, operator }, 'tenant attribution erased')
    relay?.wake()
    return reply.code(204).send()
  })
}

export default tenantAttributionRoutes
