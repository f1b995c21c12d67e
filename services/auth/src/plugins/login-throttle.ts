import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import type { RateLimitOptions } from '@fastify/rate-limit'
import { HttpProblem } from '@app/platform'
import { normalizeEmail } from '../repositories/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

export interface LoginSlowdown {
  /** The delay at the threshold; it doubles with every failure beyond it. */
  baseMs: number
  /** SPEC: an account under attack is slowed down by at most 3 s, never locked. */
  maxMs: number
}

export interface LoginThrottleOptions {
  /** Failures of one account from one client before that client gets 429 for it; also where the slowdown starts. */
  maxFailuresPerAccount: number
  maxAttemptsPerClient: number
  windowSeconds: number
  slowdown?: LoginSlowdown
}

export interface LoginThrottle {
  /** Route config for the per-client limit (attempts by IP, in this instance's memory). */
  perClient: RateLimitOptions
  /**
   * Before the password is checked: a 429 with Retry-After for a client over its failures for
   * this account; otherwise waits out the slowdown the account is due, whoever asks.
   */
  admit(email: string, client: string): Promise<void>
  recordFailure(email: string): Promise<void>
  recordSuccess(email: string, client: string): Promise<void>
}

export const DEFAULT_SLOWDOWN: LoginSlowdown = { baseMs: 250, maxMs: 3_000 }

/** The added delay for an account with `failures` failed logins in its window, from every client. */
export function slowdownFor(failures: number, threshold: number, { baseMs, maxMs }: LoginSlowdown = DEFAULT_SLOWDOWN): number {
  if (failures < threshold) return 0
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, failures - threshold))
}

/**
 * Three brakes on password guessing (SPEC v2, "Accounts and sessions"):
 * - per client: attempts of one address, whatever the accounts (credential stuffing) → 429;
 * - per (account, client): failures of one account from one address → 429 for that address only,
 *   so ten wrong passwords from one place do not lock the owner out of another;
 * - per account, from everywhere: only slowed down (≤ 3 s), never refused, so a distributed
 *   attack costs the attacker time without locking the owner out.
 * The last two are counted in the database so every instance agrees. Unknown emails are counted
 * like known ones: the replies never tell which accounts exist.
 */
export const loginThrottlePlugin = fp<LoginThrottleOptions>(
  async (app, { maxFailuresPerAccount, maxAttemptsPerClient, windowSeconds, slowdown = DEFAULT_SLOWDOWN }) => {
    const { loginFailures } = app.repositories
    const windowMs = windowSeconds * 1000

    app.decorate('loginThrottle', {
      perClient: { max: maxAttemptsPerClient, timeWindow: windowMs },
      async admit(email, client) {
        const now = app.clock()
        const account = normalizeEmail(email)
        // Counted before the password is checked, so parallel guesses cannot all pass the check.
        const fromClient = await loginFailures.countAttemptFromClient(account, client, windowMs, now)
        if (fromClient.failures > maxFailuresPerAccount) {
          const retryAfter = Math.max(1, Math.ceil((fromClient.windowEndsAt.getTime() - now.getTime()) / 1000))
          throw new HttpProblem(429, `Too many failed logins for this account from here; retry in ${retryAfter} s`, 'LOGIN_THROTTLED', {
            'retry-after': String(retryAfter)
          })
        }
        const delay = slowdownFor(await loginFailures.accountFailures(account, now), maxFailuresPerAccount, slowdown)
        if (delay > 0) await sleep(delay)
      },
      // The attempt from this client is counted already (admit); what remains is the account's tally.
      recordFailure: (email) => loginFailures.recordAccountFailure(normalizeEmail(email), windowMs, app.clock()),
      recordSuccess: (email, client) => loginFailures.clearFromClient(normalizeEmail(email), client)
    } satisfies LoginThrottle)
  },
  { name: 'login-throttle', dependencies: ['repositories', 'clock', '@fastify/rate-limit'], fastify: '5.x' }
)
