import type { Db } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'

/** Failed logins for one normalized email within a window that starts at the first failure. */
export interface LoginFailureDocument {
  _id: string
  failures: number
  windowEndsAt: Date
}

const LOGIN_FAILURES = 'login_failures'

export const loginFailureIndexes: IndexPlan = {
  [LOGIN_FAILURES]: [{ key: { windowEndsAt: 1 }, name: 'window_ttl', expireAfterSeconds: 0 }]
}

/** Counted in the database, not in memory, so every instance of the service sees the same tally. */
export function createLoginFailureRepository(db: Db) {
  const failures = db.collection<LoginFailureDocument>(LOGIN_FAILURES)

  return {
    /** When the account's window ends if it has reached `maxFailures`, otherwise null. */
    async lockedUntil(email: string, maxFailures: number, now = new Date()): Promise<Date | null> {
      const locked = await failures.findOne({ _id: email, windowEndsAt: { $gt: now }, failures: { $gte: maxFailures } })
      return locked?.windowEndsAt ?? null
    },

    async record(email: string, windowMs: number, now = new Date()): Promise<void> {
      for (;;) {
        const counted = await failures.updateOne({ _id: email, windowEndsAt: { $gt: now } }, { $inc: { failures: 1 } })
        if (counted.matchedCount === 1) return
        try {
          // No open window: start one. If a concurrent failure just started it, the upsert
          // collides on _id and the loop counts into that window instead.
          await failures.updateOne(
            { _id: email, windowEndsAt: { $lte: now } },
            { $set: { failures: 1, windowEndsAt: new Date(now.getTime() + windowMs) } },
            { upsert: true }
          )
          return
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error
        }
      }
    },

    async clear(email: string): Promise<void> {
      await failures.deleteOne({ _id: email })
    }
  }
}
export type LoginFailureRepository = ReturnType<typeof createLoginFailureRepository>
