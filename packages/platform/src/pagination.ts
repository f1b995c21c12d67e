import { ObjectId, type Collection, type Document, type Filter, type WithId } from 'mongodb'
import { badRequest } from './errors.js'

export interface PageRequest {
  limit?: number | undefined
  cursor?: string | undefined
}
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const DEFAULT_LIMIT = 20

/** Cursors are the last seen `_id`, base64url-encoded: opaque to clients, cheap to seek with. */
export const encodeCursor = (id: ObjectId): string => Buffer.from(id.id).toString('base64url')

export function decodeCursor(cursor: string): ObjectId {
  const bytes = Buffer.from(cursor, 'base64url')
  if (bytes.length !== 12) throw badRequest('The cursor is not one this service issued', 'INVALID_CURSOR')
  return new ObjectId(bytes)
}

/** Newest first, `limit` at a time; `nextCursor` is null on the last page. */
export async function findPage<T extends Document & { _id: ObjectId }>(
  collection: Collection<T>,
  filter: Filter<T>,
  { limit = DEFAULT_LIMIT, cursor }: PageRequest,
  /** Fields to leave out or keep (a find projection); the documents are typed as whole all the same. */
  projection?: Document
): Promise<Page<WithId<T>>> {
  const seek = cursor === undefined ? filter : ({ $and: [filter, { _id: { $lt: decodeCursor(cursor) } }] } as Filter<T>)
  const docs = await collection
    .find(seek, projection ? { projection } : {})
    .sort({ _id: -1 })
    .limit(limit + 1)
    .toArray()
  const items = docs.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: docs.length > limit && last ? encodeCursor(last._id) : null }
}
