import { Role } from './roles.js'

/** `public`: no token needed. `roles`: a valid access token carrying one of them. */
export type AccessRule = { readonly public: true } | { readonly roles: readonly Role[] }
/** Keys are `METHOD /route/:pattern` exactly as registered. Anything missing is refused. */
export type AccessTable = Readonly<Record<string, AccessRule>>

export const PUBLIC: AccessRule = { public: true }
export const allow = (...roles: Role[]): AccessRule => ({ roles })

const { USER, OPERATOR, AUDITOR, ADMIN, SERVICE, DELIVERY } = Role
/** People with an account of their own: players and staff. Each may read what is theirs. */
const PEOPLE = allow(USER, OPERATOR, AUDITOR, ADMIN)
/** The catalog (events, rewards): people, and game servers, which read nothing of players. */
const CATALOG_READERS = allow(USER, OPERATOR, AUDITOR, ADMIN, SERVICE)
const EDITORS = allow(OPERATOR, ADMIN)
const STAFF = allow(OPERATOR, AUDITOR, ADMIN)

/**
 * Who may call what: the one definition of every public route (SPEC, Roles and the API tables),
 * keyed by the path the owning service registers. The service enforces it as it stands; the
 * gateway forwards exactly these routes under the service's mount and enforces the same rule
 * first. A route a service registers without a rule stops it from starting.
 */
export const AUTH_ROUTES = {
  // Public: sign-up (only an ADMIN token may ask for privileged roles); refresh and logout carry
  // a refresh token, which only auth can check.
  'POST /auth/users': PUBLIC,
  'POST /auth/login': PUBLIC,
  'POST /auth/refresh': PUBLIC,
  'POST /auth/logout': PUBLIC,
  // Machine accounts (SERVICE, DELIVERY) read no accounts, their own included.
  'GET /auth/users/me': PEOPLE,
  // The account directory and audience tags: OPERATOR "tag accounts", AUDITOR reads "the account directory".
  'GET /auth/users': STAFF,
  'PATCH /auth/users/:id/tags': EDITORS,
  'POST /auth/users/tags': EDITORS,
  'PATCH /auth/users/:id/roles': allow(ADMIN),
  'PATCH /auth/users/:id/status': allow(ADMIN),
  'DELETE /auth/users/:id/sessions': allow(ADMIN),
  'GET /auth/audit': allow(AUDITOR, ADMIN)
} as const satisfies AccessTable

export const EVENT_ROUTES = {
  'GET /event': CATALOG_READERS,
  'GET /event/:id': CATALOG_READERS,
  'POST /event': EDITORS,
  'PATCH /event/:id': EDITORS,
  'GET /event/:id/stats': STAFF,

  'GET /rewards': CATALOG_READERS,
  'GET /rewards/:id': CATALOG_READERS,
  'POST /rewards': EDITORS,
  // The support dry run reads a player's progress and claims: staff only.
  'GET /rewards/:id/eligibility': STAFF,
  'PATCH /rewards/:id': EDITORS,

  // Progress is players' data: a USER reads their own, staff anyone's; game servers only report.
  'GET /user-events': PEOPLE,
  'POST /user-events/process': allow(SERVICE, OPERATOR, ADMIN),
  'POST /user-events/process/batch': allow(SERVICE, OPERATOR, ADMIN),
  'POST /user-events/check-in': allow(USER),

  'GET /user-reward-claims': STAFF,
  'POST /user-reward-claims': allow(USER),
  'GET /user-reward-claims/me': PEOPLE,
  // The owner or staff (checked by the handler).
  'GET /user-reward-claims/:id': PEOPLE,
  'PATCH /user-reward-claims/:id/approve': EDITORS,
  'PATCH /user-reward-claims/:id/reject': EDITORS,
  'PATCH /user-reward-claims/:id/retry': EDITORS,
  'PATCH /user-reward-claims/:id/resolve': EDITORS,
  'POST /user-reward-claims/bulk-approve': EDITORS,
  'POST /user-reward-claims/bulk-reject': EDITORS,
  // The reward-delivery system confirms a grant here, and calls nothing else.
  'POST /user-reward-claims/:id/delivery': allow(DELIVERY),

  // Granted rewards: the player's own (USER, as the SPEC's table says), any player's for staff;
  // make-good grants by editors.
  'GET /user-rewards/me': allow(USER),
  'GET /user-rewards': STAFF,
  'POST /user-rewards/grants': EDITORS,

  'GET /delivery': STAFF,
  'PATCH /delivery': allow(ADMIN),

  // The configuration audit log: AUDITOR reads, ADMIN may everything.
  'GET /audit': allow(AUDITOR, ADMIN)
} as const satisfies AccessTable

export type ServiceName = 'auth' | 'event'

/**
 * Where each service lives in the gateway's URL space: a gateway path under `gatewayPrefix` is
 * forwarded with that prefix replaced by `servicePrefix`.
 */
export interface ServiceMount {
  service: ServiceName
  gatewayPrefix: string
  servicePrefix: string
  routes: AccessTable
}

export const SERVICE_MOUNTS: readonly ServiceMount[] = [
  { service: 'auth', gatewayPrefix: '/auth', servicePrefix: '/auth', routes: AUTH_ROUTES },
  { service: 'event', gatewayPrefix: '/event-gateway', servicePrefix: '', routes: EVENT_ROUTES }
]
