import fp from 'fastify-plugin'
import { errorHandlerPlugin, healthPlugin, metricsPlugin, requestIdPlugin } from '@app/platform'
import type { GatewayOptions, UpstreamName } from './config.js'
import { accessPlugin } from './plugins/access.js'
import { apiDocsPlugin } from './plugins/api-docs.js'
import { breakersPlugin } from './plugins/breakers.js'
import { consolePlugin } from './plugins/console.js'
import { proxyPlugin } from './plugins/proxy.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { securityHeadersPlugin } from './plugins/security-headers.js'

const HEALTH_CHECK_TIMEOUT_MS = 1_000

/** An upstream is ready when its own `/health` answers 2xx. */
const upstreamHealth = (baseUrl: string) => async () => {
  const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(HEALTH_CHECK_TIMEOUT_MS) }).catch(() => {
    throw new Error('unreachable')
  })
  if (!response.ok) throw new Error(`answered ${response.status}`)
}

/**
 * The gateway: the only public entry. Plugins are registered in the order their request hooks
 * must run: request id, security headers, rate limit, then the access check, then the proxy.
 * The gateway's own pages (API docs, the operator console) are outside the access table.
 */
export const gatewayApp = fp<GatewayOptions>(
  async (app, options) => {
    const { upstreams } = options
    const upstreamNames = Object.keys(upstreams) as UpstreamName[]

    await app.register(requestIdPlugin)
    await app.register(errorHandlerPlugin)
    await app.register(metricsPlugin, { prefix: 'gateway_' })
    await app.register(securityHeadersPlugin)
    await app.register(rateLimitPlugin, options.rateLimit)
    await app.register(breakersPlugin, { upstreams: upstreamNames, settings: options.breaker })
    await app.register(healthPlugin, {
      checks: Object.fromEntries(upstreamNames.map((name) => [name, upstreamHealth(upstreams[name])]))
    })
    await app.register(apiDocsPlugin, { upstreams, cacheTtlMs: options.apiDocsCacheTtlMs })
    await app.register(consolePlugin, { dir: options.consoleDir })
    await app.register(accessPlugin, options.jwt)
    await app.register(proxyPlugin, { upstreams, timeoutMs: options.upstreamTimeoutMs })
  },
  { name: 'gateway', fastify: '5.x' }
)
