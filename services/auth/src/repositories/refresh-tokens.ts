import { ObjectId, type Db } from 'mongodb'
import type { IndexPlan } from '@app/platform'

/** Only the SHA-256 of a refresh token is stored: a database leak yields no usable token. */
export interface RefreshTokenDocument {
  _id: ObjectId
  tokenHash: string
  sessionId: ObjectId
  issuedAt: Date
  expiresAt: Date
  /** Set once, when the token is rotated; a second presentation is a reuse. */
  usedAt: Date | null
}

const REFRESH_TOKENS = 'refresh_tokens'

export const refreshTokenIndexes: IndexPlan = {
  [REFRESH_TOKENS]: [
    { key: { tokenHash: 1 }, name: 'token_hash_unique', unique: true },
    { key: { expiresAt: 1 }, name: 'expires_ttl', expireAfterSeconds: 0 }
  ]
}

export function createRefreshTokenRepository(db: Db) {
  const tokens = db.collection<RefreshTokenDocument>(REFRESH_TOKENS)

  return {
    async insert(fields: { tokenHash: string; sessionId: ObjectId; expiresAt: Date }): Promise<void> {
      await tokens.insertOne({ _id: new ObjectId(), ...fields, issuedAt: new Date(), usedAt: null })
    },

    findByHash: (tokenHash: string) => tokens.findOne({ tokenHash }),

    /**
     * Marks the token used if it is still unused and unexpired, in one conditional update, so
     * of any number of concurrent rotations exactly one gets the document back.
     */
    consume: (tokenHash: string, now: Date) =>
      tokens.findOneAndUpdate({ tokenHash, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } })
  }
}
export type RefreshTokenRepository = ReturnType<typeof createRefreshTokenRepository>
