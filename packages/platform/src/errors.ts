import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ProblemDetails } from '@app/contracts'
import { isDatabaseUnavailable } from './mongo.js'

/** Throw this from a handler for a deliberate 4xx/5xx; it becomes a problem-details reply. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    detail: string,
    readonly code?: string,
    readonly headers: Record<string, string> = {},
    /** RFC 9457 extension members the client can act on (say, the `claimId` a conflict is about). */
    readonly extensions: Partial<ProblemDetails> = {}
  ) {
    super(detail)
    this.name = 'HttpProblem'
  }
}

export const badRequest = (detail: string, code = 'BAD_REQUEST') => new HttpProblem(400, detail, code)
/** A 400 about one field that the schema cannot judge alone (other fields or stored data decide), named like a schema error. */
export const invalidField = (field: string, message: string, code = 'VALIDATION_FAILED') =>
  new HttpProblem(400, `${field} ${message}`, code, {}, { errors: [{ field, message }] })
export const unauthorized = (detail = 'Missing or invalid access token', code = 'UNAUTHORIZED') =>
  new HttpProblem(401, detail, code, { 'www-authenticate': 'Bearer' })
export const forbidden = (detail = 'Not allowed for your role', code = 'FORBIDDEN') => new HttpProblem(403, detail, code)
export const notFound = (detail = 'Not found', code = 'NOT_FOUND') => new HttpProblem(404, detail, code)
export const conflict = (detail: string, code = 'CONFLICT', extensions: Partial<ProblemDetails> = {}) =>
  new HttpProblem(409, detail, code, {}, extensions)
export const serviceUnavailable = (detail: string, retryAfterSeconds: number, code = 'UNAVAILABLE') =>
  new HttpProblem(503, detail, code, { 'retry-after': String(retryAfterSeconds) })

export function problem(
  request: FastifyRequest,
  status: number,
  detail?: string,
  extra: Partial<ProblemDetails> = {}
): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail !== undefined ? { detail } : {}),
    instance: request.url.split('?')[0] ?? request.url,
    requestId: String(request.id),
    ...extra
  }
}

export function sendProblem(reply: FastifyReply, body: ProblemDetails): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body)
}

/** Fastify codes that are the client's fault, with the status they deserve. */
const CLIENT_ERROR_CODES: Record<string, number> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_TYPE: 400,
  FST_ERR_VALIDATION: 400
}

/** The field a validation error names, as `context.path.property` (what a 400 and a batch item’s `invalid` say). */
export function validationFieldOf(validation: NonNullable<FastifyError['validation']>[number], context?: string): string {
  const params = validation.params as Record<string, unknown>
  const path = validation.instancePath.replace(/^\//, '').replaceAll('/', '.')
  const extra =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : typeof params.additionalProperty === 'string'
        ? params.additionalProperty
        : ''
  return [context, path, extra].filter(Boolean).join('.') || (context ?? '(root)')
}

/**
 * One error handler for the whole system: RFC 9457 problem details with the request id,
 * validation errors naming each failing field, and never a stack trace or internal message
 * for a 5xx.
 */
export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) {
        if (error.statusCode >= 500) request.log.warn({ err: error }, error.message)
        reply.headers(error.headers)
        return sendProblem(
          reply,
          problem(request, error.statusCode, error.message, { ...error.extensions, ...(error.code ? { code: error.code } : {}) })
        )
      }
      if (error.validation) {
        const errors = error.validation.map((v) => ({ field: validationFieldOf(v, error.validationContext), message: v.message ?? 'is invalid' }))
        const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ')
        return sendProblem(reply, problem(request, 400, detail, { code: 'VALIDATION_FAILED', errors }))
      }
      if (isDatabaseUnavailable(error)) {
        request.log.error({ err: error }, 'database unavailable')
        reply.header('retry-after', '2')
        return sendProblem(reply, problem(request, 503, 'The database is unavailable; try again shortly', { code: 'DATABASE_UNAVAILABLE' }))
      }
      const mapped = error.code ? CLIENT_ERROR_CODES[error.code] : undefined
      const status = mapped ?? (error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500)
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed')
        return sendProblem(reply, problem(request, status, 'The server could not complete the request', { code: 'INTERNAL' }))
      }
      if (status === 429) {
        // @fastify/rate-limit has set Retry-After already; keep its message (it names the wait).
        return sendProblem(reply, problem(request, 429, error.message, { code: 'RATE_LIMITED' }))
      }
      const detail = error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'Malformed JSON body' : error.message
      return sendProblem(reply, problem(request, status, detail, error.code ? { code: error.code } : {}))
    })

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, problem(request, 404, `Route ${request.method} ${request.url.split('?')[0]} not found`, { code: 'ROUTE_NOT_FOUND' }))
    )
  },
  { name: 'error-handler', fastify: '5.x' }
)
