import type { Db, ObjectId } from 'mongodb'
import type { IndexPlan, RevocationEntry } from '@app/platform'

/**
 * "Tokens of this account below version N are dead", kept for one access-token lifetime: by
 * then every token issued before the change has expired by itself. Every service polls the
 * active ones (GET /internal/revocations), so the list stays as small as the changes of the
 * last quarter hour.
 */
export interface RevocationDocument {
  _id?: ObjectId
  userId: string
  minVersion: number
  at: Date
  expiresAt: Date
}

const REVOCATIONS = 'revocations'

export const revocationIndexes: IndexPlan = {
  [REVOCATIONS]: [{ key: { expiresAt: 1 }, name: 'expires_ttl', expireAfterSeconds: 0 }]
}

export function createRevocationRepository(db: Db) {
  const revocations = db.collection<RevocationDocument>(REVOCATIONS)
  return {
    async record(userId: string, minVersion: number, now: Date, lifetimeMs: number): Promise<void> {
      await revocations.insertOne({ userId, minVersion, at: now, expiresAt: new Date(now.getTime() + lifetimeMs) })
    },

    /** The entries still in force (the embedded server ignores TTL, so the query filters too). */
    async active(now: Date): Promise<RevocationEntry[]> {
      const docs = await revocations.find({ expiresAt: { $gt: now } }, { projection: { userId: 1, minVersion: 1 } }).toArray()
      return docs.map(({ userId, minVersion }) => ({ userId, minVersion }))
    }
  }
}
export type RevocationRepository = ReturnType<typeof createRevocationRepository>
