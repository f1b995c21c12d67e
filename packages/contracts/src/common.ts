import { Type, type Static } from '@sinclair/typebox'

/** A MongoDB ObjectId as 24 hex characters; anything else is a 400 before any query runs. */
export const ObjectIdString = Type.String({
  pattern: '^[0-9a-fA-F]{24}$',
  description: 'ObjectId (24 hex characters)',
  examples: ['682c1aaa6fb6c7f00ae8ae33']
})
export const IdParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false })
export type IdParams = Static<typeof IdParams>

export const DateTimeString = Type.String({ format: 'date-time', examples: ['2025-05-11T06:09:53.361Z'] })

/** Cursor pagination: opaque cursor + limit ≤ 100. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }))
}
/** One page of a list, named `<Thing>Page`: `nextCursor` is null on the last page. */
export const pageOf = <T extends import('@sinclair/typebox').TSchema>(item: T, title: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last one' })
    },
    { additionalProperties: false, title }
  )
