/**
 * The problem+json answer schemas shared by operator routes (400 validation, 401, 403).
 * Mirrors `Problem` in src/errors.ts.
 */
import { Type } from 'typebox'

/** The problem+json body (RFC 9457) of every error answer, as a TypeBox schema. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  param: Type.Optional(Type.String())
}, { description: 'Problem details (RFC 9457)' })

/** Error answers every operator route may give. */
export const operatorErrors = {
  400: { ...ProblemSchema, description: 'Invalid input' },
  401: { ...ProblemSchema, description: 'Missing operator credentials' },
  403: { ...ProblemSchema, description: 'Credentials not allowed' }
}
