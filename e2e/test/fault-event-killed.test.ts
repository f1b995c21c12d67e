/**
 * Fault: the event service is SIGKILLed while traffic flows through the gateway, stays down,
 * and is started again. While it is down the gateway must answer every event request 503/504
 * quickly (p95 ≤ 200 ms), never hang, and keep `/auth` working; once the service is back the
 * breaker must close by itself within its reset time and traffic must flow again.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import { UNTHROTTLED, assertCleanFailure, login, ms, percentile, timedRequest, type TimedReply } from './fault-kit.js'
import { createSuiteTally } from './suite-tally.js'

const tally = createSuiteTally('fault: event service killed')

const BREAKER_RESET_TIMEOUT_MS = 2_000
const EVENT_WORKERS = 8
const PACE_MS = 10
/** Successful requests before the kill: they fill the breaker's rolling window, as real traffic would. */
const WARM_REPLIES = 200
/** Longer than one reset period, so the down phase sees open → half-open → failed trial → open. */
const DOWN_MS = 3_000
const AFTER_MS = 1_000
const P95_LIMIT_MS = 200
/**
 * Beyond the reset time, the trial itself on a just-started service (JIT still cold, its first
 * JWKS fetch) and the 100 ms poll of /metrics; on two shared cores it has taken up to ~0.5 s.
 */
const RECOVERY_SLACK_MS = 1_500

let system: E2eSystem
let gateway = ''
let token = ''

interface Timeline {
  killedAt: number
  /** The event service answers its own /health again. */
  restartedAt: number
  /** First 200 through the gateway, and the breaker's state read as closed, after the restart. */
  firstOkAt: number
  closedAt: number
  readyWhileDown: { status: number; body: { checks?: Record<string, string> } }
  /** Breaker state at the end of the outage (open, or half-open during a trial) and times it opened. */
  breakerWhileDown: number
  openedWhileDown: number
  eventReplies: TimedReply[]
  authReplies: TimedReply[]
  postWhileDown: TimedReply
}
let timeline: Timeline

async function breakerMetric(name: 'state' | 'opened_total', upstream: string): Promise<number> {
  const metrics = await (await fetch(`${system.adminUrl('gateway')}/metrics`)).text()
  // One breaker per instance; this system runs one event instance.
  const match = metrics.match(new RegExp(`^gateway_upstream_breaker_${name}\\{upstream="${upstream}",instance="[^"]+"\\} (\\d+)$`, 'm'))
  return Number(match?.[1])
}
const breakerState = (upstream: string) => breakerMetric('state', upstream)

const sleep = (msToWait: number) => new Promise((resolveWait) => setTimeout(resolveWait, msToWait))

before(async () => {
  system = await startE2eSystem({
    ...UNTHROTTLED,
    BREAKER_RESET_TIMEOUT_MS: String(BREAKER_RESET_TIMEOUT_MS),
    BREAKER_VOLUME_THRESHOLD: '10',
    BREAKER_ERROR_THRESHOLD_PERCENT: '50',
    UPSTREAM_TIMEOUT_MS: '2000'
  })
  gateway = system.url('gateway')
  token = (await login(client(gateway), ADMIN.email, ADMIN.password)).accessToken

  let running = true
  const eventReplies: TimedReply[] = []
  const authReplies: TimedReply[] = []
  const eventLoad = async () => {
    while (running) {
      eventReplies.push(await timedRequest(`${gateway}/event-gateway/event?limit=5`, { token }))
      // Paced, not flat out: the figure is how fast failures are answered, not how long a
      // saturated gateway (on two shared cores) queues them.
      await sleep(PACE_MS)
    }
  }
  const authLoad = async () => {
    while (running) {
      authReplies.push(await timedRequest(`${gateway}/auth/users/me`, { token }))
      await sleep(20)
    }
  }
  const load = Promise.all([...Array.from({ length: EVENT_WORKERS }, eventLoad), authLoad()])

  try {
    await eventually(async () => eventReplies.filter((reply) => reply.status === 200).length, (n) => n >= WARM_REPLIES, 30_000)
    const killedAt = performance.now()
    await system.stopService('event', 'SIGKILL')
    await sleep(DOWN_MS / 2)
    const readyReply = await fetch(`${system.adminUrl('gateway')}/ready`)
    const readyWhileDown = { status: readyReply.status, body: (await readyReply.json()) as { checks?: Record<string, string> } }
    const postWhileDown = await timedRequest(`${gateway}/event-gateway/event`, {
      method: 'POST',
      token,
      body: { name: 'while down', activate: true, startedAt: new Date().toISOString(), endedAt: new Date(Date.now() + 60_000).toISOString(), contents: [{ type: 'attendance', count: 1 }] }
    })
    await sleep(DOWN_MS / 2)
    const breakerWhileDown = await breakerState('event')
    const openedWhileDown = await breakerMetric('opened_total', 'event')

    await system.startService('event')
    const restartedAt = performance.now()
    const firstOk = await eventually(
      async () => eventReplies.find((reply) => reply.startedAt >= restartedAt && reply.status === 200),
      (found) => found !== undefined,
      BREAKER_RESET_TIMEOUT_MS + 5_000
    )
    const firstOkAt = firstOk ? firstOk.startedAt + firstOk.latencyMs : Number.NaN
    await eventually(() => breakerState('event'), (state) => state === 0, BREAKER_RESET_TIMEOUT_MS + 5_000)
    const closedAt = (await breakerState('event')) === 0 ? performance.now() : Number.NaN
    await sleep(AFTER_MS)
    timeline = { killedAt, restartedAt, firstOkAt, closedAt, readyWhileDown, breakerWhileDown, openedWhileDown, eventReplies, authReplies, postWhileDown }
  } finally {
    running = false
    await load
  }
})
after(() => system?.stopAll())

/** Requests sent after the kill and before the service was healthy again. */
const whileDown = (replies: TimedReply[]) =>
  replies.filter((reply) => reply.startedAt >= timeline.killedAt && reply.startedAt + reply.latencyMs <= timeline.restartedAt)

test('before the kill, event traffic flows', () =>
  tally.check('warm traffic is all 200', () => {
    const warm = timeline.eventReplies.filter((reply) => reply.startedAt + reply.latencyMs < timeline.killedAt)
    assert.ok(warm.length >= WARM_REPLIES, `enough warm-up requests (${warm.length})`)
    assert.deepEqual([...new Set(warm.map((reply) => reply.status))], [200])
  }))

test('while the event service is down: 503/504 only, problem details, never a hang', () =>
  tally.check('down: every event request is a clean 503/504', () => {
    const down = whileDown(timeline.eventReplies)
    assert.ok(down.length >= 50, `requests while down (${down.length})`)
    const statuses = new Map<string, number>()
    for (const reply of down) statuses.set(`${reply.status} ${reply.code}`, (statuses.get(`${reply.status} ${reply.code}`) ?? 0) + 1)
    console.log(`# while down: ${down.length} requests: ${JSON.stringify(Object.fromEntries(statuses))}`)
    for (const reply of down) {
      assert.ok(reply.status === 503 || reply.status === 504, `got ${reply.status} ${reply.code}`)
      assertCleanFailure(reply, 'while down')
    }
    // Every reply of the whole run is 200 or a clean 503/504: no 500, no 502 from the kill itself.
    assert.deepEqual(timeline.eventReplies.filter((reply) => ![200, 503, 504].includes(reply.status)).map((r) => `${r.status} ${r.code}`), [])
  }))

test('while down, error replies come fast: p95 ≤ 200 ms', () =>
  tally.check('down: p95 of error replies ≤ 200 ms', () => {
    const latencies = whileDown(timeline.eventReplies).map((reply) => reply.latencyMs)
    const p50 = percentile(latencies, 50)
    const p95 = percentile(latencies, 95)
    const max = Math.max(...latencies)
    console.log(`# error replies while down: n=${latencies.length} p50=${ms(p50)} p95=${ms(p95)} max=${ms(max)}`)
    for (const code of new Set(whileDown(timeline.eventReplies).map((reply) => reply.code))) {
      const of = whileDown(timeline.eventReplies).filter((reply) => reply.code === code).map((reply) => reply.latencyMs)
      console.log(`#   ${code}: n=${of.length} p50=${ms(percentile(of, 50))} p95=${ms(percentile(of, 95))} max=${ms(Math.max(...of))}`)
    }
    assert.ok(p95 <= P95_LIMIT_MS, `p95 ${ms(p95)} > ${P95_LIMIT_MS} ms`)
  }))

test('while down, the breaker is open, a write is refused 503 and /ready names the event service', () =>
  tally.check('down: breaker open, POST 503, /ready not ready', () => {
    assert.ok(timeline.openedWhileDown >= 1, 'gateway_upstream_breaker_opened_total{upstream="event"} counts the opening')
    assert.notEqual(timeline.breakerWhileDown, 0, 'the breaker is open or half-open, not closed')
    assert.equal(timeline.postWhileDown.status, 503, timeline.postWhileDown.body)
    assert.equal(timeline.postWhileDown.code, 'UPSTREAM_CIRCUIT_OPEN')
    assert.equal(timeline.readyWhileDown.status, 503)
    assert.equal(timeline.readyWhileDown.body.checks?.auth, 'ok')
    assert.notEqual(timeline.readyWhileDown.body.checks?.event, 'ok')
  }))

test('/auth keeps working through the whole outage', () =>
  tally.check('auth unaffected', () => {
    const replies = timeline.authReplies
    assert.ok(whileDown(replies).length >= 20, `auth requests while down (${whileDown(replies).length})`)
    assert.deepEqual(replies.filter((reply) => reply.status !== 200).map((r) => `${r.status} ${r.code}`), [])
    const p95 = percentile(replies.map((reply) => reply.latencyMs), 95)
    console.log(`# /auth/users/me during the run: n=${replies.length} p95=${ms(p95)}`)
  }))

test('after the restart the breaker closes by itself within its reset time, and traffic flows', () =>
  tally.check('recovery within the breaker reset time', () => {
    const toFirstOk = timeline.firstOkAt - timeline.restartedAt
    const toClosed = timeline.closedAt - timeline.restartedAt
    console.log(`# after restart: first 200 in ${ms(toFirstOk)}, breaker closed in ${ms(toClosed)} (reset ${BREAKER_RESET_TIMEOUT_MS} ms)`)
    // The breaker may have opened (again) just before the restart: one reset period, then the trial.
    assert.ok(toFirstOk <= BREAKER_RESET_TIMEOUT_MS + RECOVERY_SLACK_MS, `first 200 after ${ms(toFirstOk)}`)
    assert.ok(toClosed <= BREAKER_RESET_TIMEOUT_MS + RECOVERY_SLACK_MS, `breaker closed after ${ms(toClosed)}`)
    const settled = timeline.eventReplies.filter((reply) => reply.startedAt > timeline.closedAt)
    assert.ok(settled.length >= 20, `requests after the breaker closed (${settled.length})`)
    assert.deepEqual([...new Set(settled.map((reply) => reply.status))], [200])
  }))

test('no request hung at any point', () =>
  tally.check('no hangs', () => {
    const all = [...timeline.eventReplies, ...timeline.authReplies]
    assert.deepEqual(all.filter((reply) => reply.status === 0).map((reply) => reply.code), [])
    console.log(`# slowest reply of the run: ${ms(Math.max(...all.map((reply) => reply.latencyMs)))} over ${all.length} requests`)
  }))
