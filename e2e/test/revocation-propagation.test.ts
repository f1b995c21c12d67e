/**
 * SPEC v2, "Accounts and sessions": disabling an account, changing its roles or ending its
 * sessions takes effect at every service within 5 s, not at token expiry — against the real
 * processes, at the gateway and at each service called directly, with the default poll interval.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, client, startE2eSystem, type ApiReply, type E2eSystem } from './helpers.js'

const LIMIT_MS = 5_000
let system: E2eSystem
let gateway: ReturnType<typeof client>
let auth: ReturnType<typeof client>
let event: ReturnType<typeof client>
let adminToken = ''

before(async () => {
  // Default REVOCATION_POLL_INTERVAL_MS (1 s): what production runs.
  system = await startE2eSystem({ RATE_LIMIT_MAX: '100000', LOGIN_RATE_LIMIT_MAX: '1000', LOGIN_RATE_LIMIT_PER_CLIENT: '1000' })
  gateway = client(system.url('gateway'))
  auth = client(system.url('auth'))
  event = client(system.url('event'))
  adminToken = (await gateway('POST', '/auth/login', { body: ADMIN })).body.accessToken
})
after(() => system?.stopAll())

let accounts = 0
async function account(roles: string[]) {
  const email = `revoked-${accounts++}@e2e.test`
  const created = await gateway('POST', '/auth/users', { token: adminToken, body: { email, password: 'revocation-password', roles } })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const pair = (await gateway('POST', '/auth/login', { body: { email, password: 'revocation-password' } })).body
  return { id: created.body.id as string, email, password: 'revocation-password', ...pair }
}

/** Polls each of `probes` until it gives `status` + `code`, and returns how long each took from `since`. */
async function refusedEverywhere(since: number, probes: Record<string, () => Promise<ApiReply>>, status: number, code: string) {
  const took: Record<string, number> = {}
  await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      for (;;) {
        const reply = await probe()
        if (reply.status === status && reply.body?.code === code) {
          took[name] = performance.now() - since
          return
        }
        assert.ok(performance.now() - since < LIMIT_MS, `${name}: still ${reply.status} ${reply.body?.code} after ${LIMIT_MS} ms`)
        assert.ok([200, 404].includes(reply.status), `${name}: ${reply.status} ${JSON.stringify(reply.body)} while waiting`)
        await new Promise((resolveWait) => setTimeout(resolveWait, 50))
      }
    })
  )
  return took
}
const summary = (took: Record<string, number>) =>
  Object.entries(took)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`)
    .join(', ')

describe('an account disabled while it holds a live access token', () => {
  test('is refused within 5 s at the gateway and at each service; login and refresh refused; enabled, it works again', async () => {
    const player = await account(['USER'])
    const probes = {
      gateway: () => gateway('GET', '/event-gateway/user-reward-claims/me', { token: player.accessToken }),
      event: () => event('GET', '/user-reward-claims/me', { token: player.accessToken }),
      auth: () => auth('GET', '/auth/users/me', { token: player.accessToken })
    }
    for (const probe of Object.values(probes)) assert.equal((await probe()).status, 200)

    const since = performance.now()
    const disabled = await gateway('PATCH', `/auth/users/${player.id}/status`, { token: adminToken, body: { disabled: true } })
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body))
    const took = await refusedEverywhere(since, probes, 401, 'TOKEN_REVOKED')
    console.log(`# disabled: refused after ${summary(took)} (limit ${LIMIT_MS} ms)`)

    const login = await gateway('POST', '/auth/login', { body: { email: player.email, password: player.password } })
    assert.equal(login.status, 403)
    assert.equal(login.body.code, 'ACCOUNT_DISABLED')
    const refresh = await gateway('POST', '/auth/refresh', { body: { refreshToken: player.refreshToken } })
    assert.equal(refresh.status, 403)

    assert.equal((await gateway('PATCH', `/auth/users/${player.id}/status`, { token: adminToken, body: { disabled: false } })).status, 200)
    const again = await gateway('POST', '/auth/login', { body: { email: player.email, password: player.password } })
    assert.equal(again.status, 200)
    assert.equal((await gateway('GET', '/event-gateway/user-reward-claims/me', { token: again.body.accessToken })).status, 200)
    assert.equal((await event('GET', '/user-reward-claims/me', { token: again.body.accessToken })).status, 200)
  })
})

describe('a role removed', () => {
  test('the token carrying it is refused within 5 s everywhere; after a refresh the account has only its new role', async () => {
    const operator = await account(['OPERATOR'])
    const probes = {
      gateway: () => gateway('GET', '/event-gateway/user-reward-claims', { token: operator.accessToken }),
      event: () => event('GET', '/user-reward-claims', { token: operator.accessToken }),
      auth: () => auth('GET', '/auth/users/me', { token: operator.accessToken })
    }
    for (const probe of Object.values(probes)) assert.equal((await probe()).status, 200)
    const since = performance.now()
    assert.equal((await gateway('PATCH', `/auth/users/${operator.id}/roles`, { token: adminToken, body: { roles: ['USER'] } })).status, 200)
    const took = await refusedEverywhere(since, probes, 401, 'TOKEN_REVOKED')
    console.log(`# demoted: refused after ${summary(took)} (limit ${LIMIT_MS} ms)`)
    const refreshed = await gateway('POST', '/auth/refresh', { body: { refreshToken: operator.refreshToken } })
    assert.equal(refreshed.status, 200)
    assert.equal((await gateway('GET', '/event-gateway/user-reward-claims', { token: refreshed.body.accessToken })).status, 403)
    assert.equal((await event('GET', '/user-reward-claims', { token: refreshed.body.accessToken })).status, 403)
  })
})

describe('all sessions ended by staff', () => {
  test('refresh tokens die at once, access tokens within 5 s everywhere; the account can log in again', async () => {
    const player = await account(['USER'])
    const since = performance.now()
    const ended = await gateway('DELETE', `/auth/users/${player.id}/sessions`, { token: adminToken })
    assert.deepEqual(ended.body, { revoked: 1 })
    assert.equal((await gateway('POST', '/auth/refresh', { body: { refreshToken: player.refreshToken } })).status, 401)
    const took = await refusedEverywhere(since, {
      gateway: () => gateway('GET', '/event-gateway/user-reward-claims/me', { token: player.accessToken }),
      event: () => event('GET', '/user-reward-claims/me', { token: player.accessToken })
    }, 401, 'TOKEN_REVOKED')
    console.log(`# sessions ended: refused after ${summary(took)} (limit ${LIMIT_MS} ms)`)
    assert.equal((await gateway('POST', '/auth/login', { body: { email: player.email, password: player.password } })).status, 200)
  })
})
