import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, afterEach, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { retryDelay } from '../src/delivery/backoff.js'
import { actor, eventBody, eventually, sleep, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

test('backoff: exponential ceiling, capped, full jitter below it', () => {
  const highest = () => 0.999_999
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 10, 100].map((attempt) => retryDelay(attempt, 1_000, 10_000, highest)),
    [999, 1_999, 3_999, 7_999, 9_999, 9_999, 9_999, 9_999]
  )
  assert.equal(retryDelay(7, 1_000, 10_000, () => 0), 0)
  assert.equal(retryDelay(3, 1_000, 10_000, () => 0.5), 2_000)
})

type Mode = 'down' | 'up' | 'accept' | 'refuse' | 'hang'

/**
 * Stands in for the reward-delivery system: records every request (Idempotency-Key, answer),
 * delivers each key once (a repeat gets 409, as an idempotent receiver would), and tracks how
 * many requests per key are in flight at once.
 */
class DeliveryStub {
  mode: Mode = 'up'
  delayMs = 0
  readonly requests: Array<{ key: string; status: number | 'aborted'; body: Record<string, unknown> }> = []
  readonly inFlight = new Map<string, number>()
  maxInFlightPerKey = 0
  private readonly delivered = new Set<string>()
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let raw = ''
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()))
      request.on('end', async () => {
        const key = String(request.headers['idempotency-key'])
        const entry: (typeof this.requests)[number] = { key, status: 'aborted', body: JSON.parse(raw) }
        this.requests.push(entry)
        this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1)
        this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, this.inFlight.get(key)!)
        const done = () => this.inFlight.set(key, this.inFlight.get(key)! - 1)
        if (this.mode === 'hang') {
          response.on('close', done)
          return
        }
        if (this.delayMs > 0) await sleep(this.delayMs)
        done()
        const status = this.answer(key)
        entry.status = status
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    this.url = `http://127.0.0.1:${address.port}/grants`
  }

  private answer(key: string): number {
    switch (this.mode) {
      case 'down':
        return 503
      case 'refuse':
        return 400
      case 'accept':
        return 202
      default:
        if (this.delivered.has(key)) return 409
        this.delivered.add(key)
        return 200
    }
  }

  requestsFor = (key: string) => this.requests.filter((request) => request.key === key)
  successesFor = (key: string) => this.requestsFor(key).filter((request) => request.status === 200).length

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}

const operator = actor('OPERATOR')
const gameServer = actor('SERVICE')

const deliveryEnv = (stub: DeliveryStub, overrides: Record<string, string> = {}) => ({
  REWARD_DELIVERY_URL: stub.url,
  DELIVERY_TIMEOUT_MS: '300',
  DELIVERY_MAX_ATTEMPTS: '50',
  DELIVERY_BACKOFF_BASE_MS: '20',
  DELIVERY_BACKOFF_MAX_MS: '150',
  DELIVERY_LEASE_MS: '2000',
  DELIVERY_BREAKER_RESET_MS: '150',
  DELIVERY_CALLBACK_WAIT_MS: '60000',
  SWEEPER_INTERVAL_MS: '50',
  ...overrides
})

async function setUpReward(service: TestService, requireApproval = false): Promise<string> {
  const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval }) })
  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.body.id, contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }] }
  })
  return reward.body.id
}

/** A fresh player who qualifies (one check-in) and claims; returns the claim as created. */
async function qualifiedClaim(service: TestService, rewardId: string) {
  const player = actor('USER')
  await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
  const reply = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body as { id: string; userId: string; status: string; delivery: { attempts: number; lastError: string | null } }
}

const claimDoc = (service: TestService, id: string) => service.db.collection('claims').findOne({ _id: new ObjectId(id) })
const statusOf = async (service: TestService, id: string) => (await claimDoc(service, id))?.status

describe('delivery over HTTP', () => {
  const stub = new DeliveryStub()
  const services: TestService[] = []
  const start = async (env: Record<string, string> = {}, dbName?: string) => {
    const service = await startService({ env: deliveryEnv(stub, env), ...(dbName ? { dbName } : {}) })
    services.push(service)
    return service
  }
  before(() => stub.start())
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()))
    stub.mode = 'up'
    stub.delayMs = 0
  })
  after(() => stub.stop())

  test('the grant carries the claim and Idempotency-Key: <claimId>; 2xx completes it', async () => {
    const service = await start()
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'completed')
    const [request] = stub.requestsFor(claim.id)
    assert.deepEqual(request?.body, {
      claimId: claim.id,
      userId: claim.userId,
      eventId: (await claimDoc(service, claim.id))?.eventId.toHexString(),
      rewardId: (await claimDoc(service, claim.id))?.rewardId.toHexString(),
      contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }]
    })
    assert.equal(await service.db.collection('user_rewards').countDocuments(), 0, 'the ledger is not used')
  })

  test('an outage, then recovery: every claim is received and completed exactly once', async () => {
    const service = await start()
    const rewardId = await setUpReward(service)
    stub.mode = 'down'
    const claims = []
    for (let i = 0; i < 6; i++) claims.push(await qualifiedClaim(service, rewardId))
    assert.ok(claims.every((claim) => claim.status === 'processing'))
    await sleep(600) // retries keep failing meanwhile, and the circuit opens
    stub.mode = 'up'
    for (const claim of claims) {
      await eventually(async () => (await statusOf(service, claim.id)) === 'completed', 10_000, `claim ${claim.id} completed`)
    }
    assert.ok(stub.requests.filter((request) => request.status === 503).length >= claims.length, 'the outage was felt')
    for (const claim of claims) {
      assert.equal(stub.successesFor(claim.id), 1, `claim ${claim.id} delivered once`)
      assert.equal(stub.requestsFor(claim.id).filter((request) => request.status === 409).length, 0, 'never re-sent after success')
      const transitions = await service.db.collection('claim_transitions').find({ claimId: new ObjectId(claim.id) }).toArray()
      assert.deepEqual(
        transitions.map((t) => `${t.to}:${t.by}`),
        [`processing:${claim.userId}`, 'completed:system:delivery']
      )
    }
  })

  test("a claim left processing by a crashed worker is picked up by the sweeper once its lease runs out", async () => {
    const service = await start()
    const claim = await qualifiedClaim(service, await setUpReward(service, true))
    assert.equal(claim.status, 'pending')
    // A worker approved it, leased it, and died mid-delivery.
    const leaseUntil = new Date(Date.now() + 1_500)
    await service.db.collection('claims').updateOne(
      { _id: new ObjectId(claim.id) },
      {
        $set: {
          status: 'processing',
          'delivery.attempts': 1,
          'delivery.nextAttemptAt': new Date(Date.now() - 60_000),
          'delivery.leaseUntil': leaseUntil,
          'delivery.leaseOwner': 'crashed-worker'
        }
      }
    )
    await sleep(400)
    assert.equal(stub.requestsFor(claim.id).length, 0, 'a live lease is respected')
    await eventually(async () => (await statusOf(service, claim.id)) === 'completed', 5_000, 'recovered claim completed')
    assert.ok(Date.now() >= leaseUntil.getTime())
    assert.equal(stub.successesFor(claim.id), 1)
    const doc = await claimDoc(service, claim.id)
    assert.equal(doc?.delivery.attempts, 2)
    assert.equal(doc?.delivery.leaseOwner, null)
  })

  test('exhausted retries → failed, with the error visible and audited', async () => {
    const service = await start({ DELIVERY_MAX_ATTEMPTS: '3' })
    const rewardId = await setUpReward(service)
    stub.mode = 'down'
    const claim = await qualifiedClaim(service, rewardId)
    await eventually(async () => (await statusOf(service, claim.id)) === 'failed', 5_000, 'claim failed')
    assert.equal(stub.requestsFor(claim.id).length, 3)
    const detail = await service.call('GET', `/user-reward-claims/${claim.id}`, { token: operator.token })
    assert.equal(detail.body.status, 'failed')
    assert.equal(detail.body.delivery.attempts, 3)
    assert.match(detail.body.delivery.lastError, /answered 503/)
    assert.equal(detail.body.reason, detail.body.delivery.lastError)
    assert.equal(detail.body.delivery.nextAttemptAt, null)
    assert.deepEqual(
      detail.body.transitions.map((t: { from: string; to: string; by: string; reason: string }) => [t.from, t.to, t.by, t.reason]),
      [
        [null, 'processing', claim.userId, null],
        ['processing', 'failed', 'system:delivery', detail.body.delivery.lastError]
      ]
    )
    stub.mode = 'up'
    await sleep(200)
    assert.equal(stub.requestsFor(claim.id).length, 3, 'a failed claim is not retried')
  })

  test('a grant the delivery system refuses (non-retryable 4xx) fails at once', async () => {
    const service = await start()
    stub.mode = 'refuse'
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal((await claimDoc(service, claim.id))?.status, 'failed')
    assert.equal(stub.requestsFor(claim.id).length, 1)
  })

  test('a request that outlasts the timeout is aborted, and retried', async () => {
    const service = await start({ DELIVERY_TIMEOUT_MS: '200' })
    stub.mode = 'hang'
    const claim = await qualifiedClaim(service, await setUpReward(service))
    assert.equal(claim.status, 'processing')
    assert.match(claim.delivery.lastError ?? '', /no answer within 200 ms/)
    await eventually(async () => stub.inFlight.get(claim.id) === 0, 2_000, 'the hung request to be cancelled')
    stub.mode = 'up'
    await eventually(async () => (await statusOf(service, claim.id)) === 'completed', 5_000, 'claim completed')
    assert.equal(stub.successesFor(claim.id), 1)
  })

  test('two instances sweeping one database never deliver the same claim at once, nor twice', async () => {
    const first = await start()
    const second = await start({}, first.db.databaseName)
    const rewardId = await setUpReward(first)
    stub.mode = 'down'
    const claims = []
    for (let i = 0; i < 10; i++) claims.push(await qualifiedClaim(i % 2 ? first : second, rewardId))
    stub.delayMs = 60
    stub.mode = 'up'
    for (const claim of claims) {
      await eventually(async () => (await statusOf(first, claim.id)) === 'completed', 10_000, `claim ${claim.id} completed`)
    }
    assert.equal(stub.maxInFlightPerKey, 1)
    for (const claim of claims) assert.equal(stub.successesFor(claim.id), 1)
  })
})

describe('delivery confirmed through the callback', () => {
  const stub = new DeliveryStub()
  let service: TestService
  let rewardId: string
  before(async () => {
    await stub.start()
    service = await startService({ env: deliveryEnv(stub, { DELIVERY_CALLBACK_WAIT_MS: '600' }) })
    rewardId = await setUpReward(service)
  })
  after(async () => {
    await service.close()
    await stub.stop()
  })

  const confirm = (id: string, body: unknown, token = gameServer.token) =>
    service.call('POST', `/user-reward-claims/${id}/delivery`, { token, body })

  test('202 leaves the claim processing until the delivery system confirms; a repeat is harmless', async () => {
    stub.mode = 'accept'
    const claim = await qualifiedClaim(service, rewardId)
    assert.equal(claim.status, 'processing')
    const accepted = await service.call('GET', `/user-reward-claims/${claim.id}`, { token: operator.token })
    assert.ok(accepted.body.delivery.acceptedAt)
    assert.equal(accepted.body.delivery.lastError, null)

    const completed = await confirm(claim.id, { status: 'completed' })
    assert.equal(completed.status, 200, JSON.stringify(completed.body))
    assert.equal(completed.body.status, 'completed')
    assert.equal((await confirm(claim.id, { status: 'completed' })).status, 200)
    const contradiction = await confirm(claim.id, { status: 'failed', error: 'lost' })
    assert.equal(contradiction.status, 409)
    const detail = await service.call('GET', `/user-reward-claims/${claim.id}`, { token: operator.token })
    assert.deepEqual(
      detail.body.transitions.map((t: { to: string; by: string }) => `${t.to}:${t.by}`),
      [`processing:${claim.userId}`, `completed:${gameServer.id}`]
    )
  })

  test('a confirmed failure ends the claim with its error; the same confirmation again is a 200', async () => {
    stub.mode = 'accept'
    const claim = await qualifiedClaim(service, rewardId)
    const failed = await confirm(claim.id, { status: 'failed', error: 'Inventory full' })
    assert.equal(failed.status, 200)
    assert.equal(failed.body.status, 'failed')
    assert.equal(failed.body.reason, 'Inventory full')
    assert.equal((await confirm(claim.id, { status: 'failed', error: 'Inventory full' })).status, 200)
    assert.equal((await confirm(claim.id, { status: 'failed', error: 'Other' })).status, 409)
    assert.equal((await confirm(claim.id, { status: 'completed' })).status, 409)
  })

  test('no confirmation in time: the grant is sent again under the same key', async () => {
    stub.mode = 'accept'
    const claim = await qualifiedClaim(service, rewardId)
    await eventually(async () => stub.requestsFor(claim.id).length >= 2, 5_000, 'a second send')
    assert.ok(stub.requestsFor(claim.id).every((request) => request.key === claim.id))
    assert.equal((await confirm(claim.id, { status: 'completed' })).status, 200)
  })

  test('400 for a bad tag or a missing error; 404 for an unknown claim; 409 for a claim not processing', async () => {
    stub.mode = 'accept'
    const claim = await qualifiedClaim(service, rewardId)
    for (const body of [{ status: 'lost' }, { status: 'failed' }, { status: 'completed', error: 'x' }, {}]) {
      const reply = await confirm(claim.id, body)
      assert.equal(reply.status, 400, JSON.stringify(body))
    }
    assert.equal((await confirm(new ObjectId().toHexString(), { status: 'completed' })).status, 404)
    const pendingReward = await setUpReward(service, true)
    const pending = await qualifiedClaim(service, pendingReward)
    const refused = await confirm(pending.id, { status: 'completed' })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'INVALID_TRANSITION')
  })
})
