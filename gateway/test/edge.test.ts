import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BODY_LIMIT, startSystem } from './helpers.js'

describe('edge protections', () => {
  it('refuses a body over the limit with 413, before the upstream; one just under passes whole', async () => {
    const system = await startSystem()
    try {
      const token = system.token(['OPERATOR'])
      const post = (body: string) =>
        fetch(`${system.gateway.url}/event-gateway/event`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body
        })
      const tooLarge = await post(JSON.stringify({ blob: 'x'.repeat(BODY_LIMIT) }))
      assert.equal(tooLarge.status, 413)
      assert.match(tooLarge.headers.get('content-type') ?? '', /^application\/problem\+json/)
      assert.equal(((await tooLarge.json()) as { code: string }).code, 'FST_ERR_CTP_BODY_TOO_LARGE')
      assert.equal(system.event.calls.length, 0)

      const justUnder = JSON.stringify({ blob: 'y'.repeat(BODY_LIMIT - 100) })
      const accepted = await post(justUnder)
      assert.equal(accepted.status, 201)
      await accepted.arrayBuffer() // an unread 1 MB echo would hold the connection (and close()) open
      assert.equal(system.event.calls[0]?.body, justUnder)

      const chunked = await fetch(`${system.gateway.url}/auth/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob(['{"a":"', 'z'.repeat(BODY_LIMIT), '"}']).stream(),
        duplex: 'half'
      } as RequestInit)
      assert.equal(chunked.status, 413, 'a chunked body without Content-Length is counted too')
      await chunked.arrayBuffer()
      assert.equal(system.auth.calls.length, 0)
    } finally {
      await system.stop()
    }
  })

  it('limits login attempts per client with 429 + Retry-After, apart from the general limit', async () => {
    const system = await startSystem({ rateLimit: { max: 8, loginMax: 3, windowMs: 60_000 } })
    try {
      const login = () =>
        fetch(`${system.gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      for (let i = 0; i < 3; i += 1) assert.equal((await login()).status, 201)
      const limited = await login()
      assert.equal(limited.status, 429)
      const retryAfter = Number(limited.headers.get('retry-after'))
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`)
      const problem = (await limited.json()) as { status: number; code: string; requestId: string }
      assert.equal(problem.code, 'RATE_LIMITED')
      assert.equal(problem.requestId, limited.headers.get('x-request-id'))
      assert.equal(system.auth.calls.length, 3)

      // Other routes have their own, larger budget…
      const token = system.token()
      for (let i = 0; i < 8; i += 1) {
        const response = await fetch(`${system.gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` } })
        assert.equal(response.status, 200)
      }
      const overGeneral = await fetch(`${system.gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(overGeneral.status, 429)
      assert.ok(overGeneral.headers.get('retry-after'))
      // …which unknown paths and anonymous callers spend too (the limit runs before the token
      // check), while the liveness probe never is, nor the scraper on the internal listener.
      assert.equal((await fetch(`${system.gateway.url}/nope`)).status, 429)
      assert.equal((await fetch(`${system.gateway.url}/event-gateway/event`)).status, 429)
      assert.equal((await fetch(`${system.gateway.url}/health`)).status, 200)
      assert.equal((await fetch(`${system.gateway.adminUrl}/metrics`)).status, 200)
    } finally {
      await system.stop()
    }
  })

  it("the rate-limit headers a client sees are the gateway's, whatever the service sends; its Retry-After passes", async () => {
    const system = await startSystem({ rateLimit: { max: 100, loginMax: 10, windowMs: 60_000 } })
    try {
      system.auth.behaviour = {
        kind: 'status',
        status: 429,
        headers: { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '40', 'ratelimit-limit': '20', 'retry-after': '40' }
      }
      const login = await fetch(`${system.gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      assert.equal(login.status, 429)
      assert.equal(login.headers.get('x-ratelimit-limit'), '10', "the gateway's login budget")
      assert.equal(login.headers.get('x-ratelimit-remaining'), '9')
      assert.equal(login.headers.get('ratelimit-limit'), null)
      assert.equal(login.headers.get('retry-after'), '40', "the service's own wait still reaches the client")
    } finally {
      await system.stop()
    }
  })

  it('/metrics and /ready are on the internal listener: 404 on the public port, never forwarded', async () => {
    const system = await startSystem()
    try {
      for (const path of ['/metrics', '/ready']) {
        const response = await fetch(`${system.gateway.url}${path}`, { headers: { authorization: `Bearer ${system.token()}` } })
        assert.equal(response.status, 404, `public ${path}`)
        assert.equal(((await response.json()) as { code: string }).code, 'ROUTE_NOT_FOUND')
        assert.equal((await fetch(`${system.gateway.adminUrl}${path}`)).status, 200, `internal ${path}`)
      }
      assert.equal((await fetch(`${system.gateway.adminUrl}/event-gateway/event`)).status, 404, 'the internal listener forwards nothing')
      assert.equal(system.event.calls.length + system.auth.calls.length, 0)
    } finally {
      await system.stop()
    }
  })

  it('/ready is 503 while an upstream is down and 200 once both answer /health', async () => {
    const system = await startSystem()
    try {
      system.event.healthy = false
      const notReady = await fetch(`${system.gateway.adminUrl}/ready`)
      assert.equal(notReady.status, 503)
      const instances = (auth: string, event: string) => ({ [`auth ${system.auth.url}`]: auth, [`event ${system.event.url}`]: event })
      assert.deepEqual(await notReady.json(), { status: 'not ready', checks: { auth: 'ok', event: 'answered 503' }, instances: instances('ok', 'answered 503') })

      system.event.healthy = true
      const ready = await fetch(`${system.gateway.adminUrl}/ready`)
      assert.equal(ready.status, 200)
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { auth: 'ok', event: 'ok' }, instances: instances('ok', 'ok') })

      await system.auth.stop()
      const authGone = await fetch(`${system.gateway.adminUrl}/ready`)
      assert.equal(authGone.status, 503)
      assert.deepEqual(await authGone.json(), { status: 'not ready', checks: { auth: 'unreachable', event: 'ok' }, instances: instances('unreachable', 'ok') })
      assert.equal((await fetch(`${system.gateway.url}/health`)).status, 200, 'alive all the same')
    } finally {
      await system.stop().catch(() => {})
    }
  })

  it('/metrics exports request counters by route pattern and the breaker state', async () => {
    const system = await startSystem()
    try {
      const token = system.token()
      await fetch(`${system.gateway.url}/event-gateway/event/682c1aaa6fb6c7f00ae8ae33`, { headers: { authorization: `Bearer ${token}` } })
      await fetch(`${system.gateway.url}/event-gateway/event/682c1aaa6fb6c7f00ae8ae34`)
      const response = await fetch(`${system.gateway.adminUrl}/metrics`)
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
      const metrics = await response.text()
      assert.match(metrics, /^gateway_http_requests_total\{route="\/event-gateway\/event\/:id",method="GET",status="200"\} 1$/m)
      assert.match(metrics, /^gateway_http_requests_total\{route="\/event-gateway\/event\/:id",method="GET",status="401"\} 1$/m)
      assert.match(metrics, /^gateway_http_request_duration_seconds_bucket\{le="0\.1",route="\/event-gateway\/event\/:id",method="GET"\} \d+$/m)
      const instance = (upstream: string, url: string) => `upstream="${upstream}",instance="${url}"`
      assert.ok(metrics.includes(`gateway_upstream_breaker_state{${instance('auth', system.auth.url)}} 0\n`))
      assert.ok(metrics.includes(`gateway_upstream_breaker_state{${instance('event', system.event.url)}} 0\n`))
      assert.ok(metrics.includes(`gateway_upstream_breaker_opened_total{${instance('event', system.event.url)}} 0\n`))
    } finally {
      await system.stop()
    }
  })
})
