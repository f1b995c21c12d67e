import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { loadSheddingPlugin, type LoadSheddingOptions } from './load-shedding.js'
import { loggerOptions, requestIdFrom, REQUEST_ID_HEADER } from './logger.js'

export interface ServerOptions {
  name: string
  logLevel: string
  bodyLimit: number
  /** Proxies whose X-Forwarded-For is believed (Fastify `trustProxy`); unset → none. */
  trustProxy?: FastifyServerOptions['trustProxy']
  /** Shed load with 503 OVERLOADED past these thresholds (every public listener; never the internal one). */
  loadShedding?: LoadSheddingOptions
}

/**
 * Fastify options shared by every process. `removeAdditional: false` makes an unknown field a
 * 400 instead of silently stripping it (which also breaks `oneOf` unions, ajv#1784), and
 * `discriminator: true` lets unions pick their branch by `type`.
 */
export function serverOptions({ name, logLevel, bodyLimit, trustProxy = false }: ServerOptions): FastifyServerOptions {
  return {
    trustProxy,
    logger: loggerOptions(logLevel, name),
    bodyLimit,
    requestIdHeader: false,
    genReqId: requestIdFrom,
    // Per-request lines only when debugging: at load they cost more than the requests themselves.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: logLevel !== 'debug' && logLevel !== 'trace'
    }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, discriminator: true, allErrors: false } }
  }
}

export function createServer(options: ServerOptions) {
  const app = Fastify(serverOptions(options)).withTypeProvider<TypeBoxTypeProvider>()
  if (options.loadShedding) void app.register(loadSheddingPlugin, { metricsPrefix: `${options.name}_`, ...options.loadShedding })
  return app
}

/** Echoes the request id so a client can quote it; ids are accepted from callers or generated. */
export const requestIdPlugin = fp(
  async (app) => {
    // A callback hook, not an async one: no promise and no extra tick on every request.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id)
      done()
    })
  },
  { name: 'request-id', fastify: '5.x' }
)

/**
 * Listens (the public port, then the internal listener if there is one), and closes gracefully
 * on SIGTERM/SIGINT: stop accepting, finish in-flight requests, run onClose hooks (DB, timers),
 * then exit. A second signal or a stuck close forces the exit.
 */
export async function listenUntilSignalled(
  app: FastifyInstance,
  { port, host, admin, onClosed }: { port: number; host: string; admin?: { server: FastifyInstance; port: number }; onClosed?: () => Promise<void> }
): Promise<void> {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1)
    closing = true
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000).unref()
    try {
      await admin?.server.close()
      await app.close()
      await onClosed?.()
      clearTimeout(force)
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))
  await app.listen({ port, host })
  if (admin) await admin.server.listen({ port: admin.port, host })
}
