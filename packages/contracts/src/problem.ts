import { Type, type Static } from '@sinclair/typebox'

/**
 * RFC 9457 problem details, the shape of every error reply in the system. No `examples` on the
 * fields: error responses are documented under their own media type, where @fastify/swagger
 * passes the schema through unconverted, and OpenAPI 3.0 schemas have no `examples` keyword —
 * the example sits beside the schema instead (ProblemResponse).
 */
export const ProblemDetails = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    requestId: Type.String(),
    /** 409 ALREADY_CLAIMED: the claim that holds the slot, so a client retrying after a lost reply can follow it. */
    claimId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{24}$' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          { field: Type.String(), message: Type.String() },
          { additionalProperties: false }
        )
      )
    )
  },
  { $id: 'ProblemDetails', additionalProperties: false, description: 'RFC 9457 problem details' }
)
export type ProblemDetails = Static<typeof ProblemDetails>

/**
 * The response entry of an error status, under the media type errors are really sent with:
 * documented as `application/json`, a client (or a contract checker such as schemathesis)
 * would find no schema for an `application/problem+json` reply and validate nothing.
 */
export const ProblemResponse = {
  description: 'RFC 9457 problem details',
  content: {
    'application/problem+json': {
      schema: ProblemDetails,
      example: {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'body.email must match format "email"',
        instance: '/auth/users',
        code: 'VALIDATION_FAILED',
        requestId: 'c0a8f6e2-3b1d-4a55-9b8f-4d7f2a1c9e10',
        errors: [{ field: 'body.email', message: 'must match format "email"' }]
      }
    }
  }
}

/** Response-schema entries for the given error statuses, all ProblemDetails. */
export function problemResponses<const C extends number>(...codes: C[]): Record<C, typeof ProblemResponse> {
  return Object.fromEntries(codes.map((code) => [code, ProblemResponse])) as Record<C, typeof ProblemResponse>
}
