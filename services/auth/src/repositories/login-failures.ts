import type { Db } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'

/**
 * Failed logins within a window that starts at the first failure, counted twice: for the
 * account from anywhere (`_id` = the normalized email) and for the account from one client
 * (`_id` = email, a space, the client address — an email cannot contain a space).
 */
export interface LoginFailureDocument {
  _id: string
  failures: number
  windowEndsAt: Date
}

export interface FailureCounts {
  /** Failures of the account, from every client, in its current window. */
  account: number
  /** Failures of the account from this client, and when that window ends. */
  fromClient: number
  fromClientWindowEndsAt: Date | null
}

const LOGIN_FAILURES = 'login_failures'

export const loginFailureIndexes: IndexPlan = {
  [LOGIN_FAILURES]: [{ key: { windowEndsAt: 1 }, name: 'window_ttl', expireAfterSeconds: 0 }]
}

const pairKey = (email: string, client: string) => `${email} ${client}`

/** Counted in the database, not in memory, so every instance of the service sees the same tally. */
export function createLoginFailureRepository(db: Db) {
  const failures = db.collection<LoginFailureDocument>(LOGIN_FAILURES)

  async function count(key: string, windowMs: number, now: Date): Promise<void> {
    for (;;) {
      const counted = await failures.updateOne({ _id: key, windowEndsAt: { $gt: now } }, { $inc: { failures: 1 } })
      if (counted.matchedCount === 1) return
      try {
        // No open window: start one. If a concurrent failure just started it, the upsert
        // collides on _id and the loop counts into that window instead.
        await failures.updateOne(
          { _id: key, windowEndsAt: { $lte: now } },
          { $set: { failures: 1, windowEndsAt: new Date(now.getTime() + windowMs) } },
          { upsert: true }
        )
        return
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
      }
    }
  }

  return {
    /** Both counts in one query; a window that has passed counts nothing. */
    async countsFor(email: string, client: string, now: Date): Promise<FailureCounts> {
      const docs = await failures.find({ _id: { $in: [email, pairKey(email, client)] }, windowEndsAt: { $gt: now } }).toArray()
      const account = docs.find((doc) => doc._id === email)
      const fromClient = docs.find((doc) => doc._id !== email)
      return { account: account?.failures ?? 0, fromClient: fromClient?.failures ?? 0, fromClientWindowEndsAt: fromClient?.windowEndsAt ?? null }
    },

    async record(email: string, client: string, windowMs: number, now: Date): Promise<void> {
      await Promise.all([count(email, windowMs, now), count(pairKey(email, client), windowMs, now)])
    },

    /**
     * A successful login clears its client's count only: an attacker failing from elsewhere keeps
     * the account slowed down until the window passes, whoever logs in meanwhile.
     */
    async clearFromClient(email: string, client: string): Promise<void> {
      await failures.deleteOne({ _id: pairKey(email, client) })
    }
  }
}
export type LoginFailureRepository = ReturnType<typeof createLoginFailureRepository>
