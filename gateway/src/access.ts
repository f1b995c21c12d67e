import { SERVICE_MOUNTS, type AccessTable } from '@app/contracts'
import type { UpstreamName } from './config.js'

/**
 * Where each upstream lives in the public URL space: a gateway path under `gatewayPrefix` is
 * forwarded with that prefix replaced by `upstreamPrefix`.
 */
export interface UpstreamMount {
  upstream: UpstreamName
  gatewayPrefix: string
  upstreamPrefix: string
}

export const UPSTREAM_MOUNTS: readonly UpstreamMount[] = SERVICE_MOUNTS.map(({ service, gatewayPrefix, servicePrefix }) => ({
  upstream: service,
  gatewayPrefix,
  upstreamPrefix: servicePrefix
}))

/** A service route key (`GET /event/:id`) as the gateway serves it (`GET /event-gateway/event/:id`). */
function gatewayKey(serviceKey: string, gatewayPrefix: string, servicePrefix: string): string {
  const [method, path = ''] = serviceKey.split(' ')
  if (!path.startsWith(servicePrefix)) throw new Error(`Route "${serviceKey}" is outside its service's prefix "${servicePrefix}"`)
  return `${method} ${gatewayPrefix}${path.slice(servicePrefix.length)}`
}

/**
 * The public API as the gateway sees it: the services' route definitions (packages/contracts)
 * under their mounts, with the same rules. Nothing else is forwarded (404). The services check
 * again, including ownership ("own claims", "own progress"); the gateway turns away callers
 * whose role can never pass, before the upstream sees them.
 */
export const ROUTE_TABLE: AccessTable = Object.fromEntries(
  SERVICE_MOUNTS.flatMap(({ gatewayPrefix, servicePrefix, routes }) =>
    Object.entries(routes).map(([key, rule]) => [gatewayKey(key, gatewayPrefix, servicePrefix), rule])
  )
)

export interface ForwardedRoute {
  method: string
  /** The gateway path, relative to the mount's prefix (`/event/:id`). */
  path: string
  mount: UpstreamMount
}

export function mountOf(gatewayPath: string): UpstreamMount | undefined {
  return UPSTREAM_MOUNTS.find(
    ({ gatewayPrefix }) => gatewayPath === gatewayPrefix || gatewayPath.startsWith(`${gatewayPrefix}/`)
  )
}

/** The table as routes; a key outside every mount is a mistake that must stop the start. */
export function forwardedRoutes(table: AccessTable = ROUTE_TABLE): ForwardedRoute[] {
  return Object.keys(table).map((key) => {
    const [method, gatewayPath, ...rest] = key.split(' ')
    const mount = gatewayPath === undefined ? undefined : mountOf(gatewayPath)
    if (!method || !gatewayPath || rest.length > 0 || !mount) {
      throw new Error(`Route table key "${key}" is not "METHOD /path" under ${UPSTREAM_MOUNTS.map((m) => m.gatewayPrefix).join(' or ')}`)
    }
    return { method, path: gatewayPath.slice(mount.gatewayPrefix.length), mount }
  })
}
