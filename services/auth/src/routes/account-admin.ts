import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { Role } from '@app/contracts'
import { conflict, notFound } from '@app/platform'
import { toPublicUser } from '../accounts.js'
import type { UserChange } from '../repositories/users.js'
import { auditSchema, endSessionsSchema, updateRolesSchema, updateStatusSchema } from '../schemas/users.js'

export interface AccountAdminOptions {
  /** How long a revocation must be published: the access-token lifetime (older tokens have expired). */
  accessTokenTtlSeconds: number
}

/**
 * What staff do to accounts — roles, disabling, ending sessions — and what makes those changes
 * take effect everywhere: each raises the account's token version and publishes the new
 * minimum on the revocation feed that every service polls (routes/revocation-feed.ts, on the
 * internal listener); each is written to the audit log.
 */
export const accountAdminRoutes: FastifyPluginAsyncTypebox<AccountAdminOptions> = async (app, { accessTokenTtlSeconds }) => {
  const { users, sessions, revocations, auditLog } = app.repositories
  // One access-token lifetime, plus a minute for a token signed with the old version by a login or
  // refresh that read the account just before the change and finished just after it.
  const revocationLifetimeMs = accessTokenTtlSeconds * 1000 + 60_000

  /** Publishes the change's new token version, then audits it. */
  async function publish(change: UserChange, entry: { actor: string; action: string; before: Record<string, unknown>; after: Record<string, unknown> }, now: Date) {
    const userId = change.after._id.toHexString()
    await revocations.record(userId, change.after.tokenVersion ?? 0, now, revocationLifetimeMs)
    await auditLog.record({ ...entry, at: now, entity: { type: 'user', id: userId } })
  }

  app.patch('/auth/users/:id/roles', { schema: updateRolesSchema }, async (request) => {
    const id = request.params.id.toLowerCase()
    const { roles } = request.body
    if (id === request.user.sub && !roles.includes(Role.ADMIN)) {
      throw conflict('You cannot remove ADMIN from your own account', 'SELF_DEMOTION')
    }
    const now = app.clock()
    const change = await users.setRoles(new ObjectId(id), roles, now)
    if (!change) throw notFound('No account with this id', 'USER_NOT_FOUND')
    await publish(change, { actor: request.user.sub, action: 'user.roles', before: { roles: change.before.roles }, after: { roles } }, now)
    return toPublicUser(change.after)
  })

  app.patch('/auth/users/:id/status', { schema: updateStatusSchema }, async (request) => {
    const id = request.params.id.toLowerCase()
    const { disabled } = request.body
    if (id === request.user.sub && disabled) throw conflict('You cannot disable your own account', 'SELF_DISABLE')
    const now = app.clock()
    const change = await users.setDisabled(new ObjectId(id), disabled, now)
    if (change === null) throw notFound('No account with this id', 'USER_NOT_FOUND')
    if ('unchanged' in change) {
      const user = change.unchanged
      // A repeat of a disable whose first try failed after the change but before its revocation
      // was published: publish it now (again is harmless). Nothing is audited twice.
      if (user.disabled) await revocations.record(user._id.toHexString(), user.tokenVersion ?? 0, now, revocationLifetimeMs)
      return toPublicUser(user)
    }
    await publish(change, { actor: request.user.sub, action: 'user.status', before: { disabled: !disabled }, after: { disabled } }, now)
    return toPublicUser(change.after)
  })

  app.delete('/auth/users/:id/sessions', { schema: endSessionsSchema }, async (request) => {
    const id = new ObjectId(request.params.id.toLowerCase())
    const now = app.clock()
    if (!(await users.findById(id))) throw notFound('No account with this id', 'USER_NOT_FOUND')
    // Sessions first, then the version (see the tokens plugin: a racing refresh reads the account
    // before it checks the session, so it cannot get a token of the new version).
    const revoked = await sessions.revokeAllOf(id, 'staff', now)
    const change = await users.endTokens(id, now)
    if (!change) throw notFound('No account with this id', 'USER_NOT_FOUND')
    await publish(change, { actor: request.user.sub, action: 'user.sessions', before: { openSessions: revoked }, after: { openSessions: 0 } }, now)
    return { revoked }
  })

  app.get('/auth/audit', { schema: auditSchema }, async (request) => auditLog.list(request.query))
}
