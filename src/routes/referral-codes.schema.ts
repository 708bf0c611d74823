/**
 * TypeBox schemas of the referral-code operator routes (`/referral-codes`).
 * Plain schemas (no `$id`), exported for the routes and for the OpenAPI document.
 */
import { Type } from 'typebox'
import { ProblemSchema, operatorErrors } from './operator-errors.schema.ts'
import { UUID_PATTERN } from '../contracts.ts'

/** 3–64 characters: letters, digits, `_` and `-`, starting with a letter or digit. */
export const REFERRAL_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$'

const Code = Type.String({ pattern: REFERRAL_CODE_PATTERN, description: 'Referral code (case-insensitive; 3–64 of A–Z, a–z, 0–9, `_`, `-`)' })
const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description })
const NullableDateTime = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })

export const ReferralCodeSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: Type.String({ description: 'The code as created (its letter case)' }),
  partner_name: NullableString('Partner the code belongs to'),
  owner_tenant_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'Tenant that owns the code' }),
  is_active: Type.Boolean(),
  max_uses: Type.Union([Type.Integer(), Type.Null()], { description: 'Maximum redemptions; null is unlimited' }),
  current_uses: Type.Integer({ description: 'Redemptions so far' }),
  expires_at: NullableDateTime('After this time the code is not applied'),
  created_at: Type.String({ format: 'date-time' })
})

/**
 * Years 1000–9998: Postgres refuses year 0, PGlite reads years below 100 back as 19xx/20xx,
 * and a time zone offset can push 9999 past what `Date` prints.
 */
const STORABLE_YEAR = '^(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-'

export const CreateReferralCodeBody = Type.Object({
  code: Code,
  // Postgres text refuses NUL.
  partner_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000]*$' })),
  owner_tenant_id: Type.Optional(Type.String({ format: 'uuid', pattern: UUID_PATTERN })),
  max_uses: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  expires_at: Type.Optional(Type.String({ format: 'date-time', pattern: STORABLE_YEAR, description: 'Years 1000–9998' }))
}, { additionalProperties: false })

export const CodeParams = Type.Object({ code: Code })

export const ListReferralCodesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size' })),
  after: Type.Optional(Type.String({ pattern: REFERRAL_CODE_PATTERN, description: 'Cursor: the `next_after` of the previous page' })),
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) codes' }))
}, { additionalProperties: false })

export const ReferralCodeList = Type.Object({
  items: Type.Array(ReferralCodeSchema),
  next_after: NullableString('Cursor of the next page; null on the last page')
})

export const createReferralCodeSchema = {
  operationId: 'createReferralCode',
  tags: ['referral-codes'],
  summary: 'Create a referral code',
  body: CreateReferralCodeBody,
  response: {
    201: { ...ReferralCodeSchema, description: 'The created code' },
    ...operatorErrors,
    409: { ...ProblemSchema, description: 'The code exists (in any letter case)' }
  }
}

export const listReferralCodesSchema = {
  operationId: 'listReferralCodes',
  tags: ['referral-codes'],
  summary: 'List referral codes in code order, one page at a time',
  querystring: ListReferralCodesQuery,
  response: {
    200: { ...ReferralCodeList, description: 'One page of codes' },
    ...operatorErrors
  }
}

export const getReferralCodeSchema = {
  operationId: 'getReferralCode',
  tags: ['referral-codes'],
  summary: 'Show a referral code with its current uses',
  params: CodeParams,
  response: {
    200: { ...ReferralCodeSchema, description: 'The code' },
    ...operatorErrors,
    404: { ...ProblemSchema, description: 'No such code' }
  }
}

export const deactivateReferralCodeSchema = {
  operationId: 'deactivateReferralCode',
  tags: ['referral-codes'],
  summary: 'Deactivate a referral code (idempotent); later signups record it as inactive',
  params: CodeParams,
  response: {
    200: { ...ReferralCodeSchema, description: 'The deactivated code' },
    ...operatorErrors,
    404: { ...ProblemSchema, description: 'No such code' }
  }
}
