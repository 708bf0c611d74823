/** Route schema of `GET /reports/referral-codes`. */
import { Type } from 'typebox'
import {
  ACTIVE_RULE, Count, PRODUCES, REPORT_TAGS, errorResponses, filterParams, okResponse, rangeParams, reportBody, summaryUsageFields
} from './common.schema.ts'

export const ReferralCodesRow = Type.Object({
  referral_code: Type.String({ description: 'The code as first seen (codes are case-insensitive).' }),
  partner: Type.String({ description: 'Partner name of the code (empty when unknown).' }),
  signups: Count('Signups in the range that carried the code.'),
  applied: Count('Of those, signups where the code was applied.'),
  refused_unknown: Count('Refused: no such code.'),
  refused_inactive: Count('Refused: code deactivated.'),
  refused_expired: Count('Refused: code expired.'),
  refused_exhausted: Count('Refused: code used up.'),
  active_tenants: Count(`Tenants who signed up with the code (any time) with ${ACTIVE_RULE} on some day of the range.`),
  ...summaryUsageFields
})

export const ReferralCodesBody = reportBody(ReferralCodesRow, 'One row per code with signups in the range or usage by its tenants in the range.')

export const referralCodesSchema = {
  operationId: 'getReferralCodes',
  tags: REPORT_TAGS,
  summary: 'Referral codes: signups, outcomes and the usage their tenants generated',
  produces: PRODUCES,
  querystring: Type.Object({ ...rangeParams, ...filterParams }, { additionalProperties: false }),
  response: {
    200: okResponse(ReferralCodesBody, 'Per referral code'),
    ...errorResponses
  }
}
