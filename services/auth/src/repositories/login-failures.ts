import type { Db } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'

/**
 * Login counts within a window that starts at the first one: failed logins of the account from
 * anywhere (`_id` = the normalized email), and attempts of the account from one client that have
 * not ended in a success (`_id` = email, a space, the client address — an email cannot contain
 * a space).
 */
export interface LoginFailureDocument {
  _id: string
  failures: number
  windowEndsAt: Date
}

const LOGIN_FAILURES = 'login_failures'

export const loginFailureIndexes: IndexPlan = {
  [LOGIN_FAILURES]: [{ key: { windowEndsAt: 1 }, name: 'window_ttl', expireAfterSeconds: 0 }]
}

const pairKey = (email: string, client: string) => `${email} ${client}`

/** Counted in the database, not in memory, so every instance of the service sees the same tally. */
export function createLoginFailureRepository(db: Db) {
  const failures = db.collection<LoginFailureDocument>(LOGIN_FAILURES)

  /** Adds one to the key's count in its open window (starting one if there is none) and returns the count. */
  async function count(key: string, windowMs: number, now: Date): Promise<LoginFailureDocument> {
    for (;;) {
      const counted = await failures.findOneAndUpdate({ _id: key, windowEndsAt: { $gt: now } }, { $inc: { failures: 1 } }, { returnDocument: 'after' })
      if (counted) return counted
      try {
        // No open window: start one. If a concurrent attempt just started it, the upsert
        // collides on _id and the loop counts into that window instead.
        const started = { failures: 1, windowEndsAt: new Date(now.getTime() + windowMs) }
        await failures.updateOne({ _id: key, windowEndsAt: { $lte: now } }, { $set: started }, { upsert: true })
        return { _id: key, ...started }
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
      }
    }
  }

  return {
    /**
     * Counts this attempt of the account from this client *before* its password is checked, and
     * returns the count with it: parallel attempts each see their own number, so none slips past
     * the limit that a check-then-count would let through. A successful login clears it.
     */
    countAttemptFromClient: (email: string, client: string, windowMs: number, now: Date) => count(pairKey(email, client), windowMs, now),

    /** Failed logins of the account from every client in its current window. */
    async accountFailures(email: string, now: Date): Promise<number> {
      return (await failures.findOne({ _id: email, windowEndsAt: { $gt: now } }))?.failures ?? 0
    },

    recordAccountFailure: async (email: string, windowMs: number, now: Date): Promise<void> => {
      await count(email, windowMs, now)
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
