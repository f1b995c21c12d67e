import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import argon2 from 'argon2'
import { Gauge } from 'prom-client'
import { createConcurrencyLimit } from '../concurrency-limit.js'

declare module 'fastify' {
  interface FastifyInstance {
    passwords: Passwords
  }
}

export interface Passwords {
  hash(password: string): Promise<string>
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
}

export const passwordsPlugin = fp<PasswordsOptions>(
  async (app, { maxConcurrentHashes }) => {
    const limit = createConcurrencyLimit(maxConcurrentHashes)
    new Gauge({
      name: 'auth_password_hashes_waiting',
      help: 'argon2 operations queued behind PASSWORD_HASH_CONCURRENCY (sustained > 0: logins outpace the CPU)',
      registers: [app.metrics],
      collect() { this.set(limit.waiting) }
    })
    const dummyHash = await argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS)
    app.decorate('passwords', {
      hash: (password) => limit.run(() => argon2.hash(password, ARGON2_OPTIONS)),
      async verify(hash, password) {
        if (hash === undefined) {
          await limit.run(() => argon2.verify(dummyHash, password))
          return false
        }
        return limit.run(() => argon2.verify(hash, password))
      }
    } satisfies Passwords)
  },
  { name: 'passwords', dependencies: ['metrics'], fastify: '5.x' }
)
