/**
 * The delivery contract (SPEC, "Claims and the delivery contract"), against a real receiver on
 * an ephemeral port that keeps its own ledger of grants per Idempotency-Key, over the embedded
 * database, with an adjustable clock standing in for hours of retry budget.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, afterEach, before, describe, test } from 'node:test'
import { MongoClient, ObjectId } from 'mongodb'
import { startTestMongo } from '@app/devkit/testkit'
import { retryDelay } from '../src/delivery/backoff.js'
import { answering, DeliveryReceiver, idempotentReceiver, type Behaviour } from './delivery-receiver.js'
import {
  accessClaims,
  actor,
  adjustableClock,
  eventBody,
  eventually,
  signJwt,
  sleep,
  startService,
  stopTestMongo,
  type Actor,
  type TestClock,
  type TestService
} from './helpers.js'

after(stopTestMongo)

const HOUR = 60 * 60 * 1000

test('backoff: exponential ceiling, capped, full jitter below it', () => {
  const highest = () => 0.999_999
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 10, 100].map((attempt) => retryDelay(attempt, 1_000, 10_000, highest)),
    [999, 1_999, 3_999, 7_999, 9_999, 9_999, 9_999, 9_999]
  )
  assert.equal(retryDelay(7, 1_000, 10_000, () => 0), 0)
  assert.equal(retryDelay(3, 1_000, 10_000, () => 0.5), 2_000)
})

const operator = actor('OPERATOR')
const secondOperator = actor('OPERATOR')
const admin = actor('ADMIN')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')
const deliverySystem = actor('DELIVERY')

const deliveryEnv = (receiver: DeliveryReceiver, overrides: Record<string, string> = {}) => ({
  REWARD_DELIVERY_URL: receiver.url,
  DELIVERY_TIMEOUT_MS: '300',
  DELIVERY_BACKOFF_BASE_MS: '20',
  DELIVERY_BACKOFF_MAX_MS: '150',
  DELIVERY_LEASE_MS: '2000',
  DELIVERY_BREAKER_RESET_MS: '100',
  DELIVERY_CALLBACK_WAIT_MS: '300000',
  SWEEPER_INTERVAL_MS: '50',
  ...overrides
})

interface ClaimReply {
  id: string
  userId: string
  status: string
  reason: string | null
  delivery: { attempts: number; lastError?: string | null; outcome?: string | null; acceptedAt: string | null }
}

async function setUpReward(service: TestService, requireApproval = false): Promise<string> {
  const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval }) })
  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.body.id, contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }] }
  })
  return reward.body.id
}

/** A player who qualifies (one check-in) and claims; returns the claim as created, and the player. */
async function qualifiedClaim(service: TestService, rewardId: string, player: Actor = actor('USER')) {
  await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
  const reply = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return Object.assign(reply.body as ClaimReply, { player })
}

const claimDoc = (service: TestService, id: string) => service.db.collection('claims').findOne({ _id: new ObjectId(id) })
const statusOf = async (service: TestService, id: string) => (await claimDoc(service, id))?.status
const trailOf = async (service: TestService, id: string) =>
  (await service.db.collection('claim_transitions').find({ claimId: new ObjectId(id) }).sort({ at: 1, _id: 1 }).toArray()).map(
    (step) => `${step.from}→${step.to}`
  )
const staffView = async (service: TestService, id: string) => (await service.call('GET', `/user-reward-claims/${id}`, { token: operator.token })).body
/** Until the claim is in `status` and that transition is in the audit trail (the second of its two writes). */
const until = (service: TestService, id: string, status: string, timeoutMs = 5_000) =>
  eventually(
    async () => {
      const claim = await claimDoc(service, id)
      return claim?.status === status && (claim.auditPending ?? []).length === 0
    },
    timeoutMs,
    `claim ${id} ${status}`
  )

describe('delivery over HTTP: the receiver-answer table', () => {
  const receiver = new DeliveryReceiver()
  const services: TestService[] = []
  let clock: TestClock
  const start = async (env: Record<string, string> = {}, dbName?: string) => {
    const service = await startService({ env: deliveryEnv(receiver, env), clock, ...(dbName ? { dbName } : {}) })
    services.push(service)
    return service
  }
  before(() => receiver.start())
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()))
    receiver.reset()
  })
  after(() => receiver.stop())
  const fresh = () => {
    clock = adjustableClock()
  }

  test('the request carries exactly {claimId, userId, eventId, rewardId, rewards} with Idempotency-Key: <claimId>; 200 completes it', async () => {
    fresh()
    const service = await start()
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'completed')
    const [request] = receiver.requestsFor(claim.id)
    const doc = await claimDoc(service, claim.id)
    assert.deepEqual(request?.body, {
      claimId: claim.id,
      userId: claim.userId,
      eventId: doc?.eventId.toHexString(),
      rewardId: doc?.rewardId.toHexString(),
      rewards: [{ type: 'currency', currency: 'GOLD', amount: 500 }]
    })
    assert.equal(request?.headers['content-type'], 'application/json')
    assert.equal(request?.headers['x-signature'], undefined, 'no secret, no signature')
    assert.equal(receiver.granted(claim.id), 1)
    assert.equal(await service.db.collection('user_rewards').countDocuments(), 0, 'the ledger is not used')
  })

  test('with REWARD_DELIVERY_SECRET every request is signed: X-Signature = sha256=<hex HMAC-SHA256 of the body>', async () => {
    fresh()
    const secret = 'shared-secret-for-the-receiver'
    const service = await start({ REWARD_DELIVERY_SECRET: secret })
    receiver.behaviour = (request, self) => (request.nth === 1 ? { status: 503 } : idempotentReceiver(request, self))
    const claim = await qualifiedClaim(service, await setUpReward(service))
    await until(service, claim.id, 'completed')
    const requests = receiver.requestsFor(claim.id)
    assert.ok(requests.length >= 2)
    for (const request of requests) {
      const expected = `sha256=${createHmac('sha256', secret).update(request.raw).digest('hex')}`
      assert.equal(request.headers['x-signature'], expected, 'verifies over the exact bytes received')
      assert.notEqual(request.headers['x-signature'], `sha256=${createHmac('sha256', 'another-secret').update(request.raw).digest('hex')}`)
    }
    assert.equal(new Set(requests.map((request) => request.raw)).size, 1, 'the same body on every attempt')
  })

  test('201 completes it too', async () => {
    fresh()
    const service = await start()
    receiver.behaviour = () => ({ status: 201, grant: true })
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'completed')
  })

  test('a receiver that grants and answers too late (client timeout): retried with the same key, completed once, one grant in its ledger', async () => {
    fresh()
    const service = await start()
    const lateFirst: Behaviour = (request, self) => (request.nth === 1 ? { status: 200, grant: true, delayMs: 700 } : idempotentReceiver(request, self))
    receiver.behaviour = lateFirst
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'processing', 'the timeout is no answer: not failed, not completed')
    assert.match((await staffView(service, claim.id)).delivery.lastError, /no answer within 300 ms/)
    await until(service, claim.id, 'completed')
    const requests = receiver.requestsFor(claim.id)
    assert.ok(requests.length >= 2, 'sent again')
    assert.ok(requests.every((request) => request.key === claim.id))
    assert.equal(receiver.granted(claim.id), 1, 'the receiver granted it once')
    assert.deepEqual(await trailOf(service, claim.id), ['null→processing', 'processing→completed'])
  })

  test('409 (still being processed) twice, then 200: completed once, never before the 200', async () => {
    fresh()
    const service = await start()
    const seenWhileBusy: string[] = []
    let claimId = ''
    receiver.behaviour = async (request, self) => {
      if (claimId) seenWhileBusy.push(String(await statusOf(service, claimId)))
      return request.nth <= 2 ? { status: 409 } : idempotentReceiver(request, self)
    }
    const rewardId = await setUpReward(service)
    const player = actor('USER')
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    const created = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
    claimId = created.body.id
    assert.equal(created.body.status, 'processing', 'a 409 is not a grant')
    await until(service, claimId, 'completed')
    assert.equal(receiver.requestsFor(claimId).length, 3)
    assert.deepEqual(seenWhileBusy, ['processing', 'processing'], 'still processing when the 200 was about to be given')
    assert.equal(receiver.granted(claimId), 1)
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text()
    assert.match(metrics, /event_delivery_attempts_total\{outcome="busy"\} 2/)
    assert.match(metrics, /event_delivery_attempts_total\{outcome="granted"\} 1/)
  })

  for (const status of [400, 422]) {
    test(`${status}: failed at once with outcome refused; the player sees a generic reason, staff the receiver's words`, async () => {
      fresh()
      const service = await start()
      receiver.behaviour = answering(status, '{"detail":"inventory full on shard db-07.internal:5432"}')
      const claim = await qualifiedClaim(service, await setUpReward(service))
      assert.equal(claim.status, 'failed')
      assert.equal(receiver.requestsFor(claim.id).length, 1)
      const staff = await staffView(service, claim.id)
      assert.equal(staff.delivery.outcome, 'refused')
      assert.match(staff.reason, new RegExp(`answered ${status}: .*db-07\\.internal`))
      assert.equal(staff.delivery.lastError, staff.reason)
      // The player: the claim reply, its detail and /me never carry the receiver's text.
      for (const body of [
        claim,
        (await service.call('GET', `/user-reward-claims/${claim.id}`, { token: claim.player.token })).body,
        (await service.call('GET', '/user-reward-claims/me', { token: claim.player.token })).body
      ]) {
        const text = JSON.stringify(body)
        assert.doesNotMatch(text, /db-07|inventory full|answered/, text)
        assert.doesNotMatch(text, /lastError|outcome/)
      }
      assert.equal(claim.reason, 'The reward could not be delivered yet. Our team has been alerted and will follow up.')
    })
  }

  test('401, 404, 500: retried (never failed for them), counted by the breaker, which opens', async () => {
    fresh()
    const service = await start({ DELIVERY_BREAKER_RESET_MS: '400' })
    const rewardId = await setUpReward(service)
    const answers = [401, 404, 500]
    receiver.behaviour = (request) => ({ status: answers[(receiver.requests.length - 1) % answers.length]!, text: `nope ${request.nth}` })
    const claims = []
    for (let i = 0; i < 6; i++) claims.push(await qualifiedClaim(service, rewardId))
    assert.ok(claims.every((claim) => claim.status === 'processing'))
    const status = await eventually(async () => {
      const reply = await service.call('GET', '/delivery', { token: operator.token })
      return reply.body.circuit === 'open' ? reply.body : null
    }, 3_000, 'the circuit open')
    assert.equal(status.circuit, 'open')
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text()
    assert.match(metrics, /event_delivery_circuit_state 2/)
    receiver.behaviour = idempotentReceiver
    for (const claim of claims) await until(service, claim.id, 'completed')
    assert.ok(receiver.requests.some((request) => request.status === 401) && receiver.requests.some((request) => request.status === 404))
    for (const claim of claims) {
      assert.equal(receiver.granted(claim.id), 1)
      assert.deepEqual(await trailOf(service, claim.id), ['null→processing', 'processing→completed'], 'never failed on the way')
    }
  })

  test('an outage longer than the old budget (hours of clock): every claim completes exactly once after recovery', async () => {
    fresh()
    const service = await start({ DELIVERY_BREAKER_RESET_MS: '50' })
    const rewardId = await setUpReward(service)
    receiver.behaviour = answering(503)
    const claims = []
    for (let i = 0; i < 5; i++) claims.push(await qualifiedClaim(service, rewardId))
    for (let step = 0; step < 12; step++) {
      const before = receiver.requests.length
      clock.advance(10 * 60 * 1000) // 2 hours in all: the old budget was 8 attempts ≈ 2 minutes
      await eventually(async () => receiver.requests.length > before, 3_000, 'more attempts')
    }
    assert.deepEqual(await Promise.all(claims.map((claim) => statusOf(service, claim.id))), Array(5).fill('processing'))
    receiver.behaviour = idempotentReceiver
    for (const claim of claims) await until(service, claim.id, 'completed')
    for (const claim of claims) {
      assert.equal(receiver.granted(claim.id), 1)
      assert.equal(receiver.requestsFor(claim.id).filter((request) => request.status === 200).length, 1, 'nothing sent after the grant')
    }
  })

  test('past DELIVERY_GIVE_UP_AFTER_MS without a final answer: failed with outcome unknown; an operator retry completes it under the same key, one grant in all', async () => {
    fresh()
    const service = await start()
    // Grants, then never answers in time: the worst case — granted, but nobody knows.
    receiver.behaviour = (request, self) =>
      self.granted(request.key) > 0 ? { status: 200, delayMs: 700 } : { status: 200, grant: true, delayMs: 700 }
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'processing')
    clock.advance(23 * HOUR)
    await sleep(400)
    assert.equal(await statusOf(service, claim.id), 'processing', 'inside the budget')
    clock.advance(2 * HOUR)
    await until(service, claim.id, 'failed')
    const failed = await staffView(service, claim.id)
    assert.equal(failed.delivery.outcome, 'unknown', 'it may have been granted, and staff are told so')
    assert.match(failed.reason, /no final answer within 86400000 ms/)
    assert.equal(failed.delivery.nextAttemptAt, null)
    const sentBeforeRetry = receiver.requestsFor(claim.id).length
    await sleep(200)
    assert.equal(receiver.requestsFor(claim.id).length, sentBeforeRetry, 'a failed claim is not sent again by itself')

    receiver.behaviour = idempotentReceiver
    const retried = await service.call('PATCH', `/user-reward-claims/${claim.id}/retry`, { token: operator.token })
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    await until(service, claim.id, 'completed')
    assert.ok(receiver.requestsFor(claim.id).every((request) => request.key === claim.id), 'the same Idempotency-Key, forever')
    assert.equal(receiver.granted(claim.id), 1, 'one grant in total')
    assert.deepEqual(await trailOf(service, claim.id), ['null→processing', 'processing→failed', 'failed→processing', 'processing→completed'])
  })

  test('202 without a callback: re-sent with the same key after DELIVERY_CALLBACK_WAIT_MS, and bounded by the budget', async () => {
    fresh()
    const service = await start()
    receiver.behaviour = answering(202)
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'processing')
    assert.ok(claim.delivery.acceptedAt)
    await sleep(300)
    assert.equal(receiver.requestsFor(claim.id).length, 1, 'not re-sent before the wait')
    clock.advance(5 * 60 * 1000)
    await eventually(async () => receiver.requestsFor(claim.id).length === 2, 3_000, 'a second send')
    assert.ok(receiver.requestsFor(claim.id).every((request) => request.key === claim.id))
    assert.equal(await statusOf(service, claim.id), 'processing')
    clock.advance(25 * HOUR)
    await until(service, claim.id, 'failed')
    assert.equal((await staffView(service, claim.id)).delivery.outcome, 'unknown')
  })

  test('a crashed worker’s claim is picked up by the sweeper once its lease runs out', async () => {
    fresh()
    const service = await start()
    const claim = await qualifiedClaim(service, await setUpReward(service, true))
    assert.equal(claim.status, 'pending')
    const leaseUntil = new Date(clock().getTime() + 1_500)
    await service.db.collection('claims').updateOne(
      { _id: new ObjectId(claim.id) },
      {
        $set: {
          status: 'processing',
          'delivery.attempts': 1,
          'delivery.nextAttemptAt': new Date(clock().getTime() - 60_000),
          'delivery.leaseUntil': leaseUntil,
          'delivery.leaseOwner': 'crashed-worker'
        }
      }
    )
    await sleep(400)
    assert.equal(receiver.requestsFor(claim.id).length, 0, 'a live lease is respected')
    await until(service, claim.id, 'completed')
    assert.ok(clock().getTime() >= leaseUntil.getTime())
    assert.equal(receiver.granted(claim.id), 1)
    const doc = await claimDoc(service, claim.id)
    assert.equal(doc?.delivery.attempts, 2)
    assert.equal(doc?.delivery.leaseOwner, null)
  })

  test('a request that outlasts the timeout is aborted, and retried', async () => {
    fresh()
    const service = await start({ DELIVERY_TIMEOUT_MS: '200' })
    receiver.behaviour = () => 'hang'
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'processing')
    await eventually(async () => receiver.inFlightFor(claim.id) === 0, 2_000, 'the hung request to be cancelled')
    receiver.behaviour = idempotentReceiver
    await until(service, claim.id, 'completed')
    assert.equal(receiver.granted(claim.id), 1)
  })

  test('two instances sweeping one database never deliver the same claim at once, nor twice', async () => {
    fresh()
    const first = await start()
    const second = await start({}, first.db.databaseName)
    const rewardId = await setUpReward(first)
    receiver.behaviour = answering(503)
    const claims = []
    for (let i = 0; i < 10; i++) claims.push(await qualifiedClaim(i % 2 ? first : second, rewardId))
    receiver.behaviour = async (request, self) => {
      const answer = await idempotentReceiver(request, self)
      return answer === 'hang' ? answer : { ...answer, delayMs: 60 }
    }
    for (const claim of claims) await until(first, claim.id, 'completed', 10_000)
    assert.equal(receiver.maxInFlightPerKey, 1)
    for (const claim of claims) assert.equal(receiver.granted(claim.id), 1)
  })
})

describe('the DELIVERY callback', () => {
  const receiver = new DeliveryReceiver()
  let service: TestService
  let rewardId: string
  before(async () => {
    await receiver.start()
    service = await startService({ env: deliveryEnv(receiver) })
    rewardId = await setUpReward(service)
  })
  after(async () => {
    await service.close()
    await receiver.stop()
  })

  const confirm = (id: string, body: unknown, token = deliverySystem.token) =>
    service.call('POST', `/user-reward-claims/${id}/delivery`, { token, body })
  const acceptedClaim = async () => {
    receiver.behaviour = answering(202)
    const claim = await qualifiedClaim(service, rewardId)
    assert.equal(claim.status, 'processing')
    return claim
  }

  test('only the DELIVERY role may call it: SERVICE (game servers), USER, OPERATOR, ADMIN get 403 and change nothing', async () => {
    const claim = await acceptedClaim()
    for (const caller of [gameServer, claim.player, operator, admin, auditor]) {
      for (const body of [{ status: 'completed' }, { status: 'failed', reason: 'sabotage' }]) {
        const reply = await confirm(claim.id, body, caller.token)
        assert.equal(reply.status, 403, JSON.stringify(reply.body))
      }
    }
    assert.equal(await statusOf(service, claim.id), 'processing')
  })

  test('{status: completed}: processing → completed; the same again is a 200 that changes nothing; then failed is a 409', async () => {
    const claim = await acceptedClaim()
    const completed = await confirm(claim.id, { status: 'completed' })
    assert.equal(completed.status, 200, JSON.stringify(completed.body))
    assert.equal(completed.body.status, 'completed')
    const again = await confirm(claim.id, { status: 'completed' })
    assert.equal(again.status, 200)
    assert.equal(again.body.updatedAt, completed.body.updatedAt, 'a no-op')
    const contradiction = await confirm(claim.id, { status: 'failed', reason: 'lost' })
    assert.equal(contradiction.status, 409)
    assert.equal(contradiction.body.code, 'INVALID_TRANSITION')
    const detail = await staffView(service, claim.id)
    assert.deepEqual(
      detail.transitions.map((t: { to: string; by: string }) => `${t.to}:${t.by}`),
      [`processing:${claim.userId}`, `completed:${deliverySystem.id}`]
    )
  })

  test('{status: failed, reason}: processing → failed (refused); the same again 200; another reason or completed: 409', async () => {
    const claim = await acceptedClaim()
    const failed = await confirm(claim.id, { status: 'failed', reason: 'Inventory full' })
    assert.equal(failed.status, 200)
    assert.equal(failed.body.status, 'failed')
    assert.equal(failed.body.reason, 'Inventory full')
    assert.equal(failed.body.delivery.outcome, 'refused')
    assert.equal((await confirm(claim.id, { status: 'failed', reason: 'Inventory full' })).status, 200)
    assert.equal((await confirm(claim.id, { status: 'failed', reason: 'Other' })).status, 409)
    assert.equal((await confirm(claim.id, { status: 'completed' })).status, 409, 'refused for good is not completed later')
  })

  test('the first version’s {status: failed, error} is still understood', async () => {
    const claim = await acceptedClaim()
    const failed = await confirm(claim.id, { status: 'failed', error: 'Account banned' })
    assert.equal(failed.status, 200, JSON.stringify(failed.body))
    assert.equal(failed.body.reason, 'Account banned')
  })

  test('{status: completed} on a claim failed with outcome unknown completes it (it was granted after all)', async () => {
    const claim = await acceptedClaim()
    // What the budget running out leaves behind.
    await service.db.collection('claims').updateOne(
      { _id: new ObjectId(claim.id) },
      { $set: { status: 'failed', 'delivery.outcome': 'unknown', 'delivery.nextAttemptAt': null, reason: 'no final answer' } }
    )
    const completed = await confirm(claim.id, { status: 'completed' })
    assert.equal(completed.status, 200, JSON.stringify(completed.body))
    assert.equal(completed.body.status, 'completed')
  })

  test('400 for a bad status or a failure without a reason; 404 for an unknown claim; 409 for a pending claim', async () => {
    const claim = await acceptedClaim()
    for (const body of [{ status: 'lost' }, { status: 'failed' }, { status: 'completed', reason: 'x' }, {}, { status: 'failed', reason: '' }]) {
      const reply = await confirm(claim.id, body)
      assert.equal(reply.status, 400, JSON.stringify(body))
    }
    assert.equal(await statusOf(service, claim.id), 'processing', 'nothing changed')
    assert.equal((await confirm(new ObjectId().toHexString(), { status: 'completed' })).status, 404)
    const pendingReward = await setUpReward(service, true)
    const pending = await qualifiedClaim(service, pendingReward)
    const refused = await confirm(pending.id, { status: 'completed' })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'INVALID_TRANSITION')
  })
})

describe('operator recovery, pause, and decisions on one’s own claim', () => {
  const receiver = new DeliveryReceiver()
  let service: TestService
  let clock: TestClock
  let rewardId: string
  before(async () => {
    await receiver.start()
    clock = adjustableClock()
    service = await startService({ env: deliveryEnv(receiver), clock })
    rewardId = await setUpReward(service)
  })
  afterEach(() => receiver.reset())
  after(async () => {
    await service.close()
    await receiver.stop()
  })
  const retry = (id: string, by: Actor = operator) => service.call('PATCH', `/user-reward-claims/${id}/retry`, { token: by.token })
  const resolve = (id: string, body: unknown, by: Actor = operator) =>
    service.call('PATCH', `/user-reward-claims/${id}/resolve`, { token: by.token, body })
  const setPaused = (paused: boolean, by: Actor = admin) => service.call('PATCH', '/delivery', { token: by.token, body: { paused } })
  const refusedClaim = async (player?: Actor) => {
    receiver.behaviour = answering(422)
    const claim = await qualifiedClaim(service, rewardId, player)
    assert.equal(claim.status, 'failed')
    return claim
  }

  test('20 parallel retries of one failed claim: one transition, one delivery', async () => {
    const claim = await refusedClaim()
    receiver.behaviour = idempotentReceiver
    const sentBefore = receiver.requestsFor(claim.id).length
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => retry(claim.id, i % 2 ? operator : secondOperator)))
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, ...Array(19).fill(409)])
    assert.ok(replies.filter((reply) => reply.status === 409).every((reply) => reply.body.code === 'INVALID_TRANSITION'))
    await until(service, claim.id, 'completed')
    assert.equal(receiver.requestsFor(claim.id).length - sentBefore, 1, 'one delivery')
    assert.equal(receiver.granted(claim.id), 1)
    assert.deepEqual(await trailOf(service, claim.id), ['null→processing', 'processing→failed', 'failed→processing', 'processing→completed'])
  })

  test('resolve: failed → completed with a required note, nothing sent, audited in the trail and the audit log', async () => {
    const claim = await refusedClaim()
    assert.equal((await resolve(claim.id, {})).status, 400)
    assert.equal((await resolve(claim.id, { note: '' })).status, 400)
    const sent = receiver.requests.length
    const note = 'Checked the game ledger: granted by hand, ticket OPS-1'
    const resolved = await resolve(claim.id, { note })
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body))
    assert.equal(resolved.body.status, 'completed')
    assert.equal(receiver.requests.length, sent)
    const detail = await staffView(service, claim.id)
    assert.deepEqual(detail.transitions.at(-1), { from: 'failed', to: 'completed', by: operator.id, at: detail.transitions.at(-1).at, reason: note })
    const logged = await service.db.collection('audit_log').findOne({ action: 'claim.resolve', 'entity.id': claim.id })
    assert.equal(logged?.actor, operator.id)
    assert.deepEqual(logged?.after, { status: 'completed', note })
    assert.equal(logged?.before.outcome, 'refused')
    assert.equal((await resolve(claim.id, { note })).status, 409, 'once')
    assert.equal((await retry(claim.id)).status, 409)
  })

  test('nobody decides on a claim of their own account: approve, reject, retry, resolve → 403 SELF_APPROVAL, nothing changes', async () => {
    // A staff member who also plays: one account, both roles.
    const id = new ObjectId().toHexString()
    const playingOperator: Actor = { id, token: signJwt(accessClaims(id, ['USER', 'OPERATOR'])) }
    const failed = await refusedClaim(playingOperator)
    assert.equal((await retry(failed.id, playingOperator)).body.code, 'SELF_APPROVAL')
    const resolveReply = await resolve(failed.id, { note: 'mine' }, playingOperator)
    assert.equal(resolveReply.status, 403)
    assert.equal(resolveReply.body.code, 'SELF_APPROVAL')
    assert.equal(await statusOf(service, failed.id), 'failed')

    const pendingReward = await setUpReward(service, true)
    const pending = await qualifiedClaim(service, pendingReward, playingOperator)
    const approveReply = await service.call('PATCH', `/user-reward-claims/${pending.id}/approve`, { token: playingOperator.token })
    assert.equal(approveReply.status, 403)
    assert.equal(approveReply.body.code, 'SELF_APPROVAL')
    const rejectReply = await service.call('PATCH', `/user-reward-claims/${pending.id}/reject`, { token: playingOperator.token, body: { reason: 'mine' } })
    assert.equal(rejectReply.status, 403)
    assert.equal(rejectReply.body.code, 'SELF_APPROVAL')
    assert.equal(await statusOf(service, pending.id), 'pending')
    assert.equal((await service.call('PATCH', `/user-reward-claims/${pending.id}/approve`, { token: operator.token })).status, 200, 'another operator may')
  })

  test('only OPERATOR and ADMIN retry or resolve; only ADMIN pauses; AUDITOR and OPERATOR read the status', async () => {
    const claim = await refusedClaim()
    for (const caller of [auditor, gameServer, deliverySystem, claim.player]) {
      assert.equal((await retry(claim.id, caller)).status, 403)
      assert.equal((await resolve(claim.id, { note: 'x' }, caller)).status, 403)
    }
    for (const caller of [operator, auditor, gameServer, deliverySystem, claim.player]) {
      assert.equal((await setPaused(true, caller)).status, 403)
    }
    assert.equal((await service.call('GET', '/delivery', { token: auditor.token })).status, 200)
    assert.equal((await service.call('GET', '/delivery', { token: claim.player.token })).status, 403)
    assert.equal((await service.call('GET', '/delivery', { token: gameServer.token })).status, 403)
    assert.equal((await service.call('PATCH', '/delivery', { token: admin.token, body: { paused: 'yes' } })).status, 400)
    assert.equal((await service.call('PATCH', '/delivery', { token: admin.token, body: {} })).status, 400)
    assert.equal((await service.call('GET', '/delivery', { token: admin.token })).body.paused, false)
  })

  test('pause: 50 claims queue and nothing is sent or fails, budgets stop; resume: 50 grants, 0 duplicates', async () => {
    // Two claims whose budget is running when the pause begins.
    receiver.behaviour = answering(503)
    const running = [await qualifiedClaim(service, rewardId), await qualifiedClaim(service, rewardId)]
    const paused = await setPaused(true)
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    assert.equal(paused.body.paused, true)
    assert.equal(paused.body.pausedBy, admin.id)
    await sleep(200) // an attempt in flight when the pause began may still land
    receiver.reset()

    const queued = []
    for (let i = 0; i < 50; i++) queued.push(await qualifiedClaim(service, rewardId))
    assert.ok(queued.every((claim) => claim.status === 'processing' && claim.delivery.attempts === 0))
    clock.advance(30 * HOUR) // longer than the budget: paused time does not count
    await sleep(500)
    assert.equal(receiver.requests.length, 0, 'nothing sent while paused')
    const status = (await service.call('GET', '/delivery', { token: operator.token })).body
    assert.equal(status.paused, true)
    assert.equal(status.outboxDepth, 52)
    assert.ok(status.oldestProcessingAgeSeconds >= 30 * 3600)
    assert.equal(await service.db.collection('claims').countDocuments({ status: 'failed', _id: { $in: [...running, ...queued].map((c) => new ObjectId(c.id)) } }), 0)

    const resumed = await setPaused(false)
    assert.equal(resumed.body.paused, false)
    for (const claim of [...running, ...queued]) await until(service, claim.id, 'completed', 10_000)
    for (const claim of [...running, ...queued]) assert.equal(receiver.granted(claim.id), 1, claim.id)
    assert.equal(receiver.requests.filter((request) => request.status === 200).length, 52, 'no duplicates')
    const log = await service.db.collection('audit_log').find({ 'entity.type': 'delivery' }).sort({ _id: 1 }).toArray()
    assert.deepEqual(log.map((entry) => [entry.action, entry.actor, entry.after.paused]), [['delivery.pause', admin.id, true], ['delivery.resume', admin.id, false]])
    assert.equal((await setPaused(false)).status, 200, 'resuming twice is harmless')
    assert.equal(await service.db.collection('audit_log').countDocuments({ 'entity.type': 'delivery' }), 2, 'and not logged again')
  })

  test('10 parallel pauses, then 10 parallel resumes: one change each, audited once, the paused time counted once', async () => {
    const before = await service.db.collection('audit_log').countDocuments({ 'entity.type': 'delivery' })
    const pauses = await Promise.all(Array.from({ length: 10 }, () => setPaused(true)))
    assert.ok(pauses.every((reply) => reply.status === 200 && reply.body.paused === true))
    clock.advance(60_000)
    const resumes = await Promise.all(Array.from({ length: 10 }, () => setPaused(false)))
    assert.ok(resumes.every((reply) => reply.status === 200 && reply.body.paused === false))
    const logged = await service.db.collection('audit_log').find({ 'entity.type': 'delivery' }).sort({ _id: 1 }).toArray()
    assert.deepEqual(logged.slice(before).map((entry) => entry.action), ['delivery.pause', 'delivery.resume'])
    const settings = await service.db.collection('settings').findOne({ _id: 'delivery' as never })
    const pausedBefore = settings!.pausedMsTotal as number
    // Pause and resume once more, for exactly a minute of clock: the total grows by that minute, not by ten.
    await setPaused(true)
    clock.advance(60_000)
    await Promise.all(Array.from({ length: 10 }, () => setPaused(false)))
    const after = await service.db.collection('settings').findOne({ _id: 'delivery' as never })
    const added = (after!.pausedMsTotal as number) - pausedBefore
    assert.ok(added >= 60_000 && added < 61_000, `paused time counted once: ${added} ms`)
  })

  test('a lost reply is safe to retry: 409 ALREADY_CLAIMED names the claim, even once the event has ended', async () => {
    receiver.behaviour = () => 'hang' // the first delivery does not finish within the request
    const claim = await qualifiedClaim(service, rewardId)
    assert.equal(claim.status, 'processing')
    const again = await service.call('POST', '/user-reward-claims', { token: claim.player.token, body: { rewardsId: rewardId } })
    assert.equal(again.status, 409)
    assert.equal(again.body.code, 'ALREADY_CLAIMED')
    assert.equal(again.body.claimId, claim.id)
    receiver.behaviour = idempotentReceiver
    await until(service, claim.id, 'completed')
    clock.advance(8 * 24 * HOUR)
    const late = await service.call('POST', '/user-reward-claims', { token: claim.player.token, body: { rewardsId: rewardId } })
    assert.equal(late.status, 409)
    assert.equal(late.body.claimId, claim.id)
    clock.advance(-8 * 24 * HOUR)
  })

  test('metrics: claims by status, the outbox and its age', async () => {
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text()
    for (const status of ['pending', 'processing', 'completed', 'rejected', 'failed']) {
      assert.match(metrics, new RegExp(`event_claims\\{status="${status}"\\} \\d+`))
    }
    assert.match(metrics, /event_delivery_outbox_depth \d+/)
    assert.match(metrics, /event_delivery_oldest_processing_age_seconds [\d.]+/)
    assert.match(metrics, /event_delivery_paused 0/)
    const completed = await service.db.collection('claims').countDocuments({ status: 'completed' })
    assert.match(metrics, new RegExp(`event_claims\\{status="completed"\\} ${completed}\\b`))
  })
})

test('start-up drops the first version’s one-entry-per-state index (a retried claim enters processing twice)', async () => {
  const mongo = await startTestMongo()
  const client = await new MongoClient(mongo.url).connect()
  const db = client.db(mongo.dbName)
  await db.collection('claim_transitions').createIndex({ claimId: 1, to: 1 }, { name: 'one_entry_per_state', unique: true })
  const service = await startService({ dbName: mongo.dbName })
  try {
    const names = (await db.collection('claim_transitions').indexes()).map((index) => index.name)
    assert.ok(!names.includes('one_entry_per_state'), names.join(', '))
    assert.ok(names.includes('by_claim'))
  } finally {
    await service.close()
    await client.close()
  }
})
