import fp from 'fastify-plugin'
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import { HttpProblem } from '@app/platform'
import { normalizeEmail } from '../repositories/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

export interface LoginThrottleOptions {
  maxFailuresPerAccount: number
  maxAttemptsPerClient: number
  windowSeconds: number
}

export interface LoginThrottle {
  /** Route config for the per-client limit (by IP, in this instance's memory). */
  perClient: RateLimitOptions
  /** Throws 429 with Retry-After while the account is locked, whatever the password. */
  assertAccountNotLocked(email: string): Promise<void>
  recordFailure(email: string): Promise<void>
  clearFailures(email: string): Promise<void>
}

/**
 * Two brakes on password guessing: per client address (many accounts from one place) and per
 * account (one account from many places, counted in the database so all instances agree).
 */
export const loginThrottlePlugin = fp<LoginThrottleOptions>(
  async (app, { maxFailuresPerAccount, maxAttemptsPerClient, windowSeconds }) => {
    await app.register(rateLimit, { global: false })
    const { loginFailures } = app.repositories
    const windowMs = windowSeconds * 1000

    app.decorate('loginThrottle', {
      perClient: { max: maxAttemptsPerClient, timeWindow: windowMs },
      async assertAccountNotLocked(email) {
        const until = await loginFailures.lockedUntil(normalizeEmail(email), maxFailuresPerAccount)
        if (until) {
          const retryAfter = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000))
          throw new HttpProblem(429, `Too many failed logins for this account; retry in ${retryAfter} s`, 'ACCOUNT_LOCKED', {
            'retry-after': String(retryAfter)
          })
        }
      },
      recordFailure: (email) => loginFailures.record(normalizeEmail(email), windowMs),
      clearFailures: (email) => loginFailures.clear(normalizeEmail(email))
    } satisfies LoginThrottle)
  },
  { name: 'login-throttle', dependencies: ['repositories'], fastify: '5.x' }
)
