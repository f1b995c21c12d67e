import type { Db, Filter, ObjectId } from 'mongodb'
import type { AuditEntry, AuditQuery } from '@app/contracts'
import type { IndexPlan } from './mongo.js'
import { findPage } from './pagination.js'

/**
 * A service's configuration audit log (SPEC v2: who changed what, when, before and after).
 * Append-only: entries are inserted, never updated or deleted. Each service keeps its own in its
 * own database (`audit_log`) and serves it to AUDITOR and ADMIN.
 */
export interface AuditEntryDoc {
  _id?: ObjectId
  at: Date
  /** The caller's user id (token `sub`). */
  actor: string
  action: string
  entity: { type: string; id: string | null }
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
}

export const auditLogIndexes: IndexPlan = {
  audit_log: [
    { key: { 'entity.type': 1, 'entity.id': 1, _id: -1 }, name: 'by_entity' },
    { key: { actor: 1, _id: -1 }, name: 'by_actor' }
  ]
}

type StoredAuditEntry = AuditEntryDoc & { _id: ObjectId }

export const toAuditEntry = (entry: StoredAuditEntry): AuditEntry => ({
  id: entry._id.toHexString(),
  at: entry.at.toISOString(),
  actor: entry.actor,
  action: entry.action,
  entity: entry.entity,
  before: entry.before,
  after: entry.after
})

export function createAuditLogRepository(db: Db) {
  const entries = db.collection<StoredAuditEntry>('audit_log')
  return {
    async record(entry: AuditEntryDoc): Promise<void> {
      await entries.insertOne({ ...entry } as StoredAuditEntry)
    },

    /** Several entries in one round trip (a bulk change: one per thing changed). */
    async recordMany(batch: readonly AuditEntryDoc[]): Promise<void> {
      if (batch.length > 0) await entries.insertMany(batch.map((entry) => ({ ...entry }) as StoredAuditEntry))
    },

    /** Newest first, filtered by entity and actor. */
    async list({ entityType, entityId, actor, limit, cursor }: AuditQuery) {
      const filter: Filter<StoredAuditEntry> = {}
      if (entityType !== undefined) filter['entity.type'] = entityType
      if (entityId !== undefined) filter['entity.id'] = entityId.toLowerCase()
      if (actor !== undefined) filter.actor = actor.toLowerCase()
      const page = await findPage(entries, filter, { limit, cursor })
      return { items: page.items.map(toAuditEntry), nextCursor: page.nextCursor }
    }
  }
}
export type AuditLogRepository = ReturnType<typeof createAuditLogRepository>
