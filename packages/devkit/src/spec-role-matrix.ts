/**
 * Who may call what, copied by hand from ../shared/SPEC.md (Roles, Public API, Version 2) and the
 * README's extra routes — deliberately NOT derived from the code's route definitions
 * (packages/contracts `AUTH_ROUTES`, `EVENT_ROUTES`), so a rule that drifts from the contract
 * fails the role-matrix tests of the gateway, of each service and of the end-to-end suite.
 *
 * 1 = may call it (the request gets past every access check: anything but 401/403),
 * 0 = refused (401 without a token, 403 with one). Keys are gateway paths; a service serves
 * `/event-gateway/…` without that prefix and `/auth/…` as it is.
 */
export const CALLERS = ['anonymous', 'USER', 'OPERATOR', 'AUDITOR', 'ADMIN', 'SERVICE', 'DELIVERY'] as const
export type Caller = (typeof CALLERS)[number]
type Row = readonly [anonymous: 0 | 1, user: 0 | 1, operator: 0 | 1, auditor: 0 | 1, admin: 0 | 1, service: 0 | 1, delivery: 0 | 1]

export const SPEC_ROLE_MATRIX: Readonly<Record<string, Row>> = {
  //                                                       anon USER OPER AUDI ADMN SERV DELV
  // "anyone (USER only) · ADMIN (any role)"; login, refresh and logout carry their own credential.
  'POST /auth/users':                                     [1,   1,   1,   1,   1,   1,   1],
  'POST /auth/login':                                     [1,   1,   1,   1,   1,   1,   1],
  'POST /auth/refresh':                                   [1,   1,   1,   1,   1,   1,   1],
  'POST /auth/logout':                                    [1,   1,   1,   1,   1,   1,   1],
  // README: the caller's account. SERVICE: "no accounts"; DELIVERY: "nothing else".
  'GET /auth/users/me':                                   [0,   1,   1,   1,   1,   0,   0],
  // v2: "GET /auth/users — OPERATOR, AUDITOR, ADMIN: account directory".
  'GET /auth/users':                                      [0,   0,   1,   1,   1,   0,   0],
  'PATCH /auth/users/:id/roles':                          [0,   0,   0,   0,   1,   0,   0],
  // v2: "OPERATOR, ADMIN — replace an account's audience tags" and the bulk form.
  'PATCH /auth/users/:id/tags':                           [0,   0,   1,   0,   1,   0,   0],
  'POST /auth/users/tags':                                [0,   0,   1,   0,   1,   0,   0],
  'PATCH /auth/users/:id/status':                         [0,   0,   0,   0,   1,   0,   0],
  'DELETE /auth/users/:id/sessions':                      [0,   0,   0,   0,   1,   0,   0],
  'GET /auth/audit':                                      [0,   0,   0,   1,   1,   0,   0],

  // "USER+" reads the catalog; SERVICE: "read the event catalog (events, rewards)".
  'GET /event-gateway/event':                             [0,   1,   1,   1,   1,   1,   0],
  'GET /event-gateway/event/:id':                         [0,   1,   1,   1,   1,   1,   0],
  'POST /event-gateway/event':                            [0,   0,   1,   0,   1,   0,   0],
  'PATCH /event-gateway/event/:id':                       [0,   0,   1,   0,   1,   0,   0],
  // v2: "GET /event/:id/stats — OPERATOR, AUDITOR, ADMIN"; Roles: OPERATOR and AUDITOR read "event stats".
  'GET /event-gateway/event/:id/stats':                   [0,   0,   1,   1,   1,   0,   0],
  'GET /event-gateway/rewards':                           [0,   1,   1,   1,   1,   1,   0],
  'GET /event-gateway/rewards/:id':                       [0,   1,   1,   1,   1,   1,   0],
  'POST /event-gateway/rewards':                          [0,   0,   1,   0,   1,   0,   0],
  // v2: "GET /rewards/:id/eligibility?userId= — OPERATOR, AUDITOR, ADMIN: dry run".
  'GET /event-gateway/rewards/:id/eligibility':           [0,   0,   1,   1,   1,   0,   0],
  // v2: "PATCH /event-gateway/rewards/:id — OPERATOR, ADMIN".
  'PATCH /event-gateway/rewards/:id':                     [0,   0,   1,   0,   1,   0,   0],

  // "USER (own), staff (any)"; SERVICE: "no progress" — it reports, it never reads.
  'GET /event-gateway/user-events':                       [0,   1,   1,   1,   1,   0,   0],
  'POST /event-gateway/user-events/process':              [0,   0,   1,   0,   1,   1,   0],
  // v2: "POST /user-events/process/batch — SERVICE, OPERATOR, ADMIN".
  'POST /event-gateway/user-events/process/batch':        [0,   0,   1,   0,   1,   1,   0],
  'POST /event-gateway/user-events/check-in':             [0,   1,   0,   0,   0,   0,   0],

  // Claims are players' data: SERVICE "no claims".
  'GET /event-gateway/user-reward-claims':                [0,   0,   1,   1,   1,   0,   0],
  'POST /event-gateway/user-reward-claims':               [0,   1,   0,   0,   0,   0,   0],
  'GET /event-gateway/user-reward-claims/me':             [0,   1,   1,   1,   1,   0,   0],
  'GET /event-gateway/user-reward-claims/:id':            [0,   1,   1,   1,   1,   0,   0],
  'PATCH /event-gateway/user-reward-claims/:id/approve':  [0,   0,   1,   0,   1,   0,   0],
  'PATCH /event-gateway/user-reward-claims/:id/reject':   [0,   0,   1,   0,   1,   0,   0],
  'PATCH /event-gateway/user-reward-claims/:id/retry':    [0,   0,   1,   0,   1,   0,   0],
  'PATCH /event-gateway/user-reward-claims/:id/resolve':  [0,   0,   1,   0,   1,   0,   0],
  'POST /event-gateway/user-reward-claims/:id/delivery':  [0,   0,   0,   0,   0,   0,   1],
  // v2: "OPERATOR, ADMIN — {ids: [...≤500, unique]}" (bulk approve / reject).
  'POST /event-gateway/user-reward-claims/bulk-approve':  [0,   0,   1,   0,   1,   0,   0],
  'POST /event-gateway/user-reward-claims/bulk-reject':   [0,   0,   1,   0,   1,   0,   0],
  // v2: "GET /user-rewards/me — USER"; "GET /user-rewards?userId= — OPERATOR, AUDITOR, ADMIN"; grants "OPERATOR, ADMIN".
  'GET /event-gateway/user-rewards/me':                   [0,   1,   0,   0,   0,   0,   0],
  'GET /event-gateway/user-rewards':                      [0,   0,   1,   1,   1,   0,   0],
  'POST /event-gateway/user-rewards/grants':              [0,   0,   1,   0,   1,   0,   0],

  // "OPERATOR, AUDITOR, ADMIN (PATCH: ADMIN)".
  'GET /event-gateway/delivery':                          [0,   0,   1,   1,   1,   0,   0],
  'PATCH /event-gateway/delivery':                        [0,   0,   0,   0,   1,   0,   0],
  // v2: "GET /event-gateway/audit — AUDITOR, ADMIN: configuration audit log of the event service".
  'GET /event-gateway/audit':                             [0,   0,   0,   1,   1,   0,   0]
}

/** Whether the SPEC lets `caller` through `route` (a key of SPEC_ROLE_MATRIX). */
export function specAllows(route: string, caller: Caller): boolean {
  const row = SPEC_ROLE_MATRIX[route]
  if (!row) throw new Error(`${route} is not in the SPEC role matrix: add its row by hand, from the SPEC`)
  return row[CALLERS.indexOf(caller)] === 1
}

/** The matrix's routes as one service serves them: `service` `auth` keeps `/auth/…`, `event` drops `/event-gateway`. */
export function specRoutesOf(service: 'auth' | 'event'): Array<{ route: string; method: string; servicePath: string }> {
  const prefix = service === 'auth' ? '/auth/' : '/event-gateway/'
  return Object.keys(SPEC_ROLE_MATRIX).flatMap((route) => {
    const [method = '', path = ''] = route.split(' ')
    if (!path.startsWith(prefix)) return []
    return [{ route, method, servicePath: service === 'auth' ? path : path.slice('/event-gateway'.length) }]
  })
}
