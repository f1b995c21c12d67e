import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { Role, type CreateUserBody, type PublicUser } from '@app/contracts'
import { conflict, notFound, verifyAccessToken } from '@app/platform'
import type { UserDocument } from '../repositories/users.js'
import { createUserSchema, currentUserSchema, updateRolesSchema } from '../schemas/users.js'

/** The only shape in which an account leaves the service: never a hash. */
const toPublicUser = (user: UserDocument): PublicUser => ({
  id: user._id.toHexString(),
  email: user.email,
  roles: user.roles,
  createdAt: user.createdAt.toISOString()
})

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
    const roles = caller?.roles.includes(Role.ADMIN) ? requestedRoles(request.body) : [Role.USER]
    const passwordHash = await app.passwords.hash(request.body.password)
    const user = await users.create({ email: request.body.email, passwordHash, roles })
    if (!user) throw conflict('An account with this email already exists', 'EMAIL_TAKEN')
    return reply.code(201).send(toPublicUser(user))
  })

  app.get('/auth/users/me', { schema: currentUserSchema }, async (request) => {
    const user = await users.findById(new ObjectId(request.user.sub))
    if (!user) throw notFound('The account of this token no longer exists', 'USER_NOT_FOUND')
    return toPublicUser(user)
  })

  app.patch('/auth/users/:id/roles', { schema: updateRolesSchema }, async (request) => {
    const id = request.params.id.toLowerCase()
    const { roles } = request.body
    if (id === request.user.sub && !roles.includes(Role.ADMIN)) {
      throw conflict('You cannot remove ADMIN from your own account', 'SELF_DEMOTION')
    }
    const user = await users.setRoles(new ObjectId(id), roles)
    if (!user) throw notFound('No account with this id', 'USER_NOT_FOUND')
    return toPublicUser(user)
  })
}
