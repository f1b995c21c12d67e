import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ROUTE_TABLE } from '../src/access.js'
import { startSystem, type RecordedCall } from './helpers.js'

const ID = '682c1aaa6fb6c7f00ae8ae33'

describe('routing', () => {
  let system: Awaited<ReturnType<typeof startSystem>>
  before(async () => {
    system = await startSystem()
  })
  after(async () => system.stop())

  for (const key of Object.keys(ROUTE_TABLE)) {
    const [method = '', pattern = ''] = key.split(' ')
    it(`forwards ${key} whole`, async () => {
      const path = pattern.replaceAll(':id', ID)
      const toEvent = path.startsWith('/event-gateway/')
      const stub = toEvent ? system.event : system.auth
      stub.calls.length = 0
      const query = '?limit=5&cursor=abc_-1&status=pending&status=processing&q=%ED%95%9C+%2B'
      const body = method === 'GET' ? undefined : JSON.stringify({ name: '이벤트1', nested: { list: [1, 2.5, null] } })
      const token = system.token()
      const response = await fetch(`${system.gateway.url}${path}${query}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': 'client-supplied.id:1',
          ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {})
        },
        ...(body ? { body } : {})
      })
      assert.equal(response.status, method === 'POST' ? 201 : 200)
      assert.equal(response.headers.get('x-request-id'), 'client-supplied.id:1')
      const echoed = (await response.json()) as RecordedCall
      assert.equal(stub.calls.length, 1)
      const upstreamPath = toEvent ? path.slice('/event-gateway'.length) : path
      assert.equal(echoed.method, method)
      assert.equal(echoed.url.split('?')[0], upstreamPath)
      assert.deepEqual(
        new URLSearchParams(echoed.url.split('?')[1]).getAll('status'),
        ['pending', 'processing']
      )
      assert.equal(new URLSearchParams(echoed.url.split('?')[1]).get('q'), '한 +')
      assert.equal(new URLSearchParams(echoed.url.split('?')[1]).get('cursor'), 'abc_-1')
      assert.equal(echoed.headers.authorization, `Bearer ${token}`)
      assert.equal(echoed.headers['x-request-id'], 'client-supplied.id:1')
      if (body) {
        assert.equal(echoed.body, body)
        assert.equal(echoed.headers['content-type'], 'application/json; charset=utf-8')
      }
    })
  }

  it('answers HEAD on a GET route under the GET rule', async () => {
    system.event.calls.length = 0
    const anonymous = await fetch(`${system.gateway.url}/event-gateway/rewards`, { method: 'HEAD' })
    assert.equal(anonymous.status, 401)
    const response = await fetch(`${system.gateway.url}/event-gateway/rewards`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${system.token(['AUDITOR'])}` }
    })
    assert.equal(response.status, 200)
    assert.deepEqual(system.event.calls.map((call) => `${call.method} ${call.url}`), ['HEAD /rewards'])
  })

  it('generates a request id when none (or an unsafe one) is sent, and forwards it', async () => {
    system.event.calls.length = 0
    const response = await fetch(`${system.gateway.url}/event-gateway/event`, {
      headers: { authorization: `Bearer ${system.token()}`, 'x-request-id': 'bad id\twith spaces' }
    })
    assert.equal(response.status, 200)
    const id = response.headers.get('x-request-id')
    assert.match(id ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(system.event.calls[0]?.headers['x-request-id'], id)
  })

  it('replaces client-sent X-Forwarded-* headers with what it saw', async () => {
    system.auth.calls.length = 0
    await fetch(`${system.gateway.url}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https'
      },
      body: '{}'
    })
    const headers = system.auth.calls[0]?.headers ?? {}
    assert.equal(headers['x-forwarded-for'], '127.0.0.1')
    assert.equal(headers['x-forwarded-host'], new URL(system.gateway.url).host)
    assert.equal(headers['x-forwarded-proto'], 'http')
  })

  it('forwards a body of any type, or none', async () => {
    system.auth.calls.length = 0
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    await fetch(`${system.gateway.url}/auth/logout`, { method: 'POST', body: bytes })
    await fetch(`${system.gateway.url}/auth/logout`, { method: 'POST', headers: { authorization: 'Bearer refresh-token' } })
    const [binary, empty] = system.auth.calls
    assert.equal(binary?.headers['content-length'], '5')
    assert.equal(binary?.headers['content-type'], 'application/octet-stream')
    assert.equal(empty?.body, '')
    assert.equal(empty?.headers.authorization, 'Bearer refresh-token')
  })

  it('answers 404 problem details for anything not in the table, without forwarding', async () => {
    system.event.calls.length = 0
    system.auth.calls.length = 0
    const token = system.token()
    const misses: Array<[string, string]> = [
      ['GET', '/nope'],
      ['GET', '/event-gateway/internal/sweep'],
      ['DELETE', `/event-gateway/event/${ID}`],
      ['PUT', '/event-gateway/event'],
      ['GET', '/auth/.well-known/jwks.json'],
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/event-gateway'],
      ['DELETE', '/auth/users'],
      ['GET', `/auth/users/${ID}`],
      ['GET', '/auth/users/tags'],
      ['GET', '/event-gateway/event/a/b']
    ]
    for (const [method, path] of misses) {
      const response = await fetch(`${system.gateway.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } })
      assert.equal(response.status, 404, `${method} ${path}`)
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      const problem = (await response.json()) as { status: number; requestId: string; code: string }
      assert.equal(problem.status, 404)
      assert.equal(problem.code, 'ROUTE_NOT_FOUND')
      assert.equal(problem.requestId, response.headers.get('x-request-id'))
    }
    assert.equal(system.event.calls.length + system.auth.calls.length, 0)
  })

  it('refuses a path that climbs out of the upstream prefix', async () => {
    system.event.calls.length = 0
    const response = await fetch(`${system.gateway.url}/event-gateway/event/..%2F..%2Fadmin`, {
      headers: { authorization: `Bearer ${system.token()}` }
    })
    assert.equal(response.status, 400)
    assert.equal(system.event.calls.length, 0)
  })

  it('passes the upstream status, headers and body through, Location mapped to the gateway path', async () => {
    system.event.behaviour = { kind: 'status', status: 409, headers: { location: '/event/123', 'x-upstream': 'yes' } }
    try {
      const response = await fetch(`${system.gateway.url}/event-gateway/event`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.token()}`, 'content-type': 'application/json' },
        body: '{}',
        redirect: 'manual'
      })
      assert.equal(response.status, 409)
      assert.equal(response.headers.get('x-upstream'), 'yes')
      assert.equal(response.headers.get('location'), '/event-gateway/event/123')
      assert.deepEqual(await response.json(), { status: 409 })
    } finally {
      system.event.behaviour = { kind: 'echo' }
    }
  })

  it('sets security headers on proxied and own replies', async () => {
    for (const path of ['/health', '/event-gateway/event', '/nope']) {
      const response = await fetch(`${system.gateway.url}${path}`, { headers: { authorization: `Bearer ${system.token()}` } })
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path)
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN', path)
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/, path)
      assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/, path)
      assert.ok(response.headers.get('strict-transport-security'), path)
    }
  })
})
