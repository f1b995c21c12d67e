import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

/**
 * Helmet's defaults on every reply. Its CSP already lets Swagger UI run (scripts and styles
 * from 'self', inline styles, data: images); only `upgrade-insecure-requests` goes: the
 * gateway speaks plain HTTP (TLS, if any, ends in front of it), and a browser told to upgrade
 * would fetch Swagger UI's assets over https and get nothing.
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }
    })
  },
  { name: 'security-headers', fastify: '5.x' }
)
