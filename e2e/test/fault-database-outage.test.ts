/**
 * Fault: the database goes away for a moment and comes back on the same address with its data
 * (the test owns its own embedded server, file-backed, on a fixed port — even when MONGO_URL
 * is set, since it must stop it). While it is away every request that needs it must fail
 * with a clean 503 within bounded time — never hang, never a 500 with a stack — and the
 * services' `/ready` must say not ready; when it is back, everything resumes by itself.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { freePort, startEmbeddedMongo, type EmbeddedMongo } from '@app/devkit'
import { ADMIN, client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import {
  UNTHROTTLED,
  assertCleanFailure,
  createClaimableEvent,
  createPlayers,
  ms,
  openDatabases,
  percentile,
  setUpStaff,
  timedRequest,
  type Api,
  type Player,
  type Staff,
  type TimedReply
} from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: database outage')

/**
 * The driver's server selection gives up after 2 s (packages/platform/src/mongo.ts), so a 503
 * comes by then; the rest is slack for two shared cores.
 */
const FAIL_WITHIN_MS = 4_000
const OUTAGE_MS = 4_000
const BREAKER_RESET_TIMEOUT_MS = 1_000

const dataDir = mkdtempSync(join(tmpdir(), 'fault-db-'))
const dbFile = join(dataDir, 'mongo.mv')
let dbPort = 0
let mongo: EmbeddedMongo | undefined
let system: E2eSystem
let api: Api
let gateway = ''
let staff: Staff
let player: Player
let eventId = ''
let rewardId = ''
const duringOutage: Array<TimedReply & { what: string; direct: boolean; sentAfterMs: number }> = []
/**
 * The event service's catalog cache (CATALOG_CACHE_CHECK_MS, 1000 by default) may answer a
 * catalog read from what it verified at most one check interval ago: a read sent within that
 * long of the outage's start may be a 200; any later one must fail like every other request.
 */
const CATALOG_CHECK_MS = 1_000
const isCatalogRead = (what: string) => /GET \/(event-gateway\/)?(event|rewards)\b/.test(what)
const readyDuringOutage: Record<string, { status: number; body: { status?: string; checks?: Record<string, string> } }> = {}
let recoveredInMs = Number.NaN

const startDatabase = async () => {
  mongo = await startEmbeddedMongo({ backend: 'h2', file: dbFile, port: dbPort })
}

async function readiness(url: string) {
  const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(FAIL_WITHIN_MS) })
  return { status: response.status, body: (await response.json()) as { status?: string; checks?: Record<string, string> } }
}

before(async () => {
  dbPort = await freePort()
  await startDatabase()
  system = await startE2eSystem({ ...UNTHROTTLED, BREAKER_RESET_TIMEOUT_MS: String(BREAKER_RESET_TIMEOUT_MS) }, { database: { url: mongo!.url } })
  gateway = system.url('gateway')
  api = client(gateway)
  staff = await setUpStaff(api)
  ;({ eventId, rewardId } = await createClaimableEvent(api, staff.operator, 'database outage'))
  player = (await createPlayers(api, 1, 'db-outage'))[0]!
  assert.equal((await api('POST', '/event-gateway/user-events/check-in', { token: player.token })).status, 200)
})
after(async () => {
  await system?.stopAll()
  await mongo?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

/**
 * What a client does while the database is away — reads and writes on both services — through
 * the gateway (whose breaker soon answers for them) and straight to each service (which has no
 * breaker, so every one of these must meet the database's absence itself).
 */
const requests = () => {
  const event = system.url('event')
  const auth = system.url('auth')
  const login = { method: 'POST', body: { email: ADMIN.email, password: ADMIN.password } }
  return [
    { what: 'GET /event-gateway/event', url: `${gateway}/event-gateway/event`, token: staff.operator },
    { what: 'GET /event-gateway/event/:id', url: `${gateway}/event-gateway/event/${eventId}`, token: player.token },
    { what: 'POST /event-gateway/user-reward-claims', url: `${gateway}/event-gateway/user-reward-claims`, method: 'POST', token: player.token, body: { rewardsId: rewardId } },
    { what: 'GET /auth/users/me', url: `${gateway}/auth/users/me`, token: player.token },
    { what: 'POST /auth/login', url: `${gateway}/auth/login`, ...login },
    { what: 'event service: GET /event', url: `${event}/event`, token: staff.operator, direct: true },
    { what: 'event service: POST /user-reward-claims', url: `${event}/user-reward-claims`, method: 'POST', token: player.token, body: { rewardsId: rewardId }, direct: true },
    { what: 'auth service: POST /auth/login', url: `${auth}/auth/login`, ...login, direct: true }
  ]
}

test('with the database up, everything is ready', () =>
  tally.check('baseline: ready and serving', async () => {
    for (const name of ['auth', 'event', 'gateway'] as const) assert.equal((await readiness(system.adminUrl(name))).status, 200, name)
    assert.equal((await api('GET', '/event-gateway/event', { token: staff.operator })).status, 200)
  }))

test('while the database is away: every request is a clean 503 within bounded time, /ready says not ready', () =>
  tally.check('outage: 503 within bounds, no 500, not ready', async () => {
    await mongo!.stop()
    const downAt = performance.now()
    while (performance.now() - downAt < OUTAGE_MS) {
      // All kinds at once, round after round, for the length of the outage.
      const burst = await Promise.all(
        requests().map(async (request) => {
          const sentAfterMs = performance.now() - downAt
          return { what: request.what, direct: request.direct === true, sentAfterMs, ...(await timedRequest(request.url, { ...request, hangMs: 15_000 })) }
        })
      )
      duringOutage.push(...burst)
    }
    for (const name of ['auth', 'event'] as const) readyDuringOutage[name] = await readiness(system.adminUrl(name))

    const byKind = new Map<string, string[]>()
    for (const reply of duringOutage) byKind.set(reply.what, [...(byKind.get(reply.what) ?? []), `${reply.status} ${reply.code}`])
    for (const [what, outcomes] of byKind) {
      const counts = Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length]))
      console.log(`# ${what}: ${JSON.stringify(counts)}`)
    }
    const latencies = duringOutage.map((reply) => reply.latencyMs)
    console.log(`# ${duringOutage.length} requests while the database was away: p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))}`)

    for (const reply of duringOutage) {
      if (reply.status === 200 && isCatalogRead(reply.what)) {
        assert.ok(reply.sentAfterMs < CATALOG_CHECK_MS, `${reply.what}: a cached 200 sent ${ms(reply.sentAfterMs)} into the outage, past the cache's check interval`)
        continue
      }
      assert.equal(reply.status, 503, `${reply.what}: ${reply.status} ${reply.body.slice(0, 200)}`)
      assert.ok(['DATABASE_UNAVAILABLE', 'UPSTREAM_CIRCUIT_OPEN'].includes(reply.code ?? ''), `${reply.what}: code ${reply.code}`)
      assertCleanFailure(reply, reply.what)
      assert.ok(Number(reply.retryAfter) >= 1, `${reply.what}: Retry-After ${reply.retryAfter}`)
      assert.ok(reply.latencyMs <= FAIL_WITHIN_MS, `${reply.what} took ${ms(reply.latencyMs)}`)
    }
    const direct = duringOutage.filter((reply) => reply.direct && reply.status !== 200)
    assert.deepEqual([...new Set(direct.map((reply) => reply.code))], ['DATABASE_UNAVAILABLE'], 'each service says why itself')
    const directLatencies = direct.map((reply) => reply.latencyMs)
    console.log(`#   of which straight to the services: ${direct.length}, p50 ${ms(percentile(directLatencies, 50))}, p95 ${ms(percentile(directLatencies, 95))}, max ${ms(Math.max(...directLatencies))}`)
    for (const name of ['auth', 'event'] as const) {
      const ready = readyDuringOutage[name]!
      assert.equal(ready.status, 503, name)
      assert.equal(ready.body.status, 'not ready', name)
      assert.notEqual(ready.body.checks?.mongo, 'ok', name)
    }
    // On-call reads /metrics most during an outage: its database-read gauges keep their last value.
    const metrics = await fetch(`${system.adminUrl('event')}/metrics`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(metrics.status, 200, 'event /metrics answers while the database is away')
    assert.match(await metrics.text(), /event_delivery_outbox_depth \d+/)
  }))

test('when the database is back, service resumes by itself with the data intact', () =>
  tally.check('recovery: resumes without a restart', async () => {
    await startDatabase()
    const upAt = performance.now()
    const first = await eventually(
      () => api('GET', `/event-gateway/event/${eventId}`, { token: player.token }),
      (reply) => reply.status === 200,
      15_000
    )
    recoveredInMs = performance.now() - upAt
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.name, 'database outage', 'data written before the outage is there')
    console.log(`# database back: first 200 through the gateway after ${ms(recoveredInMs)}`)

    for (const name of ['auth', 'event', 'gateway'] as const) {
      const ready = await eventually(() => readiness(system.adminUrl(name)), (reply) => reply.status === 200, 10_000)
      assert.equal(ready.status, 200, `${name} /ready: ${JSON.stringify(ready.body)}`)
    }
    assert.equal((await api('POST', '/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } })).status, 200)
    assert.equal((await api('GET', '/auth/users/me', { token: player.token })).status, 200)

    // The claim refused during the outage left nothing behind: it can be made now, once, and is delivered.
    const claim = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
    assert.equal(claim.status, 201, JSON.stringify(claim.body))
    const done = await eventually(
      () => api('GET', `/event-gateway/user-reward-claims/${claim.body.id}`, { token: player.token }),
      (reply) => reply.body?.status === 'completed'
    )
    assert.equal(done.body.status, 'completed')
    const db = await openDatabases(system)
    try {
      assert.equal(await db.event.collection('claims').countDocuments({ userId: player.id }), 1)
      assert.equal(await db.event.collection('user_rewards').countDocuments({ userId: player.id, eventId: new ObjectId(eventId) }), 1)
    } finally {
      await db.close()
    }
  }))
