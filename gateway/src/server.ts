import { createAdminServer, createServer, exitOnEnvError, listenUntilSignalled, loadSheddingFromEnv, loadEnv } from '@app/platform'
import { gatewayApp } from './app.js'
import { GatewayEnv, gatewayOptionsFromEnv, trustProxyFrom } from './config.js'

let env: GatewayEnv
try {
  env = loadEnv(GatewayEnv)
} catch (error) {
  exitOnEnvError(error)
}

const options = gatewayOptionsFromEnv(env)
const server = createServer({ name: 'gateway', logLevel: env.LOG_LEVEL, bodyLimit: env.BODY_LIMIT, loadShedding: loadSheddingFromEnv(env), trustProxy: trustProxyFrom(env.TRUST_PROXY) })
await server.register(gatewayApp, options)
const admin = createAdminServer({ service: server, name: 'gateway-admin', logLevel: env.LOG_LEVEL, bodyLimit: env.BODY_LIMIT })
server.log.info({ upstreams: options.upstreams, jwksUrl: options.jwt.jwksUrl }, 'forwarding to')
await listenUntilSignalled(server, { port: env.GATEWAY_PORT, host: env.HOST, admin: { server: admin, port: env.ADMIN_PORT } })
