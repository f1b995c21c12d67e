import type { Filter } from 'mongodb'

/**
 * Edits of events and bundles (SPEC v2, *Edits*): each document carries `version`, 1 when
 * created and raised by every edit. Documents written before versions existed have none and
 * read as version 1, so old data needs no migration; their first edit writes version 2.
 */
export const versionOf = (doc: { version?: number | undefined }): number => doc.version ?? 1

/** Matches the document only while it is still at `version` (an edit conditional on it). */
export const atVersion = (version: number): Filter<{ version?: number }> =>
  version === 1 ? { $or: [{ version: 1 }, { version: { $exists: false } }] } : { version }
