import { isDeepStrictEqual } from 'node:util'
import { ObjectId } from 'mongodb'

/** A value as the audit log shows it: dates as ISO strings, ids as hex. */
function auditValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof ObjectId) return value.toHexString()
  if (Array.isArray(value)) return value.map(auditValue)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, auditValue(inner)]))
  return value ?? null
}

/** The fields of `keys` that differ between the two versions, each side as the audit log shows it (SPEC v2: before/after). */
export function changedFields<T extends object>(before: T, after: T, keys: readonly (keyof T & string)[]) {
  const changed = keys.filter((key) => !isDeepStrictEqual(auditValue(before[key]), auditValue(after[key])))
  return {
    changed,
    before: Object.fromEntries(changed.map((key) => [key, auditValue(before[key])])),
    after: Object.fromEntries(changed.map((key) => [key, auditValue(after[key])]))
  }
}

/** A whole document as the audit log shows it (a creation's `after`). */
export const auditSnapshot = (doc: object): Record<string, unknown> => auditValue(doc) as Record<string, unknown>
