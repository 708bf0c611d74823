/**
 * Operator routes for referral codes: create, list, show and deactivate (`/referral-codes`).
 *
 * Thin glue over `src/store/referral-codes.repository.ts`. It enforces operator auth itself
 * (`operatorTokens` or `authorize`) and refuses to register without it. Codes are
 * case-insensitive: `GET /referral-codes/summer` finds `SUMMER`, and creating `Summer` when
 * `SUMMER` exists answers 409.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireOperatorAuth, type OperatorAuthOptions } from './operator-auth.ts'
import { ERR_CONFLICT, ERR_INVALID_OPTION, ERR_NOT_FOUND } from '../errors.ts'
import type { HostKysely, ReferralCode } from '../store/database.ts'
import {
  createReferralCode, deactivateReferralCode, findReferralCode, listReferralCodes
} from '../store/referral-codes.repository.ts'
import {
  createReferralCodeSchema, deactivateReferralCodeSchema, getReferralCodeSchema, listReferralCodesSchema
} from './referral-codes.schema.ts'

export const DEFAULT_LIST_LIMIT = 100

/** Options of the referral-code operator routes: the database and operator auth. */
export interface ReferralCodeRoutesOptions extends OperatorAuthOptions {
  /** The host's Kysely instance over a database that holds the package's (migrated) tables. */
  db: HostKysely
}

/** The JSON shape of a code: timestamps as ISO strings. */
export function referralCodeJson (row: ReferralCode) {
  return {
    id: row.id,
    code: row.code,
    partner_name: row.partner_name,
    owner_tenant_id: row.owner_tenant_id,
    is_active: row.is_active,
    max_uses: row.max_uses,
    current_uses: row.current_uses,
    expires_at: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
    created_at: new Date(row.created_at).toISOString()
  }
}

/** The plugin (encapsulated, so a `prefix` applies). */
export const referralCodeRoutes: FastifyPluginAsyncTypebox<ReferralCodeRoutesOptions> = async function referralCodeRoutes (app, options) {
  const { db } = options
  if (db === null || typeof db !== 'object') throw new ERR_INVALID_OPTION('db', 'a Kysely instance is required')
  requireOperatorAuth(app, options)

  app.post('/referral-codes', { schema: createReferralCodeSchema }, async (request, reply) => {
    const body = request.body
    const created = await createReferralCode(db, {
      code: body.code,
      partner_name: body.partner_name ?? null,
      owner_tenant_id: body.owner_tenant_id ?? null,
      max_uses: body.max_uses ?? null,
      expires_at: body.expires_at ?? null
    })
    if (created === undefined) throw new ERR_CONFLICT(`Referral code "${body.code}" exists already`)
    return reply.code(201).send(referralCodeJson(created))
  })

  app.get('/referral-codes', { schema: listReferralCodesSchema }, async (request) => {
    const { limit = DEFAULT_LIST_LIMIT, after, active } = request.query
    const rows = await listReferralCodes(db, { limit, ...(after !== undefined ? { after } : {}), ...(active !== undefined ? { active } : {}) })
    const last = rows.length === limit ? rows[rows.length - 1] : undefined
    return { items: rows.map(referralCodeJson), next_after: last?.code ?? null }
  })

  app.get('/referral-codes/:code', { schema: getReferralCodeSchema }, async (request) => {
    const row = await findReferralCode(db, request.params.code)
    if (row === undefined) throw new ERR_NOT_FOUND(`No referral code "${request.params.code}"`)
    return referralCodeJson(row)
  })

  app.post('/referral-codes/:code/deactivate', { schema: deactivateReferralCodeSchema }, async (request) => {
    const row = await deactivateReferralCode(db, request.params.code)
    if (row === undefined) throw new ERR_NOT_FOUND(`No referral code "${request.params.code}"`)
    return referralCodeJson(row)
  })
}

export default referralCodeRoutes
