import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import argon2 from 'argon2'
import { Counter, Gauge } from 'prom-client'
import { serviceUnavailable } from '@app/platform'
import { QueueFullError, createConcurrencyLimit } from '../concurrency-limit.js'

declare module 'fastify' {
  interface FastifyInstance {
    passwords: Passwords
  }
}

/**
 * `priority`: logins, and accounts an ADMIN creates; `signup`: public sign-ups, which queue
 * behind them and in a shorter line, so a sign-up flood is turned away before it delays a login.
 */
export type HashLane = 'priority' | 'signup'

export interface Passwords {
  /** Throws a 503 with Retry-After when the lane's queue is full. */
  hash(password: string, lane: HashLane): Promise<string>
  /**
   * Verifies against `hash`, or against a dummy hash when there is no account, so an unknown
   * email costs as much time as a wrong password and timing does not reveal which accounts exist.
   */
  verify(hash: string | undefined, password: string): Promise<boolean>
}

/** OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export interface PasswordsOptions {
  /**
   * argon2 operations allowed at once; the rest wait in line. Keep it below the core count so
   * a login storm leaves a core for the event loop (PASSWORD_HASH_CONCURRENCY).
   */
  maxConcurrentHashes: number
  /** Operations that may wait for a slot (PASSWORD_HASH_QUEUE_MAX); sign-ups get a quarter of it. */
  maxWaitingHashes: number
  /**
   * How long an operation may wait for a slot before it is refused with 503 + Retry-After
   * (PASSWORD_HASH_MAX_WAIT_MS; 0: no bound). Below the gateway's upstream timeout, so a
   * sign-up starved by logins is told to come back instead of timing out as a 504.
   */
  maxWaitMs?: number
}

/** A full queue is a brief overload: a second is about how long 25 queued hashes take on 1 core. */
const RETRY_AFTER_SECONDS = 1

export const passwordsPlugin = fp<PasswordsOptions>(
  async (app, { maxConcurrentHashes, maxWaitingHashes, maxWaitMs = 0 }) => {
    const limit = createConcurrencyLimit<HashLane>(
      maxConcurrentHashes,
      { priority: maxWaitingHashes, signup: Math.max(1, Math.floor(maxWaitingHashes / 4)) },
      { maxWaitMs }
    )
    new Gauge({
      name: 'auth_password_hashes_waiting',
      help: 'argon2 operations queued behind PASSWORD_HASH_CONCURRENCY (sustained > 0: logins outpace the CPU)',
      labelNames: ['lane'],
      registers: [app.metrics],
      collect() {
        for (const lane of ['priority', 'signup'] as const) this.set({ lane }, limit.waiting(lane))
      }
    })
    const refused = new Counter({
      name: 'auth_password_hashes_refused_total',
      help: 'argon2 operations refused with 503 because their queue was full or they waited PASSWORD_HASH_MAX_WAIT_MS for a slot',
      labelNames: ['lane'],
      registers: [app.metrics]
    })
    const run = async <T>(task: () => Promise<T>, lane: HashLane): Promise<T> => {
      try {
        return await limit.run(task, lane)
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error
        refused.inc({ lane })
        throw serviceUnavailable('Too many sign-ins and sign-ups at once; try again in a moment', RETRY_AFTER_SECONDS, 'BUSY')
      }
    }
    const dummyHash = await argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS)
    app.decorate('passwords', {
      hash: (password, lane) => run(() => argon2.hash(password, ARGON2_OPTIONS), lane),
      async verify(hash, password) {
        if (hash === undefined) {
          await run(() => argon2.verify(dummyHash, password), 'priority')
          return false
        }
        return run(() => argon2.verify(hash, password), 'priority')
      }
    } satisfies Passwords)
  },
  { name: 'passwords', dependencies: ['metrics'], fastify: '5.x' }
)
