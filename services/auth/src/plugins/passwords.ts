import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import argon2 from 'argon2'

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

export const passwordsPlugin = fp(
  async (app) => {
    const dummyHash = await argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS)
    app.decorate('passwords', {
      hash: (password) => argon2.hash(password, ARGON2_OPTIONS),
      async verify(hash, password) {
        if (hash === undefined) {
          await argon2.verify(dummyHash, password)
          return false
        }
        return argon2.verify(hash, password)
      }
    } satisfies Passwords)
  },
  { name: 'passwords', fastify: '5.x' }
)
