import { conflict, type AuditEntryDoc, type AuditLogRepository, type HttpProblem } from '@app/platform'
import { versionOf } from '../repositories/versions.js'
import type { Catalog } from './catalog.js'

/** How often an edit without `version` (last write wins) re-reads and retries after losing a race, before it gives up with a 409. */
export const EDIT_ATTEMPTS = 5

/** 409 VERSION_CONFLICT: the edit was made against an older version; the body names the current one. */
export const versionConflict = (what: 'event' | 'reward', currentVersion: number): HttpProblem =>
  conflict(`The ${what} is at version ${currentVersion} now; reload it and edit again`, 'VERSION_CONFLICT', { currentVersion })

/** 409 after every attempt lost a race to another edit (no `version` sent). */
export const editedMeanwhile = (what: 'event' | 'reward'): HttpProblem =>
  conflict(`The ${what} kept changing meanwhile; reload it and retry`, 'CONCURRENT_UPDATE')

/**
 * After an edit lost its conditional write to another edit: with a `version` sent, that is the
 * answer (409 naming the version now); without one (last write wins) the caller re-reads and retries.
 */
export async function afterLostEdit(what: 'event' | 'reward', expected: number | undefined, lostAt: number, latest: () => Promise<{ version?: number } | null>): Promise<void> {
  if (expected === undefined) return
  const doc = await latest()
  throw versionConflict(what, doc ? versionOf(doc) : lostAt + 1)
}

/** A creation or edit that landed: written to the audit log, and every catalog cache told (this one at once). */
export async function catalogWritten({ auditLog, catalog }: { auditLog: AuditLogRepository; catalog: Pick<Catalog, 'changed'> }, entry: AuditEntryDoc): Promise<void> {
  await auditLog.record(entry)
  await catalog.changed()
}
