/**
 * Scale-out: two event-service instances on one database behind the gateway (EVENT_SERVICE_URL
 * lists both). First 200 parallel claims from 200 players with both up: 200 grants, no
 * duplicate, both instances took a share. Then 200 more, and one instance is SIGKILLed mid-way:
 * the gateway sends new requests to the survivor (a refused connection never carried the claim,
 * so even a POST fails over), the claims the victim had in flight answer a clean 5xx, and the
 * survivor's sweeper delivers what the victim left `processing`. Clients that got an error retry
 * and get 201 or 409 ALREADY_CLAIMED naming their claim; every claim is granted exactly once.
 *
 * Tokens are minted with auth's key (`mintPlayers`), as in fault-kill-during-claims.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { createTestTokenIssuer } from '@app/devkit/testkit'
import { client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import {
  UNTHROTTLED,
  assertCleanFailure,
  checkInAll,
  createClaimableEvent,
  duplicatesOf,
  inPool,
  mintPlayers,
  openDatabases,
  setUpStaff,
  timedRequest,
  type Api,
  type Player,
  type Staff,
  type TimedReply
} from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: two event instances')

const PLAYERS = 200
const KILL_AFTER_REPLIES = 40
const LEASE_MS = 2_000
const SWEEPER_INTERVAL_MS = 500

let system: E2eSystem
let api: Api
let gateway = ''
let staff: Staff

const issuer = createTestTokenIssuer()

before(async () => {
  system = await startE2eSystem(
    {
      ...UNTHROTTLED,
      JWT_PRIVATE_KEY: issuer.privateKey,
      DELIVERY_TIMEOUT_MS: '1000',
      DELIVERY_LEASE_MS: String(LEASE_MS),
      SWEEPER_INTERVAL_MS: String(SWEEPER_INTERVAL_MS)
    },
    { eventInstances: 2 }
  )
  gateway = system.url('gateway')
  api = client(gateway)
  staff = await setUpStaff(api)
})
after(() => system?.stopAll())

/** Claims answered 201 by one instance, from its own request counter. */
async function createdBy(name: 'event' | 'event-2'): Promise<number> {
  const metrics = await (await fetch(`${system.adminUrl(name)}/metrics`)).text()
  const line = metrics.split('\n').find((l) => l.startsWith('event_http_requests_total{route="/user-reward-claims",method="POST",status="201"}'))
  return Number(line?.split(' ').at(-1) ?? 0)
}

async function claimRound(name: string) {
  const { eventId, rewardId } = await createClaimableEvent(api, staff.operator, name)
  const players = mintPlayers(issuer, PLAYERS, name)
  await checkInAll(api, players)
  const claim = (player: Player) =>
    timedRequest(`${gateway}/event-gateway/user-reward-claims`, { method: 'POST', token: player.token, body: { userId: player.id, rewardsId: rewardId }, hangMs: 20_000 })
  return { eventId, rewardId, players, claim }
}

/** Every stored claim of the event completed, one per player, each granted exactly once. */
async function assertGrantedOnce(eventId: string, players: readonly Player[]): Promise<void> {
  const db = await openDatabases(system)
  try {
    const claims = db.event.collection('claims')
    const notDone = await eventually(
      () => claims.countDocuments({ eventId: new ObjectId(eventId), status: { $ne: 'completed' } }),
      (count) => count === 0,
      LEASE_MS + 10 * SWEEPER_INTERVAL_MS + 5_000
    )
    assert.equal(notDone, 0, 'claims not completed')
    const stored = await claims.find({ eventId: new ObjectId(eventId) }).toArray()
    assert.equal(stored.length, PLAYERS)
    assert.deepEqual(stored.map((claim) => claim.userId).sort(), players.map((player) => player.id).sort())
    const grants = await db.event.collection('user_rewards').find({ eventId: new ObjectId(eventId) }).toArray()
    assert.deepEqual(duplicatesOf(grants.map((grant) => String(grant.claimId))), [], 'a claim granted twice')
    assert.deepEqual(grants.map((grant) => String(grant.claimId)).sort(), stored.map((claim) => String(claim._id)).sort(), 'one grant per claim')
    // A transition whose audit write the kill prevented is copied by the sweeper after a lease.
    await eventually(
      () => claims.countDocuments({ eventId: new ObjectId(eventId), 'auditPending.0': { $exists: true } }),
      (count) => count === 0,
      LEASE_MS + 10 * SWEEPER_INTERVAL_MS
    )
    const completions = await db.event
      .collection('claim_transitions')
      .countDocuments({ claimId: { $in: stored.map((claim) => claim._id) }, to: 'completed' })
    assert.equal(completions, PLAYERS, 'each claim completed once')
  } finally {
    await db.close()
  }
}

test('both instances up: 200 parallel claims through the gateway → 200 grants, 0 duplicates, both instances served', () =>
  tally.check('two instances: 200 claims, 200 grants', async () => {
    const round = await claimRound('two instances')
    const replies = await Promise.all(round.players.map(round.claim))
    assert.deepEqual([...new Set(replies.map((reply) => reply.status))], [201])
    await assertGrantedOnce(round.eventId, round.players)
    const [first, second] = [await createdBy('event'), await createdBy('event-2')]
    console.log(`# 200 claims: ${first} created by event, ${second} by event-2`)
    assert.equal(first + second, PLAYERS)
    assert.ok(first >= 20 && second >= 20, 'the gateway balanced over both')
  }))

test('one instance SIGKILLed mid-way: nothing lost, every claim delivered once, retries get 201 or 409 naming the claim', () =>
  tally.check('two instances: kill one during claims', async () => {
    const round = await claimRound('kill one instance')
    let answered = 0
    let killing: Promise<void> | undefined
    const replies: TimedReply[] = await Promise.all(
      round.players.map(async (player) => {
        const reply = await round.claim(player)
        answered += 1
        if (answered === KILL_AFTER_REPLIES) killing = system.stopService('event-2', 'SIGKILL')
        return reply
      })
    )
    await killing
    const byStatus: Record<string, number> = {}
    for (const reply of replies) byStatus[`${reply.status} ${reply.code ?? ''}`.trim()] = (byStatus[`${reply.status} ${reply.code ?? ''}`.trim()] ?? 0) + 1
    console.log(`# ${PLAYERS} claims, event-2 SIGKILLed after ${KILL_AFTER_REPLIES} answers: ${JSON.stringify(byStatus)}`)
    assert.ok(killing, 'the kill happened')
    for (const reply of replies) {
      if (reply.status === 201) continue
      assert.ok([502, 503, 504].includes(reply.status), `got ${reply.status} ${reply.code}`)
      assertCleanFailure(reply, 'claim during the kill')
    }
    const failed = round.players.filter((_, i) => replies[i]!.status !== 201)
    assert.ok(failed.length < PLAYERS / 2, `the survivor took over: only ${failed.length} errors`)

    // Clients that got an error retry: the claim is made now, or it was stored and is named.
    const retried = await inPool(failed, 16, async (player) => ({
      player,
      reply: await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId: round.rewardId } })
    }))
    const db = await openDatabases(system)
    try {
      for (const { player, reply } of retried) {
        if (reply.status === 201) continue
        assert.equal(reply.status, 409, JSON.stringify(reply.body))
        assert.equal(reply.body.code, 'ALREADY_CLAIMED')
        const stored = await db.event.collection('claims').findOne({ eventId: new ObjectId(round.eventId), userId: player.id })
        assert.equal(reply.body.claimId, String(stored?._id), 'the 409 names the stored claim')
      }
    } finally {
      await db.close()
    }
    console.log(`# retried ${failed.length}: ${retried.filter((r) => r.reply.status === 201).length} created now, ${retried.filter((r) => r.reply.status === 409).length} named as already claimed`)
    await assertGrantedOnce(round.eventId, round.players)
  }))
