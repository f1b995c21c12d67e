import { Type, type Static } from '@sinclair/typebox'

/** Roles are constants in code (SPEC: "not a DB table"). */
export const Role = {
  USER: 'USER',
  OPERATOR: 'OPERATOR',
  AUDITOR: 'AUDITOR',
  ADMIN: 'ADMIN',
  /** Game servers: report progress, read the catalog (events, rewards); nothing of players. */
  SERVICE: 'SERVICE',
  /** The reward-delivery system: confirms the grants it accepted with 202, nothing else. */
  DELIVERY: 'DELIVERY'
} as const
export type Role = (typeof Role)[keyof typeof Role]

export const ALL_ROLES: readonly Role[] = Object.values(Role)
/**
 * Staff: the people who run the platform. They may act on behalf of another user (name a
 * `userId` other than their own) and see what only the team sees. Machine accounts (SERVICE,
 * DELIVERY) are not staff: they read nothing of players.
 */
export const STAFF_ROLES: readonly Role[] = [Role.OPERATOR, Role.AUDITOR, Role.ADMIN]

/** One role as a plain string enum (what Ajv and OpenAPI see). */
export const RoleEnum = Type.Unsafe<Role>({ type: 'string', enum: [...ALL_ROLES], title: 'Role', examples: ['USER'] })
export const RolesSchema = Type.Array(RoleEnum, {
  minItems: 1,
  maxItems: ALL_ROLES.length,
  uniqueItems: true,
  examples: [['USER']]
})
export type Roles = Static<typeof RolesSchema>
