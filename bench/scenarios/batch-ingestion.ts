/**
 * Scenario 4b: progress in batches, as a game server flushing its queue would send it: a
 * SERVICE account posts `POST /user-events/process/batch` with BATCH_SIZE reports of mixed types
 * for the seeded players, each with its own id. Reports/s = reports answered per second. The
 * exactly-once check: every report of every answered batch stored once and applied, nothing
 * unapplied; then one answered batch sent again must come back all `duplicate` and change
 * nothing.
 */
import { runLoad } from '../lib/load.js'
import type { Scenario } from '../lib/scenario.js'
import { BENCH_DB } from '../lib/system-under-test.js'
import { seededPlayers } from './claim-flow.js'
import { unappliedAfterSettling } from './progress-ingestion.js'

const BATCH_SIZE = 250

const reportFor = (index: number, userId: string, run: string) => {
  const id = `bench-${run}-${index}`
  switch (index % 4) {
    case 0: return { id, eventType: 'attendance', userId }
    case 1: return { id, eventType: 'quest', userId, value: 'q-17' }
    case 2: return { id, eventType: 'invite', userId, count: 1 }
    default: return { id, eventType: 'purchase', userId, count: 990 }
  }
}

export const batchIngestion: Scenario = async (context) => {
  const { sut, size } = context
  const players = await seededPlayers(context)
  // A batch carries BATCH_SIZE reports: 4 connections keep 1,000 reports in flight, about what the
  // path absorbs on this machine. The full run's 20 (5,000 in flight) measured the queue instead:
  // batches outlived the gateway's upstream timeout, and the breaker then refused the rest.
  const connections = Math.min(size.connections, 4)
  const run = Date.now().toString(36)
  const reports = sut.mongo.db(BENCH_DB.event).collection('progress_reports')
  const before = await reports.countDocuments()
  let nextBatch = 0
  const sentBodies: string[] = []
  const answered = { batches: 0, reports: 0, applied: 0, ignored: 0, duplicate: 0, invalid: 0 }
  const load = await runLoad({
    title: `progress batch (${BATCH_SIZE} reports, mixed types)`,
    url: `${sut.gateway}/event-gateway/user-events/process/batch`,
    connections,
    durationSeconds: size.durationSeconds,
    headers: { authorization: `Bearer ${sut.tokens.service}`, 'content-type': 'application/json' },
    requests: [{
      method: 'POST',
      setupRequest: (request) => {
        const first = nextBatch++ * BATCH_SIZE
        const body = JSON.stringify({
          reports: Array.from({ length: BATCH_SIZE }, (_, at) => reportFor(first + at, players[(first + at) % players.length]!.id, run))
        })
        if (sentBodies.length < 1) sentBodies.push(body)
        return { ...request, body }
      },
      onResponse: (status, body) => {
        if (status !== 200) return
        const { results } = JSON.parse(body) as { results: { status: keyof typeof answered }[] }
        answered.batches += 1
        answered.reports += results.length
        for (const result of results) answered[result.status] += 1
      }
    }]
  })
  // Batches in flight when autocannon stops still run on the server: wait for them to settle.
  const unapplied = await unappliedAfterSettling(reports)
  const stored = (await reports.countDocuments()) - before
  const inFlightAtStop = stored - answered.reports

  // The first batch sent again, as after a lost reply: all duplicates, nothing more stored.
  const resend = await fetch(`${sut.gateway}/event-gateway/user-events/process/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sut.tokens.service}`, 'content-type': 'application/json' },
    body: sentBodies[0] ?? '{"reports":[]}'
  })
  const resendBody = await resend.text()
  const resent = resend.ok ? (JSON.parse(resendBody) as { results: { status: string }[] }).results : []
  const resendProblem = resend.ok ? '' : resendBody.slice(0, 200)
  const resentDuplicates = resent.filter((result) => result.status === 'duplicate').length
  const storedAfterResend = (await reports.countDocuments()) - before

  const reportsPerSecond = Math.round((answered.reports / load.elapsedSeconds) * 10) / 10
  const exactlyOnce =
    inFlightAtStop >= 0 &&
    inFlightAtStop <= connections * BATCH_SIZE &&
    unapplied === 0 &&
    answered.duplicate === 0 &&
    answered.invalid === 0 &&
    resentDuplicates === BATCH_SIZE &&
    storedAfterResend === stored
  return {
    id: 'batch-ingestion',
    title: `4b. Batch ingestion — ${BATCH_SIZE} reports of mixed types per request through the gateway (SERVICE token)`,
    setup: `${players.length} players; the events of scenarios 3 and 4 active; ${connections} connections, ${size.durationSeconds} s; every report id unique.`,
    runs: [load],
    figures: {
      reportsPerSecond,
      batchesPerSecond: load.requestsPerSecond,
      batchP50Ms: load.latencyMs.p50,
      batchP99Ms: load.latencyMs.p99,
      answeredReports: answered.reports,
      applied: answered.applied,
      ignored: answered.ignored,
      stored,
      inFlightAtStop,
      unapplied,
      resentDuplicates
    },
    goals: [
      { name: 'batch ingestion through the gateway', target: '≥ 2,000 reports/s', actual: `${reportsPerSecond} reports/s`, met: reportsPerSecond >= 2_000 },
      {
        name: 'every answered report stored once and applied; a resent batch all duplicate',
        target: `${answered.reports}–${answered.reports + connections * BATCH_SIZE} stored, 0 unapplied, ${BATCH_SIZE} duplicates on resend`,
        actual: `${stored} stored, ${unapplied} unapplied, ${answered.duplicate} duplicate / ${answered.invalid} invalid answers, ${resentDuplicates} duplicates on resend (HTTP ${resend.status}${resend.ok ? '' : `: ${resendProblem}`}), ${load.non2xx} non-2xx`,
        met: exactlyOnce && load.non2xx === 0
      }
    ]
  }
}
