import { Role } from '@app/contracts'
import { allow, type AccessTable } from '@app/platform'

const { USER, OPERATOR, AUDITOR, ADMIN, SERVICE, DELIVERY } = Role
/** Every authenticated caller but the delivery system, which only confirms deliveries; game servers (SERVICE) read events and rewards too. */
const ANYONE = [USER, OPERATOR, AUDITOR, ADMIN, SERVICE]
const EDITORS = [OPERATOR, ADMIN]
const STAFF = [OPERATOR, AUDITOR, ADMIN]

/**
 * Who may call what (SPEC, Roles and Public API). Anything not listed is refused, and a route
 * registered without a rule stops the service from starting. Ownership (a USER acts only as
 * themselves) is checked in the handlers.
 */
export const access = {
  'GET /event': allow(...ANYONE),
  'GET /event/:id': allow(...ANYONE),
  'POST /event': allow(...EDITORS),
  'PATCH /event/:id': allow(...EDITORS),

  'GET /rewards': allow(...ANYONE),
  'GET /rewards/:id': allow(...ANYONE),
  'POST /rewards': allow(...EDITORS),

  'GET /user-events': allow(...ANYONE),
  'POST /user-events/process': allow(SERVICE, OPERATOR, ADMIN),
  'POST /user-events/check-in': allow(USER),

  'GET /user-reward-claims': allow(...STAFF),
  'POST /user-reward-claims': allow(USER),
  'GET /user-reward-claims/me': allow(...ANYONE),
  'GET /user-reward-claims/:id': allow(...ANYONE),
  'PATCH /user-reward-claims/:id/approve': allow(...EDITORS),
  'PATCH /user-reward-claims/:id/reject': allow(...EDITORS),
  'PATCH /user-reward-claims/:id/retry': allow(...EDITORS),
  'PATCH /user-reward-claims/:id/resolve': allow(...EDITORS),
  'POST /user-reward-claims/:id/delivery': allow(DELIVERY),

  'GET /delivery': allow(...STAFF),
  'PATCH /delivery': allow(ADMIN)
} as const satisfies AccessTable
