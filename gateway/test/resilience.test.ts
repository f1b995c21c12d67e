import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { retryDelayFor } from '../src/plugins/proxy.js'
import {
  closedPortUrl,
  startConnectionResetter,
  startGateway,
  startStub,
  startStubAuth,
  startSystem,
  accessClaims,
  signJwt,
  eventOpenApi,
  type SigningKey
} from './helpers.js'

const BREAKER = { errorThresholdPercentage: 50, resetTimeoutMs: 600, volumeThreshold: 4 }

async function breakerState(gatewayAdminUrl: string, upstream: string): Promise<number> {
  const metrics = await (await fetch(`${gatewayAdminUrl}/metrics`)).text()
  const match = metrics.match(new RegExp(`^gateway_upstream_breaker_state\\{upstream="${upstream}",instance="[^"]+"\\} (\\d)$`, 'm'))
  return Number(match?.[1])
}

describe('circuit breaker', () => {
  it('opens after repeated 5xx, answers 503 + Retry-After without calling the upstream, then a half-open trial closes it', async () => {
    const system = await startSystem({ breaker: BREAKER })
    try {
      const get = () =>
        fetch(`${system.gateway.url}/event-gateway/rewards`, { headers: { authorization: `Bearer ${system.token()}` } })
      system.event.behaviour = { kind: 'status', status: 500 }
      for (let i = 0; i < BREAKER.volumeThreshold; i += 1) {
        const response = await get()
        assert.equal(response.status, 500, 'the upstream 5xx itself passes through')
        await response.arrayBuffer()
      }
      assert.equal(system.event.calls.length, BREAKER.volumeThreshold)
      assert.equal(await breakerState(system.gateway.adminUrl, 'event'), 2)

      const started = Date.now()
      const refused = await get()
      assert.equal(refused.status, 503)
      assert.ok(Date.now() - started < 200, 'an open breaker answers at once')
      assert.equal(refused.headers.get('retry-after'), '1', 'seconds until the trial, rounded up')
      const problem = (await refused.json()) as { code: string; requestId: string }
      assert.equal(problem.code, 'UPSTREAM_CIRCUIT_OPEN')
      assert.equal(system.event.calls.length, BREAKER.volumeThreshold, 'the open breaker did not call the upstream')

      // The other upstream has its own breaker.
      const login = await fetch(`${system.gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      assert.equal(login.status, 201)

      system.event.behaviour = { kind: 'echo' }
      await sleep(BREAKER.resetTimeoutMs + 100)
      assert.equal(await breakerState(system.gateway.adminUrl, 'event'), 1)
      const trial = await get()
      assert.equal(trial.status, 200)
      assert.equal(await breakerState(system.gateway.adminUrl, 'event'), 0)
      assert.equal((await get()).status, 200)

      const metrics = await (await fetch(`${system.gateway.adminUrl}/metrics`)).text()
      assert.match(metrics, /^gateway_upstream_breaker_opened_total\{upstream="event",instance="[^"]+"\} 1$/m)
      assert.match(metrics, /^gateway_upstream_breaker_refused_total\{upstream="event"\} 1$/m)
    } finally {
      await system.stop()
    }
  })

  it('a failed half-open trial opens the breaker again', async () => {
    const system = await startSystem({ breaker: BREAKER })
    try {
      system.event.behaviour = { kind: 'status', status: 503 }
      const get = () => fetch(`${system.gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${system.token()}` } })
      for (let i = 0; i < BREAKER.volumeThreshold; i += 1) await (await get()).arrayBuffer()
      assert.equal((await get()).status, 503)
      await sleep(BREAKER.resetTimeoutMs + 100)
      const callsBefore = system.event.calls.length
      assert.equal((await get()).status, 503) // the trial, answered by the upstream
      assert.equal(system.event.calls.length, callsBefore + 1)
      const refused = await get()
      assert.equal(refused.status, 503)
      assert.equal(((await refused.json()) as { code: string }).code, 'UPSTREAM_CIRCUIT_OPEN')
      assert.equal(system.event.calls.length, callsBefore + 1)
    } finally {
      await system.stop()
    }
  })

  it('a 503 with Retry-After (the service shedding load on purpose) never opens it; the same 503 without one does', async () => {
    const system = await startSystem({ breaker: BREAKER })
    try {
      const get = async () => {
        const response = await fetch(`${system.gateway.url}/auth/users/me`, { headers: { authorization: `Bearer ${system.token()}` } })
        await response.arrayBuffer()
        return response
      }
      system.auth.behaviour = { kind: 'status', status: 503, headers: { 'retry-after': '1' } }
      for (let i = 0; i < BREAKER.volumeThreshold * 3; i += 1) {
        const response = await get()
        assert.equal(response.status, 503)
        assert.equal(response.headers.get('retry-after'), '1', "the service's own Retry-After reaches the client")
      }
      assert.equal(await breakerState(system.gateway.adminUrl, 'auth'), 0, 'still closed')
      system.auth.behaviour = { kind: 'status', status: 503 }
      // Outnumber the successes in the rolling window so the failure rate passes 50 %.
      for (let i = 0; i < BREAKER.volumeThreshold * 4; i += 1) await get()
      assert.equal(await breakerState(system.gateway.adminUrl, 'auth'), 2)
    } finally {
      await system.stop()
    }
  })

  it('4xx answers never open it', async () => {
    const system = await startSystem({ breaker: BREAKER })
    try {
      system.event.behaviour = { kind: 'status', status: 404 }
      for (let i = 0; i < BREAKER.volumeThreshold * 3; i += 1) {
        const response = await fetch(`${system.gateway.url}/event-gateway/event/682c1aaa6fb6c7f00ae8ae33`, {
          headers: { authorization: `Bearer ${system.token()}` }
        })
        assert.equal(response.status, 404)
        await response.arrayBuffer()
      }
      assert.equal(system.event.calls.length, BREAKER.volumeThreshold * 3)
      assert.equal(await breakerState(system.gateway.adminUrl, 'event'), 0)
    } finally {
      await system.stop()
    }
  })
})

describe('upstream failures', () => {
  it('a hanging upstream is cut off: 504 within the timeout, and the upstream request is aborted', async () => {
    const system = await startSystem({ upstreamTimeoutMs: 400 })
    try {
      system.event.behaviour = { kind: 'hang' }
      const started = Date.now()
      const response = await fetch(`${system.gateway.url}/event-gateway/event`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.token()}`, 'content-type': 'application/json' },
        body: '{"name":"x"}'
      })
      const elapsed = Date.now() - started
      assert.equal(response.status, 504)
      assert.ok(elapsed >= 400 && elapsed < 1_500, `answered after ${elapsed} ms`)
      const problem = (await response.json()) as { code: string; detail: string }
      assert.equal(problem.code, 'UPSTREAM_TIMEOUT')
      assert.equal(system.event.calls.length, 1, 'a POST is never retried')
      for (let i = 0; i < 20 && system.event.abandoned === 0; i += 1) await sleep(25)
      assert.equal(system.event.abandoned, 1, 'the upstream saw its connection closed')
    } finally {
      await system.stop()
    }
  })

  it('an unreachable upstream is a 503 problem (never a 500), counted by its breaker', async () => {
    const auth = await startStubAuth()
    const gateway = await startGateway({ auth: auth.url, event: await closedPortUrl() }, { breaker: { ...BREAKER, volumeThreshold: 2 } })
    try {
      const token = signJwt(auth.keys[0] as SigningKey, accessClaims(['OPERATOR']))
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${gateway.url}/event-gateway/event`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(method === 'POST' ? { body: '{}' } : {})
        })
        assert.equal(response.status, 503, method)
        assert.ok(response.headers.get('retry-after'), method)
        const problem = (await response.json()) as { code: string; detail: string }
        assert.equal(problem.code, 'UPSTREAM_UNREACHABLE')
        assert.doesNotMatch(problem.detail, /ECONNREFUSED|127\.0\.0\.1/)
      }
      assert.equal(await breakerState(gateway.adminUrl, 'event'), 2)
      const refused = await fetch(`${gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(((await refused.json()) as { code: string }).code, 'UPSTREAM_CIRCUIT_OPEN')
    } finally {
      await gateway.stop()
      await auth.stop()
    }
  })

  it('retries GET (never POST) on a connection error, at most twice', async () => {
    const auth = await startStubAuth()
    const resetter = await startConnectionResetter()
    const gateway = await startGateway({ auth: auth.url, event: resetter.url })
    try {
      const token = signJwt(auth.keys[0] as SigningKey, accessClaims(['OPERATOR']))
      const get = await fetch(`${gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` } })
      assert.ok([502, 503].includes(get.status), `GET answered ${get.status}`)
      assert.equal(resetter.connections(), 3, 'one attempt and two retries')

      const post = await fetch(`${gateway.url}/event-gateway/event`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}'
      })
      assert.ok([502, 503].includes(post.status), `POST answered ${post.status}`)
      assert.equal(resetter.connections(), 4, 'a POST is sent once')
    } finally {
      await gateway.stop()
      await Promise.all([auth.stop(), resetter.stop()])
    }
  })

  it('retries a connection that died, never a refused one: nothing listens there, so the 503 comes at once', () => {
    const failure = (code: string) => Object.assign(new Error(code), { code })
    const get = retryDelayFor('GET')
    assert.equal(get({ err: failure('ECONNREFUSED'), attempt: 0 }), null)
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET']) {
      assert.ok((get({ err: failure(code), attempt: 0 }) ?? 0) > 0, code)
      assert.ok((get({ err: failure(code), attempt: 1 }) ?? 0) > 0, code)
      assert.equal(get({ err: failure(code), attempt: 2 }), null, `${code}: at most two retries`)
      assert.equal(retryDelayFor('POST')({ err: failure(code), attempt: 0 }), null, `${code}: a POST is never retried`)
    }
  })

  it('a GET that lost its connection succeeds on the retry', async () => {
    const auth = await startStubAuth()
    const event = await startStub({ openApi: eventOpenApi() })
    const gateway = await startGateway({ auth: auth.url, event: event.url })
    try {
      const token = signJwt(auth.keys[0] as SigningKey, accessClaims(['USER']))
      event.behaviour = { kind: 'drop', times: 1 }
      const response = await fetch(`${gateway.url}/event-gateway/rewards`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(response.status, 200)
      assert.equal(event.calls.length, 2)

      event.behaviour = { kind: 'drop', times: 1 }
      const post = await fetch(`${gateway.url}/event-gateway/rewards`, {
        method: 'POST',
        headers: { authorization: `Bearer ${signJwt(auth.keys[0] as SigningKey, accessClaims(['ADMIN']))}`, 'content-type': 'application/json' },
        body: '{}'
      })
      assert.equal(post.status, 502)
      assert.equal(((await post.json()) as { code: string }).code, 'UPSTREAM_FAILED')
      assert.equal(event.calls.length, 3)
    } finally {
      await gateway.stop()
      await Promise.all([auth.stop(), event.stop()])
    }
  })
})
