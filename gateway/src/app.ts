import fp from 'fastify-plugin'
import { errorHandlerPlugin, healthPlugin, metricsPlugin, requestIdPlugin } from '@app/platform'
import type { GatewayOptions, UpstreamName } from './config.js'
import { accessPlugin } from './plugins/access.js'
import { apiDocsPlugin } from './plugins/api-docs.js'
import { breakersPlugin, type UpstreamInstance, type UpstreamPool } from './plugins/breakers.js'
import { consolePlugin } from './plugins/console.js'
import { proxyPlugin } from './plugins/proxy.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { securityHeadersPlugin } from './plugins/security-headers.js'

const HEALTH_CHECK_TIMEOUT_MS = 1_000

/** An instance is healthy when its own `/health` answers 2xx and its breaker is not open. */
async function instanceHealth(instance: UpstreamInstance): Promise<string> {
  if (instance.state() === 'open') return 'breaker open'
  const response = await fetch(`${instance.url}/health`, { signal: AbortSignal.timeout(HEALTH_CHECK_TIMEOUT_MS) }).catch(() => undefined)
  if (!response) return 'unreachable'
  await response.arrayBuffer()
  return response.ok ? 'ok' : `answered ${response.status}`
}

/**
 * Readiness per upstream: ready while one instance is healthy (the proxy balances over those);
 * what each instance answered is kept for `/ready`'s `instances`.
 */
function upstreamReadiness(pools: Record<UpstreamName, UpstreamPool>) {
  const found: Record<string, string> = {}
  const checks = Object.fromEntries(
    Object.values(pools).map((pool) => [
      pool.name,
      async () => {
        const results = await Promise.all(pool.instances.map(instanceHealth))
        pool.instances.forEach((instance, index) => (found[`${pool.name} ${instance.url}`] = results[index]!))
        if (!results.includes('ok')) throw new Error(results.length === 1 ? results[0] : `no healthy instance (${results.join('; ')})`)
      }
    ])
  )
  return { checks, instances: () => ({ ...found }) }
}

/**
 * The gateway: the only public entry. Plugins are registered in the order their request hooks
 * must run: request id, security headers, rate limit, then the access check, then the proxy.
 * The gateway's own pages (API docs, the operator console) are outside the access table.
 */
export const gatewayApp = fp<GatewayOptions>(
  async (app, options) => {
    const { upstreams } = options

    await app.register(requestIdPlugin)
    await app.register(errorHandlerPlugin)
    await app.register(metricsPlugin, { prefix: 'gateway_' })
    await app.register(securityHeadersPlugin)
    await app.register(rateLimitPlugin, options.rateLimit)
    await app.register(breakersPlugin, { upstreams, settings: options.breaker })
    await app.register(healthPlugin, upstreamReadiness(app.upstreamPools))
    await app.register(apiDocsPlugin, { upstreams, cacheTtlMs: options.apiDocsCacheTtlMs })
    await app.register(consolePlugin, { dir: options.consoleDir })
    await app.register(accessPlugin, options.jwt)
    await app.register(proxyPlugin, { upstreams, timeoutMs: options.upstreamTimeoutMs })
  },
  { name: 'gateway', fastify: '5.x' }
)
