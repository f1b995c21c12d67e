import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from './common.js'

/** A snapshot of what changed, before or after: whatever fields the action touches. */
const Snapshot = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])

/** One entry of a service's configuration audit log: who changed what, when, before and after. */
export const AuditEntry = Type.Object(
  {
    id: ObjectIdString,
    at: DateTimeString,
    actor: Type.String({ description: 'User id of whoever made the change (token `sub`)', examples: ['682c1aaa6fb6c7f00ae8ae33'] }),
    action: Type.String({ examples: ['user.roles', 'user.status', 'delivery.pause', 'claim.resolve'] }),
    entity: Type.Object(
      {
        type: Type.String({ examples: ['user', 'delivery', 'claim'] }),
        id: Type.Union([Type.String(), Type.Null()], { description: 'null for a setting that has no id (say, delivery)' })
      },
      { additionalProperties: false, title: 'AuditEntity' }
    ),
    before: Snapshot,
    after: Snapshot
  },
  { additionalProperties: false, title: 'AuditEntry' }
)
export type AuditEntry = Static<typeof AuditEntry>

export const AuditQuery = Type.Object(
  {
    entityType: Type.Optional(Type.String({ pattern: '^[a-z][a-z_-]{0,31}$', examples: ['user'] })),
    entityId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{24}$', description: 'ObjectId of the entity' })),
    actor: Type.Optional(ObjectIdString),
    ...PageQuery
  },
  { additionalProperties: false }
)
export type AuditQuery = Static<typeof AuditQuery>
export const AuditPage = pageOf(AuditEntry, 'AuditPage')
