import { ObjectId } from 'mongodb'
import { MAX_TAGS_PER_ACCOUNT, type BulkTagResult } from '@app/contracts'
import type { AuditEntryDoc, AuditLogRepository } from '@app/platform'
import { normalizeEmail, tagsOf, type TagWrite, type UserRepository } from './repositories/users.js'

/** Tags are a set: each once, sorted, so equal sets are equal arrays (and compare-and-set can match them). */
export const normalizeTags = (tags: Iterable<string>): string[] => [...new Set(tags)].sort()

export const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((tag, index) => tag === b[index])

/** `current` without `remove`, with `add`. */
export function retagged(current: readonly string[], { add, remove }: TagEdit): string[] {
  const removed = new Set(remove)
  return normalizeTags([...current.filter((tag) => !removed.has(tag)), ...add])
}

export interface TagEdit {
  add: readonly string[]
  remove: readonly string[]
}

/** The audit entry of one account's tag change. */
export const tagAuditEntry = (actor: string, userId: string, before: readonly string[], after: readonly string[], at: Date): AuditEntryDoc => ({
  actor,
  action: 'user.tags',
  entity: { type: 'user', id: userId },
  before: { tags: [...before] },
  after: { tags: [...after] },
  at
})

const OBJECT_ID = /^[0-9a-f]{24}$/
/** Only a sanity check: an entry that cannot be an address is `invalid` rather than `not_found`. */
const EMAIL_LIKE = /^[^\s@]+@[^\s@]+$/
/**
 * Compare-and-set rounds before an account that keeps changing under us is given up on: each
 * round at least one of the requests racing on an account wins it, so this many concurrent bulk
 * requests on the same accounts all land.
 */
const MAX_ROUNDS = 10

export interface BulkRetagRequest extends TagEdit {
  /** How the accounts are named, and the entries as given. */
  by: 'id' | 'email'
  entries: readonly string[]
  actor: string
  now: Date
}

type Outcome = Omit<BulkTagResult, 'id' | 'email'>
interface Account {
  _id: ObjectId
  email: string
  tags?: string[]
  tagWrites?: ObjectId[]
}

/**
 * Adds and removes tags on up to 1,000 accounts: one query finds them, one bulk write changes
 * them, one insert audits them — a result per entry, one bad entry failing nothing else. Each
 * write is a compare-and-set on the tags as read, so no account ends with more than 20 tags and
 * no concurrent change is lost: the accounts whose tags changed meanwhile are re-read and tried
 * again. A bulk write reports only how many matched, so each write leaves this request's marker
 * on its account: after a miss, the re-read tells the accounts written (audited once each) from
 * the ones to try again.
 */
export async function retagInBulk(
  { users, auditLog }: { users: UserRepository; auditLog: AuditLogRepository },
  request: BulkRetagRequest
): Promise<BulkTagResult[]> {
  const outcomes: Array<Outcome | undefined> = []
  /** Normalized key → index of the entry that named it first. */
  const named = new Map<string, number>()
  request.entries.forEach((given, index) => {
    const key = request.by === 'id' ? given.toLowerCase() : normalizeEmail(given)
    if (request.by === 'id' && !OBJECT_ID.test(key)) outcomes[index] = { status: 'invalid', detail: 'Not an account id (24 hex characters)' }
    else if (request.by === 'email' && !EMAIL_LIKE.test(key)) outcomes[index] = { status: 'invalid', detail: 'Not an email address' }
    else if (named.has(key)) outcomes[index] = { status: 'invalid', detail: `The same account as entry ${named.get(key)}; each account once` }
    else named.set(key, index)
  })

  const keys = [...named.keys()]
  const found = request.by === 'id' ? await users.findTagsByIds(keys.map((key) => new ObjectId(key))) : await users.findTagsByEmails(keys)
  const keyOf = (account: Account) => (request.by === 'id' ? account._id.toHexString() : account.email)
  /** Account id → the entry that names it, for the accounts still to write. */
  const entryOf = new Map<string, number>()
  let pending: Account[] = []
  for (const account of found) {
    const index = named.get(keyOf(account))
    if (index === undefined) continue
    entryOf.set(account._id.toHexString(), index)
    pending.push(account)
  }
  const foundEntries = new Set(entryOf.values())
  for (const index of named.values()) if (!foundEntries.has(index)) outcomes[index] = { status: 'not_found' }

  const marker = new ObjectId()
  const audit: AuditEntryDoc[] = []
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const writes: TagWrite[] = []
    for (const account of pending) {
      const index = entryOf.get(account._id.toHexString())!
      const before = tagsOf(account)
      const after = retagged(before, request)
      if (after.length > MAX_TAGS_PER_ACCOUNT) {
        outcomes[index] = { status: 'invalid', detail: `The account would have ${after.length} tags; at most ${MAX_TAGS_PER_ACCOUNT}` }
      } else if (sameTags(before, after)) {
        outcomes[index] = { status: 'updated', detail: 'Nothing to change: the account was so already', tags: before }
      } else {
        writes.push({ id: account._id, before: account.tags, after })
      }
    }
    const written = await users.writeTagsIfUnchanged(writes, marker, request.now)
    const landed = new Set(writes.map((write) => write.id.toHexString()))
    pending = []
    if (written < writes.length) {
      const current = new Map((await users.findTagsByIds(writes.map((write) => write.id))).map((account) => [account._id.toHexString(), account]))
      for (const write of writes) {
        const account = current.get(write.id.toHexString())
        if (account?.tagWrites?.some((mark) => mark.equals(marker))) continue
        landed.delete(write.id.toHexString())
        if (account) pending.push(account)
        else outcomes[entryOf.get(write.id.toHexString())!] = { status: 'not_found' }
      }
    }
    for (const write of writes) {
      const id = write.id.toHexString()
      if (!landed.has(id)) continue
      outcomes[entryOf.get(id)!] = { status: 'updated', tags: write.after }
      audit.push(tagAuditEntry(request.actor, id, write.before ?? [], write.after, request.now))
    }
  }
  for (const account of pending) {
    outcomes[entryOf.get(account._id.toHexString())!] = { status: 'invalid', detail: 'The account kept changing while this request ran; try it again' }
  }
  await auditLog.recordMany(audit)

  return request.entries.map((given, index) => {
    const outcome = outcomes[index]
    // Every entry was judged above; one without an outcome is a bug here, not the caller's mistake.
    if (!outcome) throw new Error(`bulk tagging left entry ${index} without an outcome`)
    return { [request.by]: given, ...outcome }
  })
}
