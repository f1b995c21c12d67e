import { ObjectId, type Db } from 'mongodb'
import type { Role } from '@app/contracts'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'

export interface UserDocument {
  _id: ObjectId
  /** Lower-cased, so the unique index makes emails case-insensitive. */
  email: string
  passwordHash: string
  roles: Role[]
  /** A disabled account cannot log in, refresh, or use any token it holds. Absent: false. */
  disabled?: boolean
  /**
   * Raised by every change that must end the tokens already out (roles, disabled, sessions
   * ended): access tokens carry it as `ver`, and older ones are refused. Absent: 0.
   */
  tokenVersion?: number
  createdAt: Date
  updatedAt: Date
}

/** An account as a change left it, and as it was before (for the audit log). */
export interface UserChange {
  before: UserDocument
  after: UserDocument
}

const USERS = 'users'

export const userIndexes: IndexPlan = {
  [USERS]: [{ key: { email: 1 }, name: 'email_unique', unique: true }]
}

export const normalizeEmail = (email: string) => email.toLowerCase()

export function createUserRepository(db: Db) {
  const users = db.collection<UserDocument>(USERS)

  return {
    /** The new account, or null when the email is taken (the unique index decides, not a lookup). */
    async create(fields: { email: string; passwordHash: string; roles: Role[] }): Promise<UserDocument | null> {
      const now = new Date()
      const user: UserDocument = { _id: new ObjectId(), ...fields, email: normalizeEmail(fields.email), createdAt: now, updatedAt: now }
      try {
        await users.insertOne(user)
      } catch (error) {
        if (isDuplicateKeyError(error)) return null
        throw error
      }
      return user
    },

    findByEmail: (email: string) => users.findOne({ email: normalizeEmail(email) }),

    anyWithRole: async (role: Role) => (await users.countDocuments({ roles: role }, { limit: 1 })) > 0,

    findById: (id: ObjectId) => users.findOne({ _id: id }),

    /** Replaces the roles and ends the tokens carrying the old ones. Null: no such account. */
    setRoles: (id: ObjectId, roles: Role[], now: Date) => change(id, { $set: { roles, updatedAt: now } }),

    /**
     * Disables (ending every token) or enables the account. Null: no such account; `unchanged`
     * (with the account as it is): it was so already, so a repeat writes nothing and audits nothing.
     */
    async setDisabled(id: ObjectId, disabled: boolean, now: Date): Promise<UserChange | { unchanged: UserDocument } | null> {
      const changed = await change(id, { $set: { disabled, updatedAt: now } }, { disabled: disabled ? { $ne: true } : true })
      if (changed) return changed
      const user = await users.findOne({ _id: id })
      return user ? { unchanged: user } : null
    },

    /** Ends every token of the account issued so far (its sessions are revoked separately). */
    endTokens: (id: ObjectId, now: Date) => change(id, { $set: { updatedAt: now } })
  }

  /** One conditional update that also raises the token version; the document before and after it. */
  async function change(id: ObjectId, update: { $set: Partial<UserDocument> }, where: Record<string, unknown> = {}): Promise<UserChange | null> {
    const before = await users.findOneAndUpdate({ ...where, _id: id }, { ...update, $inc: { tokenVersion: 1 } }, { returnDocument: 'before' })
    if (!before) return null
    return { before, after: { ...before, ...update.$set, tokenVersion: (before.tokenVersion ?? 0) + 1 } }
  }
}
export type UserRepository = ReturnType<typeof createUserRepository>
