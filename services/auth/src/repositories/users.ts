import { ObjectId, type AnyBulkWriteOperation, type Db, type Filter } from 'mongodb'
import type { Role, UserDirectoryQuery } from '@app/contracts'
import { escapeRegExp, findPage, isDuplicateKeyError, type IndexPlan } from '@app/platform'

export interface UserDocument {
  _id: ObjectId
  /** Lower-cased, so the unique index makes emails case-insensitive. */
  email: string
  passwordHash: string
  roles: Role[]
  /**
   * Audience tags staff set, sorted, each once. Absent on accounts from before tags existed, and
   * until staff first tag the account: none. Not part of the token version: a tag change shows
   * in the account's next token (refresh), it does not end the ones out.
   */
  tags?: string[]
  /**
   * Markers of the last bulk tag requests that changed this account (bounded). A bulk write
   * reports only how many of its updates matched; after a miss, the request re-reads the accounts
   * and finds its marker on the ones it changed, even if someone changed them again since.
   */
  tagWrites?: ObjectId[]
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
  [USERS]: [
    // Also serves the directory's email-prefix filter: emails are stored lower-cased, and an
    // anchored case-sensitive regex on them is an index range.
    { key: { email: 1 }, name: 'email_unique', unique: true },
    // The directory's tag and role filters, newest first.
    { key: { tags: 1, _id: -1 }, name: 'by_tag' },
    { key: { roles: 1, _id: -1 }, name: 'by_role' }
  ]
}

export const normalizeEmail = (email: string) => email.toLowerCase()

/** Enough markers that an account changed again this many times between a bulk write and its re-read still shows it. */
const TAG_WRITE_MARKERS_KEPT = 8

/** An anchored prefix taken literally: on a normalized field, an index range. */
const literalPrefix = (text: string) => new RegExp(`^${escapeRegExp(text)}`)

/** The tags an account has: absent is none. */
export const tagsOf = (user: Pick<UserDocument, 'tags'>): string[] => user.tags ?? []

/** A tag change to write only if the account's tags are still `before` (as read). */
export interface TagWrite {
  id: ObjectId
  /** The tags as read; undefined: the field was absent. */
  before: string[] | undefined
  after: string[]
}

const TAGS_PROJECTION = { _id: 1, email: 1, tags: 1, tagWrites: 1 } as const

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

    /** The accounts among `ids` that exist (id, email, tags and tag-write markers only), in one query. */
    findTagsByIds: (ids: ObjectId[]) => users.find({ _id: { $in: ids } }, { projection: TAGS_PROJECTION }).toArray(),

    /** The accounts among `emails` (normalized already) that exist (id, email and tags only), in one query. */
    findTagsByEmails: (emails: string[]) => users.find({ email: { $in: emails } }, { projection: TAGS_PROJECTION }).toArray(),

    /** Replaces the tags (a set, sorted); the token version stays. Null: no such account. */
    async setTags(id: ObjectId, tags: string[], now: Date): Promise<UserChange | null> {
      const before = await users.findOneAndUpdate({ _id: id }, { $set: { tags, updatedAt: now } }, { returnDocument: 'before' })
      return before && { before, after: { ...before, tags, updatedAt: now } }
    },

    /**
     * Writes each change whose account still has the tags it was read with (compare-and-set, so
     * a concurrent change is never overwritten and the 20-tag cap holds), in one round trip,
     * leaving `marker` on each account changed. How many were written: fewer than given means
     * some account changed meanwhile (which ones: those without the marker).
     */
    async writeTagsIfUnchanged(writes: readonly TagWrite[], marker: ObjectId, now: Date): Promise<number> {
      if (writes.length === 0) return 0
      const operations: AnyBulkWriteOperation<UserDocument>[] = writes.map(({ id, before, after }) => ({
        updateOne: {
          filter: { _id: id, tags: before === undefined ? { $exists: false } : before } as Filter<UserDocument>,
          update: { $set: { tags: after, updatedAt: now }, $push: { tagWrites: { $each: [marker], $slice: -TAG_WRITE_MARKERS_KEPT } } }
        }
      }))
      const result = await users.bulkWrite(operations, { ordered: false })
      return result.matchedCount
    },

    /** The account directory, newest first: id, email prefix (any case), role and tag filters. */
    async list({ id, email, role, tag, limit, cursor }: UserDirectoryQuery) {
      const filter: Filter<UserDocument> = {}
      if (id !== undefined) filter._id = new ObjectId(id)
      if (email !== undefined) filter.email = literalPrefix(normalizeEmail(email))
      if (role !== undefined) filter.roles = role
      if (tag !== undefined) filter.tags = tag
      return findPage(users, filter, { limit, cursor })
    },

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
