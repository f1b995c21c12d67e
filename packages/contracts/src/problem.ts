import { Type, type Static } from '@sinclair/typebox'

/**
 * RFC 9457 problem details, the shape of every error reply in the system (component `Problem`).
 * Error responses are documented under the media type they are sent with, where @fastify/swagger
 * passes the schema through as written; the example sits beside the schema, one per status.
 */
export const ProblemDetails = Type.Object(
  {
    type: Type.String({ description: 'Always `about:blank`: `code` says what happened' }),
    title: Type.String({ description: 'The HTTP status text' }),
    status: Type.Integer(),
    detail: Type.Optional(Type.String({ description: 'What went wrong, in a sentence for a person' })),
    instance: Type.Optional(Type.String({ description: 'The path of the request' })),
    code: Type.Optional(Type.String({ description: 'Stable machine-readable reason, e.g. ALREADY_CLAIMED' })),
    requestId: Type.String({ description: 'Quote it when asking about this error (also in `x-request-id`)' }),
    /** 409 ALREADY_CLAIMED: the claim that holds the slot, so a client retrying after a lost reply can follow it. */
    claimId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{24}$', description: 'ALREADY_CLAIMED: the claim you already have' })),
    /** 409 VERSION_CONFLICT: the version the thing is at now, so the client can reload and retry. */
    currentVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'VERSION_CONFLICT: the current version (reload, then edit against it)' })),
    unmet: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ description: 'The condition, as progress names it: attendance, quest:q-17…' }),
            current: Type.Number({ description: 'Where the player stands' }),
            target: Type.Number({ description: 'What the condition asks for' })
          },
          { additionalProperties: false, title: 'UnmetCondition' }
        ),
        { description: 'CONDITIONS_NOT_MET: each condition that does not hold (the event\'s and the bundle\'s)' }
      )
    ),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          { field: Type.String({ description: 'Where: body.email, query.limit, params.id…' }), message: Type.String() },
          { additionalProperties: false, title: 'ProblemField' }
        ),
        { description: 'VALIDATION_FAILED: each field that failed' }
      )
    )
  },
  { additionalProperties: false, title: 'Problem', description: 'RFC 9457 problem details' }
)
export type ProblemDetails = Static<typeof ProblemDetails>

const REQUEST_ID = 'c0a8f6e2-3b1d-4a55-9b8f-4d7f2a1c9e10'

/** What each error status looks like, for the documentation: one realistic example per status. */
const EXAMPLES: Record<number, { description: string; example: Omit<ProblemDetails, 'type' | 'requestId'> }> = {
  400: {
    description: 'Bad input: `errors` names each field that failed',
    example: {
      title: 'Bad Request', status: 400, code: 'VALIDATION_FAILED', detail: 'body.email must match format "email"', instance: '/auth/users',
      errors: [{ field: 'body.email', message: 'must match format "email"' }]
    }
  },
  401: {
    description: 'Missing, invalid, expired or revoked access token',
    example: { title: 'Unauthorized', status: 401, code: 'UNAUTHORIZED', detail: 'Missing Authorization: Bearer <access token>', instance: '/event-gateway/user-reward-claims/me' }
  },
  403: {
    description: 'Your role or ownership does not allow this',
    example: { title: 'Forbidden', status: 403, code: 'FORBIDDEN', detail: 'Not allowed for your role', instance: '/event-gateway/user-reward-claims' }
  },
  404: {
    description: 'No such thing (or not visible to you)',
    example: { title: 'Not Found', status: 404, code: 'REWARD_NOT_FOUND', detail: 'No such reward', instance: '/event-gateway/user-reward-claims' }
  },
  409: {
    description: 'A conflict with the current state, or a lost race',
    example: {
      title: 'Conflict', status: 409, code: 'ALREADY_CLAIMED', detail: "You have claimed this event's reward already", instance: '/event-gateway/user-reward-claims',
      claimId: '6650c1f2a3b4c5d6e7f80912'
    }
  },
  413: {
    description: 'The body is larger than BODY_LIMIT',
    example: { title: 'Payload Too Large', status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', detail: 'Request body is too large', instance: '/event-gateway/event' }
  },
  415: {
    description: 'The body is not application/json',
    example: { title: 'Unsupported Media Type', status: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', detail: 'Unsupported Media Type: text/plain', instance: '/event-gateway/event' }
  },
  429: {
    description: 'Rate limited: wait Retry-After seconds',
    example: { title: 'Too Many Requests', status: 429, code: 'RATE_LIMITED', detail: 'Rate limit exceeded, retry in 1 minute', instance: '/auth/login' }
  },
  502: {
    description: 'The upstream service broke off the exchange',
    example: { title: 'Bad Gateway', status: 502, code: 'UPSTREAM_FAILED', detail: 'The event service broke off the exchange', instance: '/event-gateway/event' }
  },
  503: {
    description: 'Unavailable for now: wait Retry-After seconds',
    example: { title: 'Service Unavailable', status: 503, code: 'UPSTREAM_CIRCUIT_OPEN', detail: 'The event service is failing; requests to it are paused', instance: '/event-gateway/event' }
  },
  504: {
    description: 'The upstream service did not answer in time',
    example: { title: 'Gateway Timeout', status: 504, code: 'UPSTREAM_TIMEOUT', detail: 'The event service did not answer within 5000 ms', instance: '/event-gateway/event' }
  }
}

/** As Fastify route schemas take response headers (a JSON schema each; @fastify/swagger makes it an OpenAPI header). */
const RETRY_AFTER = { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before trying again' } }

/** The response entry of one error status: problem details under the media type they are sent with, with that status's example. */
export function problemResponse(status: number) {
  const known = EXAMPLES[status]
  if (!known) throw new Error(`No documented example for status ${status}: add one to EXAMPLES`)
  return {
    description: known.description,
    ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
    content: { 'application/problem+json': { schema: ProblemDetails, example: { type: 'about:blank', ...known.example, requestId: REQUEST_ID } } }
  }
}

/** Response-schema entries for the given error statuses. */
export function problemResponses<const C extends number>(...codes: C[]): Record<C, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(codes.map((code) => [code, problemResponse(code)])) as Record<C, ReturnType<typeof problemResponse>>
}
