import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem } from '@app/platform'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a public sign-up against its client's limit; 429 with Retry-After beyond it. */
    signupLimit(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

/**
 * SIGNUP_RATE_LIMIT_PER_CLIENT sign-ups per client address and window (in this instance's
 * memory, like the per-client login limit). Accounts an ADMIN creates are not counted: the route
 * calls this only for public sign-ups, after it has looked at the token.
 */
export const signupLimitPlugin = fp<{ max: number; windowSeconds: number }>(
  async (app, { max, windowSeconds }) => {
    const limiter = app.rateLimit({
      max,
      timeWindow: windowSeconds * 1000,
      keyGenerator: (request) => `signup:${request.ip}`,
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, `Too many sign-ups from your address; retry in ${context.after}`, 'SIGNUP_RATE_LIMITED', {
          'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000)))
        })
    })
    app.decorate('signupLimit', async (request: FastifyRequest, reply: FastifyReply) => {
      await limiter.call(app, request, reply)
    })
  },
  { name: 'signup-limit', dependencies: ['@fastify/rate-limit'], fastify: '5.x' }
)
