import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'

export interface RateLimitOptions {
  /** Requests per client IP and window, across all routes but login. */
  max: number
  /** Login attempts per client IP and window: password guessing gets its own, much smaller budget. */
  loginMax: number
  windowMs: number
}

const LOGIN_ROUTE = '/auth/login'
/** Liveness probes must never be throttled into a false alarm (metrics and readiness are on the internal listener). */
const UNLIMITED_ROUTES = new Set(['/health'])

/**
 * Per-client rate limits → 429 with Retry-After (problem details via the error handler). The
 * hook is registered ahead of the access check, so a flood is turned away before any token
 * is verified or JWKS fetched.
 */
export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app, { max, loginMax, windowMs }) => {
    await app.register(rateLimit, { global: false, max, timeWindow: windowMs })
    const general = app.rateLimit()
    const login = app.rateLimit({ max: loginMax, timeWindow: windowMs })

    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url
      if (route !== undefined && UNLIMITED_ROUTES.has(route)) return
      const limiter = route === LOGIN_ROUTE && request.method === 'POST' ? login : general
      await limiter.call(app, request, reply)
    })
  },
  { name: 'rate-limit', dependencies: ['error-handler'], fastify: '5.x' }
)
