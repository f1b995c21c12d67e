/**
 * Scenario 3: the whole reward path through the gateway, on a tiered attendance event (bundles
 * for day 1 … day N). Every player checks in on N days (SERVICE reports), then claims every
 * bundle (auto-approved → delivered to the built-in ledger). Afterwards the database must hold
 * exactly one claim and exactly one grant for every 201 the players saw — speed that loses or
 * doubles a reward does not count.
 */
import { ObjectId } from 'mongodb'
import { runLoad } from '../lib/load.js'
import { ms, type Scenario, type ScenarioContext } from '../lib/scenario.js'
import { BENCH_DB, createTieredAttendanceEvent, createUsers, type Player } from '../lib/system-under-test.js'

const SETTLE_TIMEOUT_MS = 60_000

/** Players shared by scenarios 3 and 4: seeding costs two argon2 operations each. */
export async function seededPlayers({ sut, size, shared, log }: ScenarioContext): Promise<Player[]> {
  let players = shared.get('players') as Player[] | undefined
  if (!players) {
    const started = performance.now()
    players = await createUsers(sut.gateway, size.players, 'player')
    log(`seeded ${players.length} players in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    shared.set('players', players)
  }
  return players
}

export const claimFlow: Scenario = async (context) => {
  const { sut, size, log } = context
  const players = await seededPlayers(context)
  const days = size.claimTiers
  const tiered = await createTieredAttendanceEvent(sut.gateway, sut.tokens.operator, { name: `${days}-day attendance`, days })

  // N check-ins per player, one on each of the last N days: enough for every bundle.
  const checkIns = players.flatMap((player) => Array.from({ length: days }, (_, day) => ({ player, day })))
  let nextReport = 0
  const progress = await runLoad({
    title: 'progress: attendance report',
    url: `${sut.gateway}/event-gateway/user-events/process`,
    connections: size.connections,
    amount: checkIns.length,
    headers: { authorization: `Bearer ${sut.tokens.service}` },
    requests: [{
      method: 'POST',
      setupRequest: (request) => ({
        ...request,
        body: (() => {
          const { player, day } = checkIns[nextReport++ % checkIns.length]!
          return JSON.stringify({ eventType: 'attendance', userId: player.id, occurredAt: new Date(Date.now() - day * 24 * 60 * 60 * 1000).toISOString() })
        })()
      })
    }]
  })

  const pairs = players.flatMap((player) => tiered.rewardIds.map((rewardId) => ({ player, rewardId })))
  let nextClaim = 0
  const createdIds = new Set<string>()
  const claimsStarted = performance.now()
  const claims = await runLoad({
    title: 'claim (auto-approve, ledger)',
    url: `${sut.gateway}/event-gateway/user-reward-claims`,
    connections: size.connections,
    amount: pairs.length,
    requests: [{
      method: 'POST',
      setupRequest: (request) => {
        const { player, rewardId } = pairs[nextClaim++ % pairs.length]!
        return {
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${player.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: player.id, rewardsId: rewardId })
        }
      },
      onResponse: (status, body) => {
        if (status === 201) createdIds.add((JSON.parse(body) as { id: string }).id)
      }
    }]
  })

  // Delivery runs after the 201; wait until nothing is left in flight.
  const db = sut.mongo.db(BENCH_DB.event)
  const inFlight = () => db.collection('claims').countDocuments({ status: { $in: ['pending', 'processing'] } })
  const deadline = Date.now() + SETTLE_TIMEOUT_MS
  while ((await inFlight()) > 0 && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 50))
  const settledSeconds = (performance.now() - claimsStarted) / 1000

  const claimIds = [...createdIds].map((id) => new ObjectId(id))
  const storedClaims = await db.collection('claims').countDocuments({ _id: { $in: claimIds } })
  const completed = await db.collection('claims').countDocuments({ _id: { $in: claimIds }, status: 'completed' })
  const grantsPerClaim = await db.collection('user_rewards').aggregate<{ _id: unknown; grants: number }>([
    { $match: { claimId: { $in: claimIds } } },
    { $group: { _id: '$claimId', grants: { $sum: 1 } } }
  ]).toArray()
  const claimsWithOneGrant = grantsPerClaim.filter((group) => group.grants === 1).length
  const duplicateGrants = grantsPerClaim.filter((group) => group.grants > 1).length
  const strayClaims = await db.collection('claims').countDocuments({ eventId: new ObjectId(tiered.eventId), _id: { $nin: claimIds } })
  const exactlyOnce = storedClaims === createdIds.size && claimsWithOneGrant === createdIds.size && duplicateGrants === 0 && strayClaims === 0
  const expected = pairs.length

  return {
    id: 'claim-flow',
    title: '3. Claim flow — progress reports, then claims of a tiered event\'s bundles with auto-approval and ledger delivery, through the gateway',
    setup: `${players.length} players × ${days} check-in days, then × ${days} bundles (day 1…${days}) of one event = ${expected} claims; ${size.connections} connections; database: ${sut.machine.database}.`,
    runs: [progress, claims],
    figures: {
      claimsPerSecond: claims.requestsPerSecond,
      claimP50Ms: claims.latencyMs.p50,
      claimP99Ms: claims.latencyMs.p99,
      reportsPerSecond: progress.requestsPerSecond,
      created201: createdIds.size,
      storedClaims,
      completed,
      claimsWithOneGrant,
      duplicateGrants,
      strayClaims,
      allDeliveredAfterSeconds: Math.round(settledSeconds * 10) / 10,
      endToEndClaimsPerSecond: Math.round((completed / settledSeconds) * 10) / 10
    },
    goals: [
      {
        name: 'every claim accepted',
        target: `${expected} × 201`,
        actual: `${createdIds.size} × 201`,
        met: createdIds.size === expected
      },
      {
        name: 'every 201 has exactly one claim and one ledger grant',
        target: 'exactly once',
        actual: `${storedClaims} stored, ${claimsWithOneGrant} with one grant, ${duplicateGrants} duplicated, ${strayClaims} stray`,
        met: exactlyOnce
      },
      {
        name: 'claim p99',
        target: 'reported',
        actual: ms(claims.latencyMs.p99),
        met: true
      }
    ]
  }
}
