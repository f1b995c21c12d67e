import type { Db, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'

/**
 * The configuration audit log (SPEC, "Accounts and sessions": who changed what, when, before
 * and after). Append-only: entries are inserted, never updated or deleted. Claim state changes
 * have their own trail (`claim_transitions`); this log holds the decisions around them that
 * change how the system behaves — pausing delivery, resolving a claim by hand.
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

export function createAuditLogRepository(db: Db) {
  const entries = db.collection<AuditEntryDoc>('audit_log')
  return {
    async record(entry: AuditEntryDoc): Promise<void> {
      await entries.insertOne({ ...entry })
    }
  }
}
export type AuditLogRepository = ReturnType<typeof createAuditLogRepository>
