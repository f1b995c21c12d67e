/**
 * Fault: the auth service restarts with a new signing key (JWT_PRIVATE_KEY unset, so it
 * generates one at every start). New logins must work at once everywhere — the gateway and
 * the event service refetch the JWKS when they meet the unknown `kid` — and tokens signed with
 * the old key must be refused cleanly (401 problem details, never a 500), while a session's
 * refresh token, kept in the database, still yields a token under the new key.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, client, startE2eSystem, type E2eSystem } from './helpers.js'
import { UNTHROTTLED, assertCleanFailure, createPlayers, login, ms, timedRequest, type Api, type Player } from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: auth key rotation')

let system: E2eSystem
let api: Api
let gateway = ''
let oldAdmin = ''
let oldPlayer: Player
let oldRefresh = ''
let oldKids: string[] = []
let newAdmin = ''

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid
const jwksKids = async () =>
  ((await (await fetch(`${system.url('auth')}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)

/** The same token on a route of each kind: auth through the gateway, event through the gateway, event directly. */
const probes = (token: string) => [
  { where: 'gateway → auth', url: `${gateway}/auth/users/me` },
  { where: 'gateway → event', url: `${gateway}/event-gateway/event?limit=1` },
  { where: 'event directly', url: `${system.url('event')}/event?limit=1` }
].map((probe) => ({ ...probe, token }))

before(async () => {
  // Explicitly unset: the auth service must generate a fresh key at each start.
  system = await startE2eSystem({ ...UNTHROTTLED, JWT_PRIVATE_KEY: undefined })
  gateway = system.url('gateway')
  api = client(gateway)
  oldAdmin = (await login(api, ADMIN.email, ADMIN.password)).accessToken
  oldPlayer = (await createPlayers(api, 1, 'rotation'))[0]!
  oldRefresh = (await login(api, oldPlayer.email, `rotation-password-0`)).refreshToken
  oldKids = await jwksKids()
})
after(() => system?.stopAll())

test('before the restart, the first key works everywhere', () =>
  tally.check('old key accepted before the restart', async () => {
    assert.deepEqual(oldKids, [kidOf(oldAdmin)])
    for (const probe of [...probes(oldAdmin), ...probes(oldPlayer.token)]) {
      const reply = await timedRequest(probe.url, { token: probe.token })
      assert.equal(reply.status, 200, `${probe.where}: ${reply.body.slice(0, 200)}`)
    }
  }))

test('auth restarts with a new key: new logins work at once, through the gateway and at the event service', () =>
  tally.check('new key accepted at once', async () => {
    const restartStarted = performance.now()
    await system.stopService('auth')
    await system.startService('auth')
    console.log(`# auth restarted in ${ms(performance.now() - restartStarted)}`)
    const newKids = await jwksKids()
    assert.equal(newKids.length, 1)
    assert.ok(!oldKids.includes(newKids[0]!), 'a different key')

    newAdmin = (await login(api, ADMIN.email, ADMIN.password)).accessToken
    assert.equal(kidOf(newAdmin), newKids[0])
    // First try, no retry: each verifier meets the unknown kid and refetches the JWKS.
    for (const probe of probes(newAdmin)) {
      const reply = await timedRequest(probe.url, { token: probe.token })
      assert.equal(reply.status, 200, `${probe.where}: ${reply.status} ${reply.body.slice(0, 200)}`)
      console.log(`# new token, first use, ${probe.where}: ${reply.status} in ${ms(reply.latencyMs)}`)
    }
  }))

test('tokens signed with the old key are refused cleanly: 401 problem details, never a 500', () =>
  tally.check('old key refused with 401', async () => {
    for (const probe of [...probes(oldAdmin), ...probes(oldPlayer.token)]) {
      const reply = await timedRequest(probe.url, { token: probe.token })
      assert.equal(reply.status, 401, `${probe.where}: ${reply.status} ${reply.body.slice(0, 200)}`)
      assertCleanFailure(reply, probe.where)
      console.log(`# old token, ${probe.where}: ${reply.status} ${reply.code}`)
    }
  }))

test("a session's refresh token survives the restart and yields a token under the new key", () =>
  tally.check('refresh across the rotation', async () => {
    const refreshed = await api('POST', '/auth/refresh', { body: { refreshToken: oldRefresh } })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
    assert.equal(kidOf(refreshed.body.accessToken), kidOf(newAdmin))
    for (const probe of probes(refreshed.body.accessToken)) {
      const reply = await timedRequest(probe.url, { token: probe.token })
      assert.equal(reply.status, 200, `${probe.where}: ${reply.body.slice(0, 200)}`)
    }
  }))
