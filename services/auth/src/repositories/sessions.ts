import { ObjectId, type Db } from 'mongodb'
import type { IndexPlan } from '@app/platform'

/** A login and every refresh token rotated from it: one token family (RFC 9700 §4.14.2). */
export interface SessionDocument {
  _id: ObjectId
  userId: ObjectId
  createdAt: Date
  /** Moves forward with every rotation; the session outlives its newest refresh token by nothing. */
  expiresAt: Date
  revokedAt: Date | null
  revokedReason: 'logout' | 'reuse' | null
}

const SESSIONS = 'sessions'

export const sessionIndexes: IndexPlan = {
  [SESSIONS]: [{ key: { expiresAt: 1 }, name: 'expires_ttl', expireAfterSeconds: 0 }]
}

export function createSessionRepository(db: Db) {
  const sessions = db.collection<SessionDocument>(SESSIONS)

  return {
    async open(userId: ObjectId, expiresAt: Date): Promise<SessionDocument> {
      const session: SessionDocument = { _id: new ObjectId(), userId, createdAt: new Date(), expiresAt, revokedAt: null, revokedReason: null }
      await sessions.insertOne(session)
      return session
    },

    findActive: (id: ObjectId, now = new Date()) => sessions.findOne({ _id: id, revokedAt: null, expiresAt: { $gt: now } }),

    async extend(id: ObjectId, expiresAt: Date): Promise<void> {
      await sessions.updateOne({ _id: id, expiresAt: { $lt: expiresAt } }, { $set: { expiresAt } })
    },

    /** True when this call revoked the session, false when it was revoked (or gone) already. */
    async revoke(id: ObjectId, reason: 'logout' | 'reuse'): Promise<boolean> {
      const result = await sessions.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: new Date(), revokedReason: reason } })
      return result.modifiedCount === 1
    }
  }
}
export type SessionRepository = ReturnType<typeof createSessionRepository>
