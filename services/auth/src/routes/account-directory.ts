import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { toPublicUser } from '../accounts.js'
import { listUsersSchema } from '../schemas/users.js'

/** The account directory for staff: find players by email prefix, role or tag. */
export const accountDirectoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.repositories

  app.get('/auth/users', { schema: listUsersSchema }, async (request) => {
    const page = await users.list(request.query)
    return { items: page.items.map(toPublicUser), nextCursor: page.nextCursor }
  })
}
