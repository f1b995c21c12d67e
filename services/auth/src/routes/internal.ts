import type { FastifyInstance } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { notFound } from '@app/platform'
import { tagsOf } from '../repositories/users.js'
import { accountTagsRecordSchema, revocationsSchema } from '../schemas/users.js'

/**
 * What the other services ask auth for, on auth's internal listener, never on the public port:
 * these need no token, so they must be reachable only from inside.
 */
export const internalRoutes: FastifyPluginAsyncTypebox<{ service: FastifyInstance }> = async (admin, { service }) => {
  // The revocation feed the gateway and the event service poll (platform `fetchRevocationFeed`):
  // which accounts changed lately, ids and versions, no more.
  admin.get('/internal/revocations', { schema: { ...revocationsSchema, hide: true } }, async () => {
    const now = service.clock()
    return { entries: await service.repositories.revocations.active(now), generatedAt: now.toISOString() }
  })

  // An account's tags as they are now: the event service's eligibility dry run judges an event's
  // audience for a player it knows only by id (a claim judges it from the player's token).
  admin.get('/internal/users/:id/tags', { schema: { ...accountTagsRecordSchema, hide: true } }, async (request) => {
    const user = await service.repositories.users.findById(new ObjectId(request.params.id))
    if (!user) throw notFound('No account with this id', 'USER_NOT_FOUND')
    return { userId: user._id.toHexString(), tags: tagsOf(user) }
  })
}
