import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SigningKey } from '../signing-key.js'
import { jwksSchema } from '../schemas/jwks.js'

/** Other services verify access tokens with these keys (platform `createJwksClient`). */
export const jwksRoutes: FastifyPluginAsyncTypebox<{ signingKey: SigningKey }> = async (app, { signingKey }) => {
  app.get('/.well-known/jwks.json', { schema: jwksSchema }, async (_request, reply) => {
    // Short enough that a rotated key is picked up quickly; clients refetch on an unknown kid anyway.
    reply.header('cache-control', 'public, max-age=300')
    return { keys: [signingKey.publicJwk] }
  })
}
