/**
 * Make-good grants and granted rewards: one grant per Idempotency-Key however many requests race,
 * delivered under the delivery contract (built-in ledger, or the HTTP receiver with its own key,
 * a 202 confirmed by the DELIVERY callback), audited, and listed with completed claims.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { DeliveryReceiver } from './delivery-receiver.js'
import { actor, eventBody, eventually, startService, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const deliverySystem = actor('DELIVERY')
const GOLD = [{ type: 'currency', currency: 'GOLD', amount: 500 }]

const grant = (service: TestService, body: Record<string, unknown>, key: string | undefined, by: Actor = operator) =>
  service.call('POST', '/user-rewards/grants', { token: by.token, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) })

describe('make-good grants through the built-in ledger', () => {
  let service: TestService
  before(async () => {
    service = await startService()
  })
  after(() => service.close())

  test('10 parallel requests with one key: one grant, every reply names it; audited once; in the granted rewards', async () => {
    const player = actor('USER')
    const body = { userId: player.id, contents: GOLD, reason: 'Outage 2026-11-30, ticket OPS-4410' }
    const replies = await Promise.all(Array.from({ length: 10 }, () => grant(service, body, 'ops-4410')))
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201], JSON.stringify(replies.map((r) => r.body)))
    const ids = new Set(replies.map((reply) => reply.body.id))
    assert.equal(ids.size, 1, 'every reply names the same grant')
    const [id] = ids as Set<string>
    const created = replies.find((reply) => reply.status === 201)!.body
    assert.deepEqual([created.kind, created.eventId, created.rewardId, created.status, created.rewards], ['grant', null, null, 'completed', GOLD])

    assert.equal(await service.db.collection('claims').countDocuments({ userId: player.id, kind: 'grant' }), 1)
    assert.equal(await service.db.collection('user_rewards').countDocuments({ claimId: new ObjectId(id) }), 1, 'granted once by the ledger')
    const audit = await service.db.collection('audit_log').find({ action: 'grant.create', 'entity.id': id }).toArray()
    assert.equal(audit.length, 1)
    assert.equal(audit[0]!.actor, operator.id)
    assert.deepEqual(audit[0]!.after.contents, GOLD)

    // A later repeat, by another operator: still the same grant.
    const later = await grant(service, body, 'ops-4410', actor('ADMIN'))
    assert.deepEqual([later.status, later.body.id], [200, id])
    // A process that died between the grant and its audit entry: the operator's retry writes it, once.
    await service.db.collection('audit_log').deleteMany({ action: 'grant.create', 'entity.id': id })
    assert.equal((await grant(service, body, 'ops-4410')).status, 200)
    assert.equal((await grant(service, body, 'ops-4410')).status, 200)
    assert.equal(await service.db.collection('audit_log').countDocuments({ action: 'grant.create', 'entity.id': id }), 1, 'repaired by the retry, once')
    // The same key for other contents or another reason: a mistake, said so, nothing granted.
    for (const changed of [{ ...body, contents: [{ type: 'point', amount: 999 }] }, { ...body, reason: 'another outage' }]) {
      const reused = await grant(service, changed, 'ops-4410')
      assert.deepEqual([reused.status, reused.body.code, reused.body.claimId], [409, 'IDEMPOTENCY_KEY_REUSED', id], JSON.stringify(reused.body))
    }
    assert.equal(await service.db.collection('claims').countDocuments({ userId: player.id, kind: 'grant' }), 1)

    const mine = await service.call('GET', '/user-rewards/me', { token: player.token })
    assert.equal(mine.status, 200, JSON.stringify(mine.body))
    assert.deepEqual(mine.body.items.map((item: { id: string; kind: string }) => [item.id, item.kind]), [[id, 'grant']])
    assert.equal(mine.body.items[0].reason, undefined, 'the reason is for staff')
    const support = await service.call('GET', `/user-rewards?userId=${player.id}`, { token: auditor.token })
    assert.equal(support.body.items[0].reason, body.reason)
  })

  test('granted rewards: completed claims and grants, newest first, page by page; pending claims are not granted', async () => {
    const player = actor('USER')
    const gameServer = actor('SERVICE')
    const makeEvent = async (requireApproval: boolean) => {
      const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval }) })
      const reward = await service.call('POST', '/rewards', { token: operator.token, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 7 }] } })
      return reward.body.id as string
    }
    const [instant, approved] = [await makeEvent(false), await makeEvent(true)]
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    const first = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: instant } })
    const pending = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: approved } })
    const made = await grant(service, { userId: player.id, contents: GOLD, reason: 'sorry' }, 'k-2')
    assert.deepEqual([first.body.status, pending.body.status, made.body.status], ['completed', 'pending', 'completed'])

    const page1 = await service.call('GET', '/user-rewards/me?limit=1', { token: player.token })
    const page2 = await service.call('GET', `/user-rewards/me?limit=1&cursor=${page1.body.nextCursor}`, { token: player.token })
    assert.deepEqual([...page1.body.items, ...page2.body.items].map((item: { id: string }) => item.id), [made.body.id, first.body.id])
    assert.equal(page2.body.nextCursor, null)
    assert.deepEqual(page2.body.items[0].rewards, [{ type: 'point', amount: 7 }])
    // Approved later, it is granted then.
    await service.call('PATCH', `/user-reward-claims/${pending.body.id}/approve`, { token: operator.token })
    const all = await service.call('GET', `/user-rewards?userId=${player.id}`, { token: operator.token })
    assert.deepEqual(all.body.items.map((item: { id: string }) => item.id), [made.body.id, pending.body.id, first.body.id])
  })

  test('to your own account: 403 SELF_APPROVAL; no Idempotency-Key, bad contents or no reason: 400; nothing written', async () => {
    const before = await service.db.collection('claims').countDocuments()
    const self = await grant(service, { userId: operator.id, contents: GOLD, reason: 'me' }, 'k-self')
    assert.deepEqual([self.status, self.body.code], [403, 'SELF_APPROVAL'])
    const shouted = await grant(service, { userId: operator.id.toUpperCase(), contents: GOLD, reason: 'me' }, 'k-self-upper')
    assert.deepEqual([shouted.status, shouted.body.code], [403, 'SELF_APPROVAL'], 'an upper-case spelling of one\'s own id is still one\'s own')
    const player = actor('USER').id
    const cases: Array<[Record<string, unknown>, string | undefined]> = [
      [{ userId: player, contents: GOLD, reason: 'x' }, undefined],
      [{ userId: player, contents: [], reason: 'x' }, 'k-3'],
      [{ userId: player, contents: [{ type: 'gem', amount: 1 }], reason: 'x' }, 'k-4'],
      [{ userId: player, contents: GOLD }, 'k-5'],
      [{ userId: 'nope', contents: GOLD, reason: 'x' }, 'k-6']
    ]
    for (const [body, key] of cases) {
      const reply = await grant(service, body, key)
      assert.equal(reply.status, 400, `${JSON.stringify(body)} ${key}: ${JSON.stringify(reply.body)}`)
      assert.ok(reply.body.errors?.length > 0, JSON.stringify(reply.body))
    }
    assert.equal(await service.db.collection('claims').countDocuments(), before)
  })
})

describe('make-good grants through the delivery system', () => {
  const receiver = new DeliveryReceiver()
  let service: TestService
  before(async () => {
    await receiver.start()
    service = await startService({
      env: { REWARD_DELIVERY_URL: receiver.url, DELIVERY_TIMEOUT_MS: '300', DELIVERY_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_MAX_MS: '150', SWEEPER_INTERVAL_MS: '50', DELIVERY_CALLBACK_WAIT_MS: '300000' }
    })
  })
  after(async () => {
    await service.close()
    await receiver.stop()
  })

  test('sent with its own id as Idempotency-Key; a 202 then the callback completes it; then it is a granted reward', async () => {
    receiver.behaviour = () => ({ status: 202 })
    const player = actor('USER')
    const made = await grant(service, { userId: player.id, contents: GOLD, reason: 'outage' }, 'ops-7')
    assert.equal(made.status, 201, JSON.stringify(made.body))
    assert.equal(made.body.status, 'processing')
    const [sent] = receiver.requestsFor(made.body.id)
    assert.ok(sent, 'the receiver got the grant under its id')
    assert.deepEqual(sent.body, { claimId: made.body.id, userId: player.id, eventId: null, rewardId: null, rewards: GOLD, kind: 'grant' })
    assert.deepEqual((await service.call('GET', '/user-rewards/me', { token: player.token })).body.items, [], 'not granted until confirmed')

    const confirmed = await service.call('POST', `/user-reward-claims/${made.body.id}/delivery`, { token: deliverySystem.token, body: { status: 'completed' } })
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
    const granted = await eventually(async () => {
      const reply = await service.call('GET', '/user-rewards/me', { token: player.token })
      return reply.body.items.length === 1 && reply.body.items
    })
    assert.equal(granted[0].id, made.body.id)
    assert.equal(receiver.requestsFor(made.body.id).length, 1)
  })

  test('a refused grant fails and an operator retries it under the same key, like a claim', async () => {
    receiver.behaviour = (request) => (request.nth === 1 ? { status: 422, text: 'no such player' } : { status: 200, grant: true })
    const player = actor('USER')
    const made = await grant(service, { userId: player.id, contents: GOLD, reason: 'outage' }, 'ops-8')
    assert.deepEqual([made.body.status, made.body.delivery.outcome], ['failed', 'refused'])
    const retried = await service.call('PATCH', `/user-reward-claims/${made.body.id}/retry`, { token: operator.token })
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal(retried.body.status, 'completed')
    assert.deepEqual(new Set(receiver.requestsFor(made.body.id).map((request) => request.key)), new Set([made.body.id]))
    assert.equal(receiver.granted(made.body.id), 1)
  })
})
