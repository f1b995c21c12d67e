import { conflict, invalidField, type AuditEntryDoc, type AuditLogRepository, type HttpProblem } from '@app/platform'
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

/**
 * A creation or edit that landed: every catalog cache told (this one at once), then the audit log
 * written. The caches first: an audit insert that fails must not leave every instance serving the
 * old catalog; the stamp is bumped even when the entry then fails.
 */
export async function catalogWritten({ auditLog, catalog }: { auditLog: AuditLogRepository; catalog: Pick<Catalog, 'changed'> }, entry: AuditEntryDoc): Promise<void> {
  try {
    await catalog.changed()
  } finally {
    await auditLog.record(entry)
  }
}

/**
 * A pre-validation hook for body fields that take a value or `null`: Ajv's type coercion would
 * turn `""`, `0` or `false` into null before the schema sees it (clearing a stock, an audience or
 * a random table by accident), so the raw body is checked first, with the schema's 400 shape.
 */
export function nullOrKind(fields: Record<string, 'number' | 'object'>) {
  return async (request: { body: unknown }) => {
    const body = request.body
    if (!body || typeof body !== 'object') return
    for (const [field, kind] of Object.entries(fields)) {
      const value = (body as Record<string, unknown>)[field]
      if (value === undefined || value === null) continue
      const fits = kind === 'object' ? typeof value === 'object' && !Array.isArray(value) : typeof value === kind
      if (!fits) throw invalidField(`body.${field}`, `must be ${kind === 'object' ? 'an object' : 'a number'} or null`)
    }
  }
}
