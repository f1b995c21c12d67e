import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { SEED_EVENT } from '../src/schemas/events.js'
import { actor, clockStartingAt, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

// The seed's event runs 2025-05-11..25; this service instance lives on 2025-05-12.
let service: TestService
before(async () => {
  service = await startService({ clock: clockStartingAt('2025-05-12T09:00:00.000Z') })
})
after(() => service.close())

test("the seed's flow: event, reward, attendance, claim → pending, /me, approve → completed", async () => {
  const operator = actor('OPERATOR')
  const player = actor('USER')
  const gameServer = actor('SERVICE')

  const created = await service.call('POST', '/event', { token: operator.token, body: SEED_EVENT })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const event = created.body
  assert.equal(event.name, '이벤트1')
  assert.equal(event.createdBy, operator.id, 'the author is the token subject, not the body userId')
  assert.deepEqual(event.contents, [{ type: 'attendance', count: 1 }])
  assert.equal(event.timezone, 'UTC')

  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.id, userId: operator.id, contents: [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }] }
  })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))

  const report = await service.call('POST', '/user-events/process', {
    token: gameServer.token,
    body: { eventType: 'attendance', userId: player.id, count: 1 }
  })
  assert.equal(report.status, 200, JSON.stringify(report.body))
  assert.deepEqual(report.body.updates, [{ eventId: event.id, periodKey: 'all', conditions: ['attendance'] }])

  const claim = await service.call('POST', '/user-reward-claims', {
    token: player.token,
    body: { userId: player.id, rewardsId: reward.body.id }
  })
  assert.equal(claim.status, 201, JSON.stringify(claim.body))
  assert.equal(claim.body.status, 'pending')
  assert.deepEqual(claim.body.rewards, [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }])

  const mine = await service.call('GET', '/user-reward-claims/me', { token: player.token })
  assert.equal(mine.status, 200)
  assert.deepEqual(
    mine.body.items.map((c: { id: string }) => c.id),
    [claim.body.id]
  )

  const approved = await service.call('PATCH', `/user-reward-claims/${claim.body.id}/approve`, { token: operator.token })
  assert.equal(approved.status, 200, JSON.stringify(approved.body))
  assert.equal(approved.body.status, 'completed')

  const detail = await service.call('GET', `/user-reward-claims/${claim.body.id}`, { token: player.token })
  assert.deepEqual(
    detail.body.transitions.map((t: { from: string; to: string; by: string }) => [t.from, t.to, t.by]),
    [
      [null, 'pending', player.id],
      ['pending', 'processing', 'staff'],
      ['processing', 'completed', 'system:delivery']
    ]
  )
  const staffView = await service.call('GET', `/user-reward-claims/${claim.body.id}`, { token: operator.token })
  assert.equal(staffView.body.transitions[1].by, operator.id, 'staff see who approved')
  const granted = await service.db.collection('user_rewards').find({}).toArray()
  assert.equal(granted.length, 1)
  assert.equal(granted[0]?.userId, player.id)
})
