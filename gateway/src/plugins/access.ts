import fp from 'fastify-plugin'
import { authenticatePlugin, createJwksClient } from '@app/platform'
import { ROUTE_TABLE } from '../access.js'

export interface AccessOptions {
  jwksUrl: string
  issuer: string
  audience: string
  /** How soon an unknown `kid` may trigger another JWKS fetch (platform default 5 s). */
  jwksMinRefetchIntervalMs?: number
  verifiedTokenCacheSize?: number
}

/**
 * Verifies access tokens against the auth service's JWKS and enforces the route table before
 * anything is forwarded: deny by default, a forwarded route without a rule stops the start.
 * Keys are fetched on first use, so the gateway starts while auth is still down.
 */
export const accessPlugin = fp<AccessOptions>(
  async (app, { jwksUrl, issuer, audience, jwksMinRefetchIntervalMs, verifiedTokenCacheSize }) => {
    const jwks = createJwksClient({
      url: jwksUrl,
      ...(jwksMinRefetchIntervalMs === undefined ? {} : { minRefetchIntervalMs: jwksMinRefetchIntervalMs })
    })
    await app.register(authenticatePlugin, {
      issuer,
      audience,
      publicKeyFor: (kid) => jwks.publicKeyFor(kid),
      access: ROUTE_TABLE,
      ...(verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize })
    })
  },
  { name: 'access', dependencies: ['error-handler'], fastify: '5.x' }
)
