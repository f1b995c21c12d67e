import fp from 'fastify-plugin'
import { authenticatePlugin, createJwksClient, createRevocationFeedClient, fetchRevocationFeed, revocationFeedPlugin } from '@app/platform'
import { ROUTE_TABLE } from '../access.js'
import type { GatewayOptions } from '../config.js'
import { CONSOLE_PATH } from './console.js'

export type AccessOptions = GatewayOptions['jwt']

/**
 * Verifies access tokens against the auth service's JWKS and enforces the route table before
 * anything is forwarded: deny by default, a forwarded route without a rule stops the start.
 * Keys are fetched on first use, so the gateway starts while auth is still down.
 */
export const accessPlugin = fp<AccessOptions>(
  async (app, { jwksUrl, issuer, audience, jwksMinRefetchIntervalMs, verifiedTokenCacheSize, revocationsUrl, revocationPollIntervalMs }) => {
    const jwks = createJwksClient({
      url: jwksUrl,
      ...(jwksMinRefetchIntervalMs === undefined ? {} : { minRefetchIntervalMs: jwksMinRefetchIntervalMs })
    })
    const revocations = createRevocationFeedClient(fetchRevocationFeed(revocationsUrl), app.log)
    await app.register(revocationFeedPlugin, { client: revocations, intervalMs: revocationPollIntervalMs, metricsPrefix: 'gateway_' })
    await app.register(authenticatePlugin, {
      issuer,
      audience,
      publicKeyFor: (kid) => jwks.publicKeyFor(kid),
      access: ROUTE_TABLE,
      revocations: revocations.view,
      // The console is a page the gateway serves itself; its API calls go through the table.
      publicPages: [CONSOLE_PATH],
      ...(verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize })
    })
  },
  { name: 'access', dependencies: ['error-handler', 'metrics'], fastify: '5.x' }
)
