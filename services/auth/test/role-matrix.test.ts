/**
 * The SPEC's role matrix (written by hand in the devkit test kit, not taken from the code's
 * route definitions) at the auth service itself: every route × anonymous and every role, with
 * real access tokens this service issued to real accounts of each role.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { AUTH_ROUTES, type Role } from '@app/contracts'
import { CALLERS, specAllows, specRoutesOf, type Caller } from '@app/devkit/testkit'
import { call, login, loginAsAdmin, signUp, startAuth, stopTestDatabase, uniqueEmail, type TestAuth } from './helpers.js'

const NO_SUCH_ID = new ObjectId().toHexString()
let auth: TestAuth
const tokens = new Map<Caller, string>()

before(async () => {
  auth = await startAuth()
  const admin = (await loginAsAdmin(auth.url)).accessToken
  tokens.set('ADMIN', admin)
  for (const role of ['USER', 'OPERATOR', 'AUDITOR', 'SERVICE', 'DELIVERY'] as const satisfies readonly Role[]) {
    const account = { email: uniqueEmail(role.toLowerCase()), password: 'matrix-password' }
    const created = await call(auth.url, 'POST', '/auth/users', { token: admin, body: { ...account, roles: [role] } })
    assert.equal(created.status, 201, created.text)
    tokens.set(role, (await login(auth.url, account.email, account.password)).accessToken)
  }
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

/** A request each route's handler can answer; what matters is whether it gets past the access check. */
async function bodyFor(route: string): Promise<unknown> {
  switch (route) {
    case 'POST /auth/users':
      return { email: uniqueEmail('signup'), password: 'signup-password' }
    case 'POST /auth/login':
      return { email: uniqueEmail('nobody'), password: 'wrong-password' }
    case 'POST /auth/refresh':
    case 'POST /auth/logout': {
      const account = await signUp(auth.url)
      return { refreshToken: (await login(auth.url, account.email, account.password)).refreshToken }
    }
    case 'PATCH /auth/users/:id/roles':
      return { roles: ['USER'] }
    case 'PATCH /auth/users/:id/status':
      return { disabled: false }
    case 'PATCH /auth/users/:id/tags':
      return { tags: ['vip'] }
    case 'POST /auth/users/tags':
      return { ids: [NO_SUCH_ID], add: ['vip'] }
    default:
      return undefined
  }
}

for (const { route, method, servicePath } of specRoutesOf('auth')) {
  test(`${route}: the SPEC's callers get past the access check, everyone else is refused`, async () => {
    const path = servicePath.replace(':id', NO_SUCH_ID)
    for (const caller of CALLERS) {
      const token = tokens.get(caller)
      const body = await bodyFor(route)
      const reply = await call(auth.url, method, path, { ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) })
      const label = `${caller} ${method} ${path}: ${reply.status} ${reply.text.slice(0, 200)}`
      // A wrong password is the handler's 401 (INVALID_CREDENTIALS), not the access check's.
      const handlerRefusal = route === 'POST /auth/login' && reply.body?.code === 'INVALID_CREDENTIALS'
      if (specAllows(route, caller)) assert.ok(handlerRefusal || ![401, 403].includes(reply.status), label)
      else if (caller === 'anonymous') assert.equal(reply.status, 401, label)
      else {
        assert.equal(reply.status, 403, label)
        assert.equal(reply.body.code, 'FORBIDDEN', label)
      }
    }
  })
}

test('the matrix covers every route the service defines', () => {
  assert.deepEqual(specRoutesOf('auth').map(({ method, servicePath }) => `${method} ${servicePath}`).sort(), Object.keys(AUTH_ROUTES).sort())
})

test('machine accounts read no accounts, their own included', async () => {
  for (const caller of ['SERVICE', 'DELIVERY'] as const) {
    const reply = await call(auth.url, 'GET', '/auth/users/me', { token: tokens.get(caller)! })
    assert.equal(reply.status, 403, `${caller} /auth/users/me`)
  }
})
