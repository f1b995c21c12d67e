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
  revokedReason: RevokedReason | null
}

/** `logout`: by its holder; `reuse`: a rotated refresh token came back; `staff`: an ADMIN ended the account's sessions. */
export type RevokedReason = 'logout' | 'reuse' | 'staff'

const SESSIONS = 'sessions'

export const sessionIndexes: IndexPlan = {
  [SESSIONS]: [{ key: { expiresAt: 1 }, name: 'expires_ttl', expireAfterSeconds: 0 }]
}

export function createSessionRepository(db: Db) {
  const sessions = db.collection<SessionDocument>(SESSIONS)

  return {
    async open(userId: ObjectId, expiresAt: Date, now = new Date()): Promise<SessionDocument> {
      const session: SessionDocument = { _id: new ObjectId(), userId, createdAt: now, expiresAt, revokedAt: null, revokedReason: null }
      await sessions.insertOne(session)
      return session
    },

    findActive: (id: ObjectId, now = new Date()) => sessions.findOne({ _id: id, revokedAt: null, expiresAt: { $gt: now } }),

    /** Whose session this is (revoked or not); null when there is none. */
    async ownerOf(id: ObjectId): Promise<ObjectId | null> {
      return (await sessions.findOne({ _id: id }, { projection: { userId: 1 } }))?.userId ?? null
    },

    async extend(id: ObjectId, expiresAt: Date): Promise<void> {
      await sessions.updateOne({ _id: id, expiresAt: { $lt: expiresAt } }, { $set: { expiresAt } })
    },

    /** True when this call revoked the session, false when it was revoked (or gone) already. */
    async revoke(id: ObjectId, reason: RevokedReason, now = new Date()): Promise<boolean> {
      const result = await sessions.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now, revokedReason: reason } })
      return result.modifiedCount === 1
    },

    /** Revokes every session of an account still open; how many that was. */
    async revokeAllOf(userId: ObjectId, reason: RevokedReason, now: Date): Promise<number> {
      const result = await sessions.updateMany({ userId, revokedAt: null, expiresAt: { $gt: now } }, { $set: { revokedAt: now, revokedReason: reason } })
      return result.modifiedCount
    }
  }
}
export type SessionRepository = ReturnType<typeof createSessionRepository>
