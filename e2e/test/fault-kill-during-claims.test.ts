/**
 * Fault: the event service is SIGKILLed in the middle of 200 parallel claims from 200 distinct
 * players (auto-approved event, built-in ledger). After it is started again: every claim that
 * got a 201 exists exactly once, nothing is left `processing` past the lease + sweeper window,
 * each stored claim was granted exactly once, and players whose claim got no answer can
 * retry and end up with exactly one claim and one grant each.
 *
 * The 200 players' access tokens are signed by the test with the RS256 key the auth service
 * is configured with (JWT_PRIVATE_KEY), exactly as auth would sign them (`mintPlayers`): 400
 * argon2 sign-ups and logins would add minutes and test nothing this fault is about. Staff log
 * in for real.
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
  ms,
  openDatabases,
  setUpStaff,
  timedRequest,
  type Api,
  type Player,
  type TimedReply
} from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: event killed during claims')

const PLAYERS = 200
/** SIGKILL once this many claims have been answered: the rest are in flight or queued. */
const KILL_AFTER_REPLIES = 40
const LEASE_MS = 2_000
const SWEEPER_INTERVAL_MS = 500

let system: E2eSystem
let api: Api
let gateway = ''
let eventId = ''
let rewardId = ''
let players: Player[] = []
let replies: TimedReply[] = []
let answeredBeforeKill = 0
let restartedAt = 0
let settledInMs = Number.NaN

const issuer = createTestTokenIssuer()

const claimBody = (player: Player) => ({ userId: player.id, rewardsId: rewardId })
const idOf = (reply: TimedReply) => (JSON.parse(reply.body) as { id: string }).id

before(async () => {
  system = await startE2eSystem({
    ...UNTHROTTLED,
    JWT_PRIVATE_KEY: issuer.privateKey,
    DELIVERY_TIMEOUT_MS: '1000',
    DELIVERY_LEASE_MS: String(LEASE_MS),
    SWEEPER_INTERVAL_MS: String(SWEEPER_INTERVAL_MS),
    BREAKER_RESET_TIMEOUT_MS: '1000'
  })
  gateway = system.url('gateway')
  api = client(gateway)
  const staff = await setUpStaff(api)
  ;({ eventId, rewardId } = await createClaimableEvent(api, staff.operator, 'kill during claims'))
  players = mintPlayers(issuer, PLAYERS, 'kill')
  await checkInAll(api, players)
})
after(() => system?.stopAll())

test('200 parallel claims, SIGKILL mid-way: every reply is a 201 or a clean 5xx, none hangs', () =>
  tally.check('kill: replies are 201 or clean 502/503/504', async () => {
    let answered = 0
    let killing: Promise<void> | undefined
    replies = await Promise.all(
      players.map(async (player) => {
        const reply = await timedRequest(`${gateway}/event-gateway/user-reward-claims`, { method: 'POST', token: player.token, body: claimBody(player), hangMs: 20_000 })
        answered += 1
        if (answered === KILL_AFTER_REPLIES) {
          answeredBeforeKill = answered
          killing = system.stopService('event', 'SIGKILL')
        }
        return reply
      })
    )
    await killing
    const tally201 = replies.filter((reply) => reply.status === 201).length
    const byStatus = new Map<string, number>()
    for (const reply of replies) byStatus.set(`${reply.status} ${reply.code ?? ''}`.trim(), (byStatus.get(`${reply.status} ${reply.code ?? ''}`.trim()) ?? 0) + 1)
    console.log(`# ${PLAYERS} claims, SIGKILL after ${answeredBeforeKill} answers: ${JSON.stringify(Object.fromEntries(byStatus))}`)
    assert.ok(killing, 'the kill happened')
    assert.ok(tally201 >= KILL_AFTER_REPLIES - 5 && tally201 < PLAYERS, `some claims got through before the kill, not all (${tally201})`)
    for (const reply of replies) {
      if (reply.status === 201) continue
      assert.ok([502, 503, 504].includes(reply.status), `got ${reply.status} ${reply.code}`)
      assertCleanFailure(reply, 'claim during the kill')
    }
  }))

test('after the restart, no claim is left processing past the lease + sweeper window', () =>
  tally.check('restart: nothing stuck in processing', async () => {
    const db = await openDatabases(system)
    try {
      const claims = db.event.collection('claims')
      // What the kill left, before anything recovers it.
      const ofEvent = { eventId: new ObjectId(eventId) }
      const [storedAtKill, processingAtKill, unauditedAtKill] = await Promise.all([
        claims.countDocuments(ofEvent),
        claims.countDocuments({ ...ofEvent, status: 'processing' }),
        claims.countDocuments({ ...ofEvent, 'auditPending.0': { $exists: true } })
      ])
      console.log(`# left by the kill: ${storedAtKill} claims stored, ${processingAtKill} still processing, ${unauditedAtKill} with a transition not yet audited`)
      await system.startService('event')
      restartedAt = performance.now()
      const left = await eventually(
        () => claims.countDocuments({ eventId: new ObjectId(eventId), status: { $ne: 'completed' } }),
        (count) => count === 0,
        LEASE_MS + 10 * SWEEPER_INTERVAL_MS + 5_000
      )
      settledInMs = performance.now() - restartedAt
      const stored = await claims.countDocuments({ eventId: new ObjectId(eventId) })
      console.log(`# after restart: ${stored} stored claims all completed in ${ms(settledInMs)} (lease ${LEASE_MS} ms, sweeper every ${SWEEPER_INTERVAL_MS} ms)`)
      assert.equal(left, 0, `${left} claims not completed`)
      assert.ok(settledInMs <= LEASE_MS + 4 * SWEEPER_INTERVAL_MS + 2_000, `settled after ${ms(settledInMs)}`)
    } finally {
      await db.close()
    }
  }))

test('every 201 claim exists exactly once; each stored claim was granted exactly once', () =>
  tally.check('exactly once: claims and grants', async () => {
    const db = await openDatabases(system)
    try {
      const stored = await db.event.collection('claims').find({ eventId: new ObjectId(eventId) }).toArray()
      const storedIds = new Set(stored.map((claim) => String(claim._id)))
      const acknowledged = replies.filter((reply) => reply.status === 201).map(idOf)
      assert.deepEqual(acknowledged.filter((id) => !storedIds.has(id)), [], 'a 201 claim is missing')
      assert.deepEqual(duplicatesOf(stored.map((claim) => claim.userId)), [], 'two claims for one player')
      assert.deepEqual(duplicatesOf(acknowledged), [])

      const grants = await db.event.collection('user_rewards').find({ eventId: new ObjectId(eventId) }).toArray()
      assert.deepEqual(duplicatesOf(grants.map((grant) => String(grant.claimId))), [], 'a claim granted twice')
      assert.deepEqual(duplicatesOf(grants.map((grant) => grant.userId)), [], 'a player granted twice')
      assert.deepEqual(grants.map((grant) => String(grant.claimId)).sort(), [...storedIds].sort(), 'one grant per stored claim, none other')

      // A transition whose audit write the kill prevented is copied by the sweeper after a lease.
      const unaudited = await eventually(
        () => db.event.collection('claims').countDocuments({ eventId: new ObjectId(eventId), 'auditPending.0': { $exists: true } }),
        (count) => count === 0,
        LEASE_MS + 10 * SWEEPER_INTERVAL_MS
      )
      assert.equal(unaudited, 0, 'transitions left unaudited')
      const transitions = await db.event.collection('claim_transitions').find({ claimId: { $in: stored.map((claim) => claim._id) } }).toArray()
      const completions = transitions.filter((step) => step.to === 'completed').map((step) => String(step.claimId))
      assert.deepEqual(duplicatesOf(completions), [], 'a claim completed twice')
      assert.equal(completions.length, stored.length)
      assert.deepEqual(duplicatesOf(transitions.map((step) => `${step.claimId}:${step.to}`)), [], 'a transition audited twice')
      const created = transitions.filter((step) => step.from === null).map((step) => String(step.claimId))
      assert.deepEqual([...storedIds].filter((id) => !created.includes(id)), [], 'a stored claim has no creation in its audit trail')
      const unanswered = stored.length - acknowledged.length
      console.log(`# claims: ${acknowledged.length} answered 201, ${stored.length} stored (${unanswered} stored without a 201: the kill took the reply), ${grants.length} grants, 0 duplicates`)
    } finally {
      await db.close()
    }
  }))

test('players whose claim got no 201 retry: each ends with exactly one claim and one grant', () =>
  tally.check('retry: none lost, none doubled', async () => {
    await eventually(() => api('GET', '/event-gateway/event?limit=1', { token: players[0]!.token }), (reply) => reply.status === 200, 10_000)
    const unanswered = players.filter((_, i) => replies[i]!.status !== 201)
    const retried = await inPool(unanswered, 16, (player) =>
      api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: claimBody(player) })
    )
    const outcomes = retried.map((reply) => (reply.status === 409 ? `409 ${reply.body.code}` : String(reply.status)))
    assert.deepEqual(outcomes.filter((outcome) => outcome !== '201' && outcome !== '409 ALREADY_CLAIMED'), [])
    console.log(`# retried ${unanswered.length}: ${outcomes.filter((o) => o === '201').length} created now, ${outcomes.filter((o) => o !== '201').length} already stored (409)`)

    const db = await openDatabases(system)
    try {
      await eventually(
        () => db.event.collection('claims').countDocuments({ eventId: new ObjectId(eventId), status: 'completed' }),
        (count) => count === PLAYERS,
        10_000
      )
      const stored = await db.event.collection('claims').find({ eventId: new ObjectId(eventId) }).toArray()
      assert.equal(stored.length, PLAYERS)
      assert.deepEqual([...new Set(stored.map((claim) => claim.status))], ['completed'])
      assert.deepEqual(stored.map((claim) => claim.userId).sort(), players.map((player) => player.id).sort())
      const grants = await db.event.collection('user_rewards').find({ eventId: new ObjectId(eventId) }).toArray()
      assert.equal(grants.length, PLAYERS)
      assert.deepEqual(duplicatesOf(grants.map((grant) => grant.userId)), [])
    } finally {
      await db.close()
    }
  }))
