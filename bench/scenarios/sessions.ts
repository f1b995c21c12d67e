/**
 * Scenario 6: the session model's costs. Logins at a steady rate, alone and beside a sign-up
 * flood (the hash queue is what holds the flood back here: the per-client sign-up limit is
 * raised for the run, as every per-IP limit is, since all load comes from one address). Then
 * what checking revocations costs: one look-up per authenticated request, in process, and the
 * poll each service makes every REVOCATION_POLL_INTERVAL_MS, with a large revocation list.
 */
import { ObjectId } from 'mongodb'
import { createRevocationFeedClient } from '@app/platform'
import { runLoad, runTogether } from '../lib/load.js'
import { ms, type Scenario } from '../lib/scenario.js'
import { BENCH_DB, call } from '../lib/system-under-test.js'

const LOGIN = { email: 'session-bench@bench.test', password: 'session-bench-password' }
/** A large list: ten thousand accounts changed within the last access-token lifetime. */
const REVOKED_ACCOUNTS = 10_000
const LOOKUPS = 2_000_000

export const sessions: Scenario = async ({ sut, size, log }) => {
  const signUp = await call(sut.gateway, 'POST', '/auth/users', { body: LOGIN })
  if (signUp.status !== 201) throw new Error(`sign-up for the session benchmark: ${signUp.status}`)
  const seconds = size.durationSeconds
  const logins = () => ({
    title: `login (${size.loginRate}/s)`, url: `${sut.gateway}/auth/login`, method: 'POST' as const, body: JSON.stringify(LOGIN),
    connections: 10, durationSeconds: seconds, ratePerSecond: size.loginRate
  })
  log('logins alone')
  const loginsAlone = await runLoad(logins())
  log('logins beside a sign-up flood')
  let flooded = 0
  const [loginsFlooded, flood] = await runTogether([
    logins(),
    {
      title: 'sign-up flood (as fast as it goes)', url: `${sut.gateway}/auth/users`, connections: 40, durationSeconds: seconds,
      requests: [{
        method: 'POST',
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: `flood-${flooded++}@bench.test`, password: 'flood-bench-password' }) })
      }]
    }
  ])
  const loginFailures = loginsFlooded!.non2xx + loginsFlooded!.errors
  const unexpected = Object.keys(flood!.statusCodes).filter((code) => !['201', '429', '503'].includes(code))

  log(`revocation check: ${LOOKUPS} look-ups in a list of ${REVOKED_ACCOUNTS}`)
  const entries = Array.from({ length: REVOKED_ACCOUNTS }, () => ({ userId: new ObjectId().toHexString(), minVersion: 2 }))
  const client = createRevocationFeedClient(async () => entries, { warn: () => {} } as never)
  await client.refresh()
  const probe = { sub: entries[REVOKED_ACCOUNTS / 2]!.userId, ver: 3 }
  const strangers = Array.from({ length: 1024 }, () => ({ sub: new ObjectId().toHexString(), ver: 0 }))
  let revoked = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < LOOKUPS; i++) if (client.view.isRevoked(i % 2 ? probe : strangers[i & 1023]!)) revoked += 1
  const nsPerCheck = Number(process.hrtime.bigint() - started) / LOOKUPS
  if (revoked !== 0) throw new Error('the probe tokens are all current')

  log(`revocation feed: GET /internal/revocations with ${REVOKED_ACCOUNTS} entries`)
  const now = Date.now()
  await sut.mongo.db(BENCH_DB.auth).collection('revocations').insertMany(
    entries.map((entry) => ({ ...entry, at: new Date(now), expiresAt: new Date(now + 15 * 60 * 1000) }))
  )
  const feed = await runLoad({ title: `revocation feed, ${REVOKED_ACCOUNTS} entries`, url: `${sut.system.adminUrl('auth')}/internal/revocations`, connections: 1, amount: 50 })
  await sut.mongo.db(BENCH_DB.auth).collection('revocations').deleteMany({ userId: { $in: entries.map((entry) => entry.userId) } })
  log('event list with the check in place (per-request CPU, for scale)')
  const list = await runLoad({
    title: 'list events, direct (max)', url: `${sut.direct.event}/event`, headers: { authorization: `Bearer ${sut.tokens.player}` },
    connections: size.connections, durationSeconds: Math.min(seconds, 5)
  })
  const eventCpuUsPerRequest = ((list.cpuSeconds.event ?? 0) * 1e6) / Math.max(1, list.requests)

  return {
    id: 'sessions',
    title: '6. Sessions — logins beside a sign-up flood; the cost of the revocation check',
    setup:
      `${seconds} s per run; ${size.loginRate} logins/s through the gateway, alone and beside 40 connections signing up as fast as they can ` +
      `(PASSWORD_HASH_QUEUE_MAX default: sign-ups may queue 16); then ${LOOKUPS.toLocaleString('en')} revocation look-ups in a list of ` +
      `${REVOKED_ACCOUNTS.toLocaleString('en')}, and 50 reads of the feed with that many entries.`,
    runs: [loginsAlone, loginsFlooded!, flood!, feed, list],
    figures: {
      loginP50AloneMs: loginsAlone.latencyMs.p50,
      loginP99AloneMs: loginsAlone.latencyMs.p99,
      loginP50FloodMs: loginsFlooded!.latencyMs.p50,
      loginP99FloodMs: loginsFlooded!.latencyMs.p99,
      signUps201: flood!.statusCodes['201'] ?? 0,
      signUps503: flood!.statusCodes['503'] ?? 0,
      signUps429: flood!.statusCodes['429'] ?? 0,
      revocationCheckNs: Math.round(nsPerCheck * 10) / 10,
      eventCpuUsPerRequest: Math.round(eventCpuUsPerRequest),
      revocationCheckShareOfRequest: `${((nsPerCheck / 1000 / Math.max(1, eventCpuUsPerRequest)) * 100).toFixed(3)} %`,
      feedP50Ms: feed.rawLatencyMs.p50,
      feedP99Ms: feed.rawLatencyMs.p99
    },
    goals: [
      { name: 'every login answered during the flood', target: '0 failed', actual: `${loginFailures} failed`, met: loginFailures === 0 },
      {
        name: 'sign-ups refused, never failed',
        target: 'only 201 / 429 / 503',
        actual: unexpected.length === 0 ? 'only 201 / 429 / 503' : `also ${unexpected.join(', ')}`,
        met: unexpected.length === 0
      }
    ]
  }
}
