import { createServer, exitOnEnvError, listenUntilSignalled, loadEnv } from '@app/platform'
import { gatewayApp } from './app.js'
import { GatewayEnv, gatewayOptionsFromEnv } from './config.js'

let env: GatewayEnv
try {
  env = loadEnv(GatewayEnv)
} catch (error) {
  exitOnEnvError(error)
}

const server = createServer({ name: 'gateway', logLevel: env.LOG_LEVEL, bodyLimit: env.BODY_LIMIT })
const options = gatewayOptionsFromEnv(env)
await server.register(gatewayApp, options)
server.log.info({ upstreams: options.upstreams, jwksUrl: options.jwt.jwksUrl }, 'forwarding to')
await listenUntilSignalled(server, { port: env.GATEWAY_PORT, host: env.HOST })
