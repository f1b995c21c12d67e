import { ALL_ROLES, Role } from '@app/contracts'
import { PUBLIC, allow, type AccessTable } from '@app/platform'
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

export const UPSTREAM_MOUNTS: readonly UpstreamMount[] = [
  { upstream: 'auth', gatewayPrefix: '/auth', upstreamPrefix: '/auth' },
  { upstream: 'event', gatewayPrefix: '/event-gateway', upstreamPrefix: '' }
]

/** Every role but DELIVERY, the delivery system, which only confirms deliveries. */
const EVERYONE = allow(...ALL_ROLES.filter((role) => role !== Role.DELIVERY))
const EDITORS = allow(Role.OPERATOR, Role.ADMIN)
const STAFF = allow(Role.OPERATOR, Role.AUDITOR, Role.ADMIN)

/**
 * The public API, the one place to change it: every route the gateway forwards and who may
 * call it. Nothing else is forwarded (404), and the upstream of a route follows from its mount.
 * The services check again, including ownership ("own claims", "own progress"); the gateway
 * turns away callers whose role can never pass, before the upstream sees them.
 */
export const ROUTE_TABLE: AccessTable = {
  // Public: sign-up (auth lets only an ADMIN token create privileged accounts); refresh and
  // logout carry a refresh token, which only auth can check.
  'POST /auth/users': PUBLIC,
  'POST /auth/login': PUBLIC,
  'POST /auth/refresh': PUBLIC,
  'POST /auth/logout': PUBLIC,
  'GET /auth/users/me': EVERYONE,
  'PATCH /auth/users/:id/roles': allow(Role.ADMIN),
  'PATCH /auth/users/:id/status': allow(Role.ADMIN),
  'DELETE /auth/users/:id/sessions': allow(Role.ADMIN),
  'GET /auth/audit': allow(Role.AUDITOR, Role.ADMIN),

  'GET /event-gateway/event': EVERYONE,
  'GET /event-gateway/event/:id': EVERYONE,
  'POST /event-gateway/event': EDITORS,
  'PATCH /event-gateway/event/:id': EDITORS,

  'GET /event-gateway/rewards': EVERYONE,
  'GET /event-gateway/rewards/:id': EVERYONE,
  'POST /event-gateway/rewards': EDITORS,

  'GET /event-gateway/user-events': EVERYONE,
  'POST /event-gateway/user-events/process': allow(Role.SERVICE, Role.OPERATOR, Role.ADMIN),
  'POST /event-gateway/user-events/check-in': allow(Role.USER),

  'GET /event-gateway/user-reward-claims': STAFF,
  'POST /event-gateway/user-reward-claims': allow(Role.USER),
  'GET /event-gateway/user-reward-claims/me': EVERYONE,
  'GET /event-gateway/user-reward-claims/:id': EVERYONE,
  'PATCH /event-gateway/user-reward-claims/:id/approve': EDITORS,
  'PATCH /event-gateway/user-reward-claims/:id/reject': EDITORS,
  'PATCH /event-gateway/user-reward-claims/:id/retry': EDITORS,
  'PATCH /event-gateway/user-reward-claims/:id/resolve': EDITORS,
  // The reward-delivery system confirms a grant here, and nothing else.
  'POST /event-gateway/user-reward-claims/:id/delivery': allow(Role.DELIVERY),

  'GET /event-gateway/delivery': STAFF,
  'PATCH /event-gateway/delivery': allow(Role.ADMIN)
}

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
