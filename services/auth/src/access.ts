import { ALL_ROLES, Role } from '@app/contracts'
import { PUBLIC, allow, type AccessTable } from '@app/platform'

/**
 * Who may call what. Refresh and logout are public here because their credential is the
 * refresh token itself, checked by the handler; sign-up is public but looks at an ADMIN token
 * when one is sent (only an ADMIN may create privileged accounts).
 */
export const accessTable: AccessTable = {
  'POST /auth/users': PUBLIC,
  // The delivery system (DELIVERY) only confirms deliveries (SPEC, Roles).
  'GET /auth/users/me': allow(...ALL_ROLES.filter((role) => role !== Role.DELIVERY)),
  'PATCH /auth/users/:id/roles': allow(Role.ADMIN),
  'PATCH /auth/users/:id/status': allow(Role.ADMIN),
  'DELETE /auth/users/:id/sessions': allow(Role.ADMIN),
  'GET /auth/audit': allow(Role.AUDITOR, Role.ADMIN),
  'POST /auth/login': PUBLIC,
  'POST /auth/refresh': PUBLIC,
  'POST /auth/logout': PUBLIC,
  // For the other services, like the JWKS: which accounts changed lately (ids and versions, no
  // more). Not forwarded by the gateway; reachable only where auth's own port is.
  'GET /internal/revocations': PUBLIC
}
