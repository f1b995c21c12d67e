import { Type, type Static } from '@sinclair/typebox'

/** Roles are constants in code (SPEC: "not a DB table"). */
export const Role = {
  USER: 'USER',
  OPERATOR: 'OPERATOR',
  AUDITOR: 'AUDITOR',
  ADMIN: 'ADMIN',
  /** Game servers: report progress, read the catalog. */
  SERVICE: 'SERVICE',
  /** The reward-delivery system: confirms the grants it accepted with 202, nothing else. */
  DELIVERY: 'DELIVERY'
} as const
export type Role = (typeof Role)[keyof typeof Role]

export const ALL_ROLES: readonly Role[] = Object.values(Role)
/** Roles that may act on behalf of another user (name a `userId` other than their own). */
export const STAFF_ROLES: readonly Role[] = [Role.OPERATOR, Role.AUDITOR, Role.ADMIN, Role.SERVICE]

/** One role as a plain string enum (what Ajv and OpenAPI see). */
export const RoleEnum = Type.Unsafe<Role>({ type: 'string', enum: [...ALL_ROLES], title: 'Role', examples: ['USER'] })
export const RolesSchema = Type.Array(RoleEnum, {
  minItems: 1,
  maxItems: ALL_ROLES.length,
  uniqueItems: true,
  examples: [['USER']]
})
export type Roles = Static<typeof RolesSchema>
