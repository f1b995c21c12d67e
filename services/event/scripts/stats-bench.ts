/**
 * How long `GET /event/:id/stats` takes at N progress documents on the embedded database.
 * Seeds one event with PLAYERS progress documents (insertMany, realistic states: 1–7 check-in
 * days, invites) and CLAIMS claims, then times the request a few times over real HTTP.
 * Not a test: it asserts nothing about time. Run:
 *   cd services/event && flock /tmp/suite.lock npx tsx --conditions=@app/source scripts/stats-bench.ts [players] [claims]
 */
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo } from '../test/helpers.js'

const players = Number(process.argv[2] ?? 100_000)
const claimCount = Number(process.argv[3] ?? 10_000)
const operator = actor('OPERATOR')
const service = await startService()
try {
  const event = await service.call('POST', '/event', {
    token: operator.token,
    body: eventBody({ requireApproval: false, exclusiveRewards: false, contents: [{ type: 'attendance', count: 3 }, { type: 'invite', count: 2 }] })
  })
  const reward = await service.call('POST', '/rewards', { token: operator.token, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 1 }] } })
  const eventId = new ObjectId(event.body.id as string)
  const rewardId = new ObjectId(reward.body.id as string)
  const now = new Date()
  const day = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString().slice(0, 10)

  const seedStarted = performance.now()
  for (let start = 0; start < players; start += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, players - start) }, (_, i) => ({
      userId: new ObjectId().toHexString(),
      eventId,
      periodKey: 'all',
      state: { attendance: { days: Array.from({ length: 1 + ((start + i) % 7) }, (_, d) => day(d)) }, invite: { sum: (start + i) % 4 } },
      createdAt: now,
      updatedAt: now
    }))
    await service.db.collection('progress').insertMany(docs, { ordered: false })
  }
  for (let start = 0; start < claimCount; start += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, claimCount - start) }, (_, i) => ({
      userId: new ObjectId().toHexString(),
      eventId,
      rewardId,
      slot: `reward:${rewardId.toHexString()}:all:${start + i}`,
      periodKey: 'all',
      status: 'completed',
      rewards: [{ type: 'point', amount: 1 }],
      reason: null,
      delivery: { attempts: 1, nextAttemptAt: null, leaseUntil: null, leaseOwner: null, lastError: null, acceptedAt: null, queuedAt: now, completedAt: new Date(now.getTime() + ((start + i) % 500)) },
      createdAt: new Date(now.getTime() - ((start + i) % 5) * 86_400_000),
      updatedAt: now
    }))
    await service.db.collection('claims').insertMany(docs, { ordered: false })
  }
  console.log(`seeded ${players} progress documents and ${claimCount} claims in ${Math.round(performance.now() - seedStarted)} ms`)

  const timings: number[] = []
  for (let run = 0; run < 3; run++) {
    const started = performance.now()
    const reply = await service.call('GET', `/event/${eventId.toHexString()}/stats`, { token: operator.token })
    timings.push(Math.round(performance.now() - started))
    if (reply.status !== 200) throw new Error(`stats answered ${reply.status}: ${JSON.stringify(reply.body)}`)
    if (run === 0) console.log(JSON.stringify({ participants: reply.body.participants, conditions: reply.body.conditions, days: reply.body.claimsPerDay.length, deliveryMs: reply.body.deliveryMs }))
  }
  console.log(`GET /event/:id/stats at ${players} progress documents, ${claimCount} claims: ${timings.join(' ms, ')} ms`)
} finally {
  await service.close()
  await stopTestMongo()
}
