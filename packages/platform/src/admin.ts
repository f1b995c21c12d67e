import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { errorHandlerPlugin } from './errors.js'
import { Readiness } from './health.js'
import { createServer, requestIdPlugin, type ServerOptions } from './server.js'

export interface AdminRoutesOptions {
  /** The service whose metrics and readiness are served (its `metrics` and `health` plugins registered). */
  service: FastifyInstance
}

/** `/metrics` (Prometheus) and `/ready` (200 or 503 with each check's result) of `service`. */
export const adminRoutesPlugin = fp<AdminRoutesOptions>(
  async (admin, { service }) => {
    admin.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(service.metrics.contentType)
      return service.metrics.metrics()
    })
    admin.get('/ready', { schema: { hide: true, response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
      const readiness = await service.readiness()
      if (readiness.status !== 'ready') reply.code(503).header('retry-after', '1')
      return readiness
    })
  },
  { name: 'admin-routes', fastify: '5.x' }
)

/**
 * The internal listener of a service (ADMIN_PORT, AUTH_ADMIN_PORT, EVENT_ADMIN_PORT): what
 * Prometheus, orchestrators and the other services read. It is a server of its own so that no
 * route of the public port can reach it, and is never published (compose.yaml). Register more
 * internal routes on it (auth: the revocation feed) before it listens.
 */
export function createAdminServer({ service, ...options }: AdminRoutesOptions & Omit<ServerOptions, 'trustProxy'>) {
  const admin = createServer(options)
  void admin.register(requestIdPlugin)
  void admin.register(errorHandlerPlugin)
  void admin.register(adminRoutesPlugin, { service })
  return admin
}
