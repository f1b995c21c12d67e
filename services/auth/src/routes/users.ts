import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { Role, type CreateUserBody } from '@app/contracts'
import { conflict, notFound, verifyAccessToken } from '@app/platform'
import { toPublicUser } from '../accounts.js'
import { createUserSchema, currentUserSchema } from '../schemas/users.js'

/** `roles` and the seed's single `role` together; neither means USER. */
function requestedRoles({ roles = [], role }: CreateUserBody): Role[] {
  const requested = new Set([...roles, ...(role ? [role] : [])])
  return requested.size > 0 ? [...requested] : [Role.USER]
}

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.repositories

  app.post('/auth/users', { schema: createUserSchema }, async (request, reply) => {
    // A token is optional here, but one that is sent must be valid: a silently ignored
    // expired ADMIN token would create a USER where the caller meant an OPERATOR.
    const caller = request.headers.authorization === undefined ? undefined : await verifyAccessToken(request)
    const byAdmin = caller?.roles.includes(Role.ADMIN) === true
    if (!byAdmin) await app.signupLimit(request, reply)
    const roles = byAdmin ? requestedRoles(request.body) : [Role.USER]
    const passwordHash = await app.passwords.hash(request.body.password, byAdmin ? 'priority' : 'signup')
    const user = await users.create({ email: request.body.email, passwordHash, roles })
    if (!user) throw conflict('An account with this email already exists', 'EMAIL_TAKEN')
    return reply.code(201).send(toPublicUser(user))
  })

  app.get('/auth/users/me', { schema: currentUserSchema }, async (request) => {
    const user = await users.findById(new ObjectId(request.user.sub))
    if (!user) throw notFound('The account of this token no longer exists', 'USER_NOT_FOUND')
    return toPublicUser(user)
  })
}
