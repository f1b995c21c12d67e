import type { FastifyInstance } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { revocationsSchema } from '../schemas/users.js'

/**
 * The revocation feed the other services poll (platform `fetchRevocationFeed`): which accounts
 * changed lately, ids and versions, no more. Registered on auth's internal listener, never on
 * the public port: it needs no token, so it must be reachable only from inside.
 */
export const revocationFeedRoutes: FastifyPluginAsyncTypebox<{ service: FastifyInstance }> = async (admin, { service }) => {
  admin.get('/internal/revocations', { schema: { ...revocationsSchema, hide: true } }, async () => {
    const now = service.clock()
    return { entries: await service.repositories.revocations.active(now), generatedAt: now.toISOString() }
  })
}
