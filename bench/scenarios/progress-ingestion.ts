/**
 * Scenario 4: how fast game servers can report progress. A SERVICE account reports every
 * condition type in turn for the seeded players while two events of each type are active; the
 * database must then hold one applied report for every 200.
 */
import type { Collection } from 'mongodb'
import { runLoad } from '../lib/load.js'
import type { Scenario } from '../lib/scenario.js'
import { BENCH_DB, createEventWithReward } from '../lib/system-under-test.js'
import { seededPlayers } from './claim-flow.js'

const CONDITIONS = [
  { type: 'attendance', count: 5 },
  { type: 'login_streak', days: 3 },
  { type: 'quest', questId: 'q-17' },
  { type: 'invite', count: 3 },
  { type: 'purchase', amount: 10_000 }
] as const

const reportFor = (type: (typeof CONDITIONS)[number]['type'], userId: string) => {
  switch (type) {
    case 'quest': return { eventType: type, userId, value: 'q-17' }
    case 'invite': return { eventType: type, userId, count: 1 }
    case 'purchase': return { eventType: type, userId, count: 990 }
    default: return { eventType: type, userId }
  }
}

/**
 * Reports still unapplied once those in flight have had up to 10 s to finish (0 when all are
 * applied). Settled means none unapplied *and* the number stored unchanged for 300 ms: a request
 * still running when the load stopped may not have inserted its reports yet.
 */
export async function unappliedAfterSettling(reports: Collection): Promise<number> {
  const deadline = Date.now() + 10_000
  const unappliedNow = () => reports.countDocuments({ appliedAt: { $in: [null, false] } })
  let unapplied = await unappliedNow()
  let stored = await reports.estimatedDocumentCount()
  let stableSince = Date.now()
  while (Date.now() < deadline && (unapplied > 0 || Date.now() - stableSince < 300)) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 50))
    unapplied = await unappliedNow()
    const now = await reports.estimatedDocumentCount()
    if (now !== stored) [stored, stableSince] = [now, Date.now()]
  }
  return unapplied
}

export const progressIngestion: Scenario = async (context) => {
  const { sut, size } = context
  const players = await seededPlayers(context)
  for (const condition of CONDITIONS) {
    for (const copy of [1, 2]) {
      await createEventWithReward(sut.gateway, sut.tokens.operator, { name: `${condition.type}-${copy}`, contents: [condition] })
    }
  }
  const reports = sut.mongo.db(BENCH_DB.event).collection('progress_reports')
  const before = await reports.countDocuments()
  let next = 0
  const run = await runLoad({
    title: 'progress report (mixed types)',
    url: `${sut.gateway}/event-gateway/user-events/process`,
    connections: size.connections,
    durationSeconds: size.durationSeconds,
    headers: { authorization: `Bearer ${sut.tokens.service}` },
    requests: [{
      method: 'POST',
      setupRequest: (request) => {
        const index = next++
        const player = players[index % players.length]!
        const condition = CONDITIONS[Math.floor(index / players.length) % CONDITIONS.length]!
        return { ...request, body: JSON.stringify(reportFor(condition.type, player.id)) }
      }
    }]
  })
  const accepted = run.statusCodes['200'] ?? 0
  // Requests in flight when autocannon stops lose their reply but still run on the server:
  // wait for them, then every accepted report must be stored and applied, plus at most those.
  const unapplied = await unappliedAfterSettling(reports)
  const stored = (await reports.countDocuments()) - before
  const inFlightAtStop = stored - accepted
  return {
    id: 'progress-ingestion',
    title: '4. Progress ingestion — mixed condition types through the gateway (SERVICE token)',
    setup: `${players.length} players; ${CONDITIONS.length * 2} events of 5 condition types active (plus scenario 3's attendance events); ${size.connections} connections, ${size.durationSeconds} s.`,
    runs: [run],
    figures: {
      reportsPerSecond: run.requestsPerSecond,
      reportP50Ms: run.latencyMs.p50,
      reportP99Ms: run.latencyMs.p99,
      accepted,
      stored,
      inFlightAtStop,
      unapplied
    },
    goals: [
      {
        name: 'every accepted report stored and applied',
        target: `${accepted}–${accepted + size.connections} stored (+ in flight at stop), 0 unapplied`,
        actual: `${stored} stored, ${unapplied} unapplied, ${run.non2xx} non-2xx`,
        met: inFlightAtStop >= 0 && inFlightAtStop <= size.connections && unapplied === 0 && run.non2xx === 0
      }
    ]
  }
}
