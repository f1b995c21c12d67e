import { Type, type Static } from '@sinclair/typebox'

/** RFC 9457 problem details, the shape of every error reply in the system. */
export const ProblemDetails = Type.Object(
  {
    type: Type.String({ examples: ['about:blank'] }),
    title: Type.String({ examples: ['Bad Request'] }),
    status: Type.Integer({ examples: [400] }),
    detail: Type.Optional(Type.String({ examples: ['body/email must match format "email"'] })),
    instance: Type.Optional(Type.String({ examples: ['/auth/users'] })),
    code: Type.Optional(Type.String({ examples: ['VALIDATION_FAILED'] })),
    requestId: Type.String({ examples: ['c0a8f6e2-3b1d-4a55-9b8f-4d7f2a1c9e10'] }),
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

/** Response-schema entries for the given error statuses, all ProblemDetails. */
export function problemResponses<const C extends number>(...codes: C[]): Record<C, typeof ProblemDetails> {
  return Object.fromEntries(codes.map((code) => [code, ProblemDetails])) as Record<C, typeof ProblemDetails>
}
