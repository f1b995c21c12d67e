import { ObjectId, type Db } from 'mongodb'
import type { Role } from '@app/contracts'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'

export interface UserDocument {
  _id: ObjectId
  /** Lower-cased, so the unique index makes emails case-insensitive. */
  email: string
  passwordHash: string
  roles: Role[]
  createdAt: Date
  updatedAt: Date
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

    findById: (id: ObjectId) => users.findOne({ _id: id }),

    setRoles: (id: ObjectId, roles: Role[]) =>
      users.findOneAndUpdate({ _id: id }, { $set: { roles, updatedAt: new Date() } }, { returnDocument: 'after' })
  }
}
export type UserRepository = ReturnType<typeof createUserRepository>
