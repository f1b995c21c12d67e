/**
 * Audiences end to end (SPEC v2, *Audiences*): through the gateway, with real auth. A player
 * outside an event's audience gets 404 on it, its bundle and the claim; staff tag the account in
 * auth; the player's next refresh carries the tag, and with that token the player sees and claims.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { client, startE2eSystem, type E2eSystem } from './helpers.js'
import { UNTHROTTLED, login, setUpStaff, type Api, type Staff } from './fault-kit.js'

const DAY_MS = 24 * 60 * 60 * 1000
let system: E2eSystem
let api: Api
let staff: Staff

before(async () => {
  system = await startE2eSystem({ ...UNTHROTTLED })
  api = client(system.url('gateway'))
  staff = await setUpStaff(api)
})
after(() => system?.stopAll())

test('outside the audience: 404; after a tag in auth and a refresh: the player sees the event and claims', async () => {
  const email = 'audience-player@e2e.test'
  const password = 'audience-player-password'
  const signedUp = await api('POST', '/auth/users', { body: { email, password } })
  assert.equal(signedUp.status, 201, JSON.stringify(signedUp.body))
  const playerId = signedUp.body.id as string
  let tokens = await login(api, email, password)

  const event = await api('POST', '/event-gateway/event', {
    token: staff.operator,
    body: {
      name: 'VIP week',
      startedAt: new Date(Date.now() - DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString(),
      audience: { anyTags: ['vip'] },
      contents: [{ type: 'attendance', count: 1 }]
    }
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await api('POST', '/event-gateway/rewards', { token: staff.operator, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 10 }] } })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))

  const sees = async (token: string) => {
    const list = await api('GET', '/event-gateway/event?limit=100', { token })
    return {
      listed: list.body.items.some((item: { id: string }) => item.id === event.body.id),
      detail: (await api('GET', `/event-gateway/event/${event.body.id}`, { token })).status,
      bundle: (await api('GET', `/event-gateway/rewards/${reward.body.id}`, { token })).status
    }
  }
  assert.deepEqual(await sees(tokens.accessToken), { listed: false, detail: 404, bundle: 404 })
  assert.equal((await api('POST', '/event-gateway/user-events/check-in', { token: tokens.accessToken })).status, 200, 'progress accrues regardless')
  const refused = await api('POST', '/event-gateway/user-reward-claims', { token: tokens.accessToken, body: { rewardsId: reward.body.id } })
  assert.equal(refused.status, 404, JSON.stringify(refused.body))
  // The support dry run asks auth for the account's tags over auth's internal listener.
  const dryRun = async () => (await api('GET', `/event-gateway/rewards/${reward.body.id}/eligibility?userId=${playerId}`, { token: staff.operator })).body
  const outside = await dryRun()
  assert.deepEqual({ visible: outside.visible, first: outside.reasons[0]?.code }, { visible: false, first: 'NOT_VISIBLE' })

  const tagged = await api('PATCH', `/auth/users/${playerId}/tags`, { token: staff.admin, body: { tags: ['vip'] } })
  assert.equal(tagged.status, 200, JSON.stringify(tagged.body))
  // The token in hand was issued without the tag: audiences are judged from the token, so still outside.
  assert.deepEqual(await sees(tokens.accessToken), { listed: false, detail: 404, bundle: 404 })
  // The dry run reads the account as it is now: visible already (the player's token follows at refresh).
  assert.deepEqual(await dryRun().then(({ visible, claimable }) => ({ visible, claimable })), { visible: true, claimable: true })

  const refreshed = await api('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } })
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
  tokens = refreshed.body
  assert.deepEqual(await sees(tokens.accessToken), { listed: true, detail: 200, bundle: 200 })
  const claimed = await api('POST', '/event-gateway/user-reward-claims', { token: tokens.accessToken, body: { rewardsId: reward.body.id } })
  assert.equal(claimed.status, 201, JSON.stringify(claimed.body))
})
