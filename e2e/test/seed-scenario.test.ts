/**
 * The seed's test scenario replayed through the gateway against the real processes: accounts,
 * tokens, an event with the seed's own body, a reward, progress, a claim through approval to
 * delivery, the auto-approved path, and a USER refused at every staff route.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN, client, eventually, startE2eSystem } from './helpers.js'

let api: ReturnType<typeof client>
let stopSystem = async () => {}
const tokens: Record<'admin' | 'operator' | 'player' | 'service', string> = { admin: '', operator: '', player: '', service: '' }
let playerId = ''

const day = 24 * 60 * 60 * 1000
const window = () => ({ startedAt: new Date(Date.now() - day).toISOString(), endedAt: new Date(Date.now() + 7 * day).toISOString() })

async function login(email: string, password: string) {
  const reply = await api('POST', '/auth/login', { body: { email, password } })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body as { accessToken: string; refreshToken: string }
}

before(async () => {
  const system = await startE2eSystem()
  stopSystem = system.stopAll
  api = client(system.url('gateway'))
})
after(() => stopSystem())

test('accounts: bootstrap admin logs in, creates staff; public sign-up makes a USER', async () => {
  tokens.admin = (await login(ADMIN.email, ADMIN.password)).accessToken
  for (const [name, role] of [['operator', 'OPERATOR'], ['service', 'SERVICE']] as const) {
    const created = await api('POST', '/auth/users', { token: tokens.admin, body: { email: `${name}@e2e.test`, password: `${name}-password`, roles: [role] } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body.roles, [role])
    tokens[name] = (await login(`${name}@e2e.test`, `${name}-password`)).accessToken
  }
  const signUp = await api('POST', '/auth/users', { body: { email: 'player@e2e.test', password: 'player-password', roles: ['ADMIN'] } })
  assert.equal(signUp.status, 201)
  assert.deepEqual(signUp.body.roles, ['USER'], 'public sign-up never grants a privileged role')
  playerId = signUp.body.id
})

test('tokens: login, refresh rotates, logout ends the session, refresh refused after logout', async () => {
  const first = await login('player@e2e.test', 'player-password')
  const me = await api('GET', '/auth/users/me', { token: first.accessToken })
  assert.equal(me.status, 200)
  assert.equal(me.body.email, 'player@e2e.test')

  const rotated = await api('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } })
  assert.equal(rotated.status, 200)
  assert.notEqual(rotated.body.refreshToken, first.refreshToken)

  const logout = await api('POST', '/auth/logout', { token: rotated.body.refreshToken })
  assert.equal(logout.status, 200)
  const refused = await api('POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })
  assert.equal(refused.status, 401)
  assert.equal(refused.body.status, 401)

  tokens.player = (await login('player@e2e.test', 'player-password')).accessToken
})

test('approval path: seed event → reward → attendance → claim pending → /me → approve → completed', async () => {
  const event = await api('POST', '/event-gateway/event', {
    token: tokens.operator,
    body: {
      name: '이벤트1', activate: true, description: '이벤트입니다', ...window(),
      userId: '682c1aaa6fb6c7f00ae8ae33', requireApproval: true, contents: [{ type: 'attendance', count: 1 }]
    }
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await api('POST', '/event-gateway/rewards', {
    token: tokens.operator,
    body: { eventId: event.body.id, userId: '682c1aaa6fb6c7f00ae8ae33', contents: [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }] }
  })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))

  const tooEarly = await api('POST', '/event-gateway/user-reward-claims', { token: tokens.player, body: { rewardsId: reward.body.id } })
  assert.ok([409, 422].includes(tooEarly.status), `claim before progress must be refused, got ${tooEarly.status}`)

  const progress = await api('POST', '/event-gateway/user-events/process', {
    token: tokens.service, body: { eventType: 'attendance', userId: playerId, count: 1 }
  })
  assert.equal(progress.status, 200, JSON.stringify(progress.body))

  const claim = await api('POST', '/event-gateway/user-reward-claims', {
    token: tokens.player, body: { userId: playerId, rewardsId: reward.body.id }
  })
  assert.equal(claim.status, 201, JSON.stringify(claim.body))
  assert.equal(claim.body.status, 'pending')

  const again = await api('POST', '/event-gateway/user-reward-claims', { token: tokens.player, body: { rewardsId: reward.body.id } })
  assert.equal(again.status, 409)

  const mine = await api('GET', '/event-gateway/user-reward-claims/me', { token: tokens.player })
  assert.equal(mine.status, 200)
  assert.deepEqual(mine.body.items.map((item: { id: string }) => item.id), [claim.body.id])

  const approved = await api('PATCH', `/event-gateway/user-reward-claims/${claim.body.id}/approve`, { token: tokens.operator })
  assert.equal(approved.status, 200, JSON.stringify(approved.body))
  const done = await eventually(
    () => api('GET', `/event-gateway/user-reward-claims/${claim.body.id}`, { token: tokens.player }),
    (reply) => reply.body?.status === 'completed'
  )
  assert.equal(done.body.status, 'completed')
  assert.deepEqual(
    done.body.transitions.map((step: { from: string | null; to: string }) => `${step.from}→${step.to}`),
    ['null→pending', 'pending→processing', 'processing→completed']
  )

  const secondApproval = await api('PATCH', `/event-gateway/user-reward-claims/${claim.body.id}/approve`, { token: tokens.operator })
  assert.equal(secondApproval.status, 409)
})

test('auto-approved path: a player checks in and the claim completes without an operator', async () => {
  const event = await api('POST', '/event-gateway/event', {
    token: tokens.admin,
    body: { name: 'daily', activate: true, ...window(), requireApproval: false, contents: [{ type: 'attendance', count: 1 }] }
  })
  assert.equal(event.status, 201)
  const reward = await api('POST', '/event-gateway/rewards', {
    token: tokens.admin, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 100 }] }
  })
  assert.equal(reward.status, 201)
  const checkIn = await api('POST', '/event-gateway/user-events/check-in', { token: tokens.player })
  assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body))
  const claim = await api('POST', '/event-gateway/user-reward-claims', { token: tokens.player, body: { rewardsId: reward.body.id } })
  assert.equal(claim.status, 201, JSON.stringify(claim.body))
  assert.notEqual(claim.body.status, 'pending')
  const done = await eventually(
    () => api('GET', `/event-gateway/user-reward-claims/${claim.body.id}`, { token: tokens.player }),
    (reply) => reply.body?.status === 'completed'
  )
  assert.equal(done.body.status, 'completed')

  const history = await api('GET', `/event-gateway/user-reward-claims?userId=${playerId}`, { token: tokens.operator })
  assert.equal(history.status, 200)
  assert.equal(history.body.items.length, 2)
})

test('a USER is refused at every staff route, before anything changes', async () => {
  const id = '682c1aaa6fb6c7f00ae8ae33'
  const staffRoutes: Array<[string, string, unknown?]> = [
    ['POST', '/event-gateway/event', { name: 'x', activate: true, ...window(), requireApproval: false, contents: [{ type: 'attendance', count: 1 }] }],
    ['PATCH', `/event-gateway/event/${id}`, { activate: false }],
    ['POST', '/event-gateway/rewards', { eventId: id, contents: [{ type: 'point', amount: 1 }] }],
    ['POST', '/event-gateway/user-events/process', { eventType: 'attendance', userId: playerId }],
    ['GET', '/event-gateway/user-reward-claims'],
    ['PATCH', `/event-gateway/user-reward-claims/${id}/approve`],
    ['PATCH', `/event-gateway/user-reward-claims/${id}/reject`, { reason: 'no' }],
    ['PATCH', `/event-gateway/user-reward-claims/${id}/retry`],
    ['PATCH', `/event-gateway/user-reward-claims/${id}/resolve`, { note: 'no' }],
    ['POST', `/event-gateway/user-reward-claims/${id}/delivery`, { status: 'completed' }],
    ['PATCH', '/event-gateway/delivery', { paused: true }],
    ['PATCH', `/auth/users/${playerId}/roles`, { roles: ['ADMIN'] }]
  ]
  for (const [method, path, body] of staffRoutes) {
    const reply = await api(method, path, { token: tokens.player, body })
    assert.equal(reply.status, 403, `${method} ${path} must refuse a USER`)
  }
  const me = await api('GET', '/auth/users/me', { token: tokens.player })
  assert.deepEqual(me.body.roles, ['USER'])
})
