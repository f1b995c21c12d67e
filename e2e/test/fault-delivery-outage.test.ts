/**
 * Fault: the reward-delivery system is down for a while (first answering 503, then refusing
 * connections), then comes back. Claims made meanwhile must stay `processing` — not `failed`,
 * not lost — and each must be delivered exactly once after recovery: the delivery server
 * counts grants per Idempotency-Key, and the database is checked for duplicates.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { createTestTokenIssuer } from '@app/devkit/testkit'
import { client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import {
  UNTHROTTLED,
  checkInAll,
  createClaimableEvent,
  mintPlayers,
  duplicatesOf,
  inPool,
  listClaims,
  ms,
  openDatabases,
  setUpStaff,
  startDeliveryServer,
  type Api,
  type DeliveryServer,
  type Player,
  type Staff
} from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: delivery outage')

const PLAYERS = 50
/** Each half of the outage: answering 503, then refusing connections. */
const OUTAGE_PHASE_MS = 2_000

const issuer = createTestTokenIssuer()
let system: E2eSystem
let delivery: DeliveryServer
let api: Api
let staff: Staff
let players: Player[]
let eventId = ''
let rewardId = ''
const created: Array<{ status: number; body: { id?: string; status?: string } }> = []

before(async () => {
  delivery = await startDeliveryServer()
  system = await startE2eSystem({
    ...UNTHROTTLED,
    // Players' tokens are signed by the test with auth's own key (see `mintPlayers`).
    JWT_PRIVATE_KEY: issuer.privateKey,
    REWARD_DELIVERY_URL: delivery.url,
    // The retry budget is the default (DELIVERY_GIVE_UP_AFTER_MS, 24 h): an outage never fails a claim
    // within it, however many attempts it takes. Only the waits are short, to keep the test quick.
    DELIVERY_TIMEOUT_MS: '1000',
    DELIVERY_LEASE_MS: '3000',
    DELIVERY_BACKOFF_BASE_MS: '100',
    DELIVERY_BACKOFF_MAX_MS: '800',
    DELIVERY_BREAKER_RESET_MS: '1000',
    SWEEPER_INTERVAL_MS: '200'
  })
  api = client(system.url('gateway'))
  staff = await setUpStaff(api)
  ;({ eventId, rewardId } = await createClaimableEvent(api, staff.operator, 'delivery outage'))
  players = mintPlayers(issuer, PLAYERS, 'outage')
  await checkInAll(api, players)
})
after(async () => {
  await system?.stopAll()
  await delivery?.close()
})

test('claims made while the delivery system fails are accepted and stay processing', () =>
  tally.check('outage: claims 201 and stay processing', async () => {
    delivery.mode = 'fail'
    created.push(
      ...(await inPool(players, 10, (player) =>
        api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId: rewardId } })
      ))
    )
    assert.deepEqual(created.map((reply) => reply.status), Array(PLAYERS).fill(201))
    assert.deepEqual([...new Set(created.map((reply) => reply.body.status))], ['processing'])

    await new Promise((resolveWait) => setTimeout(resolveWait, OUTAGE_PHASE_MS))
    await delivery.down()
    const refusedFrom = delivery.requests.length
    await new Promise((resolveWait) => setTimeout(resolveWait, OUTAGE_PHASE_MS))

    const claims = await listClaims(api, staff.operator, eventId)
    assert.equal(claims.length, PLAYERS)
    assert.deepEqual([...new Set(claims.map((claim) => claim.status))], ['processing'], 'none failed, none completed')
    assert.ok(claims.every((claim) => claim.delivery.lastError !== null), 'each carries the reason it is waiting')
    assert.equal(delivery.grants.size, 0)
    const answered503 = delivery.requests.filter((request) => request.answered === 503).length
    console.log(`# during the outage: ${answered503} delivery requests answered 503, then refused connections for ${ms(OUTAGE_PHASE_MS)} (${delivery.requests.length - refusedFrom} got through: expected 0)`)
    assert.equal(delivery.requests.length, refusedFrom, 'nothing reached a closed port')
    assert.ok(answered503 > 0, 'the outage was felt')
  }))

test('after recovery every claim is delivered and completed', () =>
  tally.check('recovery: all completed', async () => {
    await delivery.up()
    delivery.mode = 'ok'
    const recoveredAt = performance.now()
    const claims = await eventually(
      () => listClaims(api, staff.operator, eventId),
      (list) => list.every((claim) => claim.status === 'completed'),
      30_000
    )
    const elapsed = performance.now() - recoveredAt
    const statuses = claims.map((claim) => claim.status)
    assert.deepEqual([...new Set(statuses)], ['completed'], JSON.stringify(statuses))
    const attempts = claims.map((claim) => claim.delivery.attempts)
    console.log(`# all ${claims.length} claims completed ${ms(elapsed)} after the delivery system came back; attempts per claim: min ${Math.min(...attempts)}, max ${Math.max(...attempts)} (no attempt limit: a 24 h budget)`)
  }))

test('the delivery system granted each claim exactly once, under its own Idempotency-Key', () =>
  tally.check('delivery: exactly once per Idempotency-Key', () => {
    const claimIds = created.map((reply) => reply.body.id).sort()
    assert.deepEqual([...delivery.grants.keys()].sort(), claimIds, 'one key per claim, no other keys')
    assert.deepEqual([...delivery.grants.values()], Array(PLAYERS).fill(1))
    assert.equal(delivery.repeatsAfterGrant.size, 0, `re-sent after a grant: ${JSON.stringify([...delivery.repeatsAfterGrant])}`)
    const granted = delivery.requests.filter((request) => request.answered === 200).length
    console.log(`# delivery server: ${delivery.requests.length} requests, ${delivery.grants.size} distinct keys, ${granted} granted, 0 repeats after a grant`)
    assert.equal(granted, PLAYERS)
  }))

test('the database holds each claim once, with one completion each and no ledger grant', () =>
  tally.check('database: no duplicates, audit complete', async () => {
    const db = await openDatabases(system)
    try {
      const ids = created.map((reply) => new ObjectId(reply.body.id))
      const claims = await db.event.collection('claims').find({ eventId: new ObjectId(eventId) }).toArray()
      assert.equal(claims.length, PLAYERS)
      assert.deepEqual(duplicatesOf(claims.map((claim) => claim.userId)), [])
      assert.deepEqual(claims.map((claim) => String(claim._id)).sort(), ids.map(String).sort())
      const transitions = await db.event.collection('claim_transitions').find({ claimId: { $in: ids } }).toArray()
      const path = (id: ObjectId) =>
        transitions.filter((step) => step.claimId.equals(id)).map((step) => `${step.from}→${step.to}`).sort().join(',')
      for (const id of ids) assert.equal(path(id), 'null→processing,processing→completed', String(id))
      assert.equal(await db.event.collection('user_rewards').countDocuments({}), 0, 'the HTTP delivery system, not the ledger, granted')
    } finally {
      await db.close()
    }
  }))
