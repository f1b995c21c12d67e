import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewayOptionsFromEnv, GatewayEnv } from '../src/config.js'
import { mayFailOver } from '../src/plugins/proxy.js'
import { loadEnv } from '@app/platform'
import {
  accessClaims,
  closedPortUrl,
  eventOpenApi,
  signJwt,
  startConnectionResetter,
  startGateway,
  startStub,
  startStubAuth,
  type SigningKey
} from './helpers.js'

const BREAKER = { errorThresholdPercentage: 50, resetTimeoutMs: 60_000, volumeThreshold: 3 }

async function twoInstances(secondUrl?: string) {
  const auth = await startStubAuth()
  const first = await startStub({ openApi: eventOpenApi() })
  const second = secondUrl ? undefined : await startStub({ openApi: eventOpenApi() })
  const gateway = await startGateway({ auth: auth.url, event: [first.url, secondUrl ?? second!.url] }, { breaker: BREAKER })
  const token = (roles = ['OPERATOR'] as const) => signJwt(auth.keys[0] as SigningKey, accessClaims(roles))
  const send = (method: string, path = '/event-gateway/event') =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(method === 'GET' ? {} : { body: '{"name":"x"}' })
    })
  return {
    auth,
    first,
    second,
    gateway,
    send,
    async stop() {
      await gateway.stop()
      await Promise.all([auth.stop(), first.stop(), second?.stop()])
    }
  }
}

describe('several instances of an upstream', () => {
  it('EVENT_SERVICE_URL / AUTH_SERVICE_URL take a comma-separated list of origins', () => {
    const env = loadEnv(GatewayEnv, {
      AUTH_SERVICE_URL: 'http://auth:3000',
      EVENT_SERVICE_URL: ' http://event-1:3002/ , http://event-2:3002,http://event-1:3002'
    })
    assert.deepEqual(gatewayOptionsFromEnv(env).upstreams, { auth: ['http://auth:3000'], event: ['http://event-1:3002', 'http://event-2:3002'] })
    assert.throws(() => loadEnv(GatewayEnv, { EVENT_SERVICE_URL: 'http://event-1:3002,' }), /EVENT_SERVICE_URL/)
    assert.throws(() => loadEnv(GatewayEnv, { EVENT_SERVICE_URL: 'http://event-1:3002/path,http://b' }), /EVENT_SERVICE_URL/)
  })

  it('balances requests over the instances', async () => {
    const system = await twoInstances()
    try {
      for (let i = 0; i < 10; i += 1) assert.equal((await system.send('GET')).status, 200)
      await Promise.all(Array.from({ length: 10 }, async () => assert.equal((await system.send('POST')).status, 201)))
      assert.equal(system.first.calls.length + system.second!.calls.length, 20, 'each request sent once')
      assert.ok(system.first.calls.length >= 5 && system.second!.calls.length >= 5, `${system.first.calls.length} / ${system.second!.calls.length}`)
    } finally {
      await system.stop()
    }
  })

  it('an instance that sheds load (503 + Retry-After): the client gets its 503, later requests prefer the other instance', async () => {
    const system = await twoInstances()
    try {
      const [first, second] = [system.first, system.second!]
      const shedding = { kind: 'status', status: 503, headers: { 'retry-after': '20' } } as const
      first.behaviour = shedding
      second.behaviour = shedding
      // Both shed: each is tried as usual (nothing is refused by the gateway itself), and both are marked.
      const both = await Promise.all([system.send('GET'), system.send('GET')])
      assert.deepEqual(both.map((response) => response.status), [503, 503])
      assert.equal(both[0]!.headers.get('retry-after'), '20', "the instance's own Retry-After reaches the client")
      assert.equal(first.calls.length + second.calls.length, 2)
      second.behaviour = { kind: 'echo' }
      // The second recovers and answers; from then on it is the one not marked as shedding.
      let answered = 0
      for (let i = 0; i < 4 && answered === 0; i += 1) if ((await system.send('GET')).status === 200) answered += 1
      assert.equal(answered, 1)
      const shedCalls = first.calls.length
      for (let i = 0; i < 10; i += 1) assert.equal((await system.send(i % 2 === 0 ? 'GET' : 'POST')).status, i % 2 === 0 ? 200 : 201)
      assert.equal(first.calls.length, shedCalls, 'nothing more went to the instance inside its Retry-After')
      const marked = system.gateway.app.upstreamPools.event.instances.find((instance) => instance.url === first.url)!
      assert.equal(marked.isShedding(), true)
      assert.equal(marked.state(), 'closed', 'shedding is no failure: its breaker stays closed')
    } finally {
      await system.stop()
    }
  })

  it('an instance that refuses connections: every method fails over (nothing was sent), its breaker opens, then it is skipped', async () => {
    const system = await twoInstances(await closedPortUrl())
    try {
      for (let i = 0; i < 12; i += 1) {
        const response = await system.send(i % 2 === 0 ? 'GET' : 'POST')
        assert.equal(response.status, i % 2 === 0 ? 200 : 201, `request ${i}`)
      }
      assert.equal(system.first.calls.length, 12, 'the live instance got every request, each once')
      const metrics = await (await fetch(`${system.gateway.adminUrl}/metrics`)).text()
      const dead = system.gateway.app.upstreamPools.event.instances[1]!
      assert.equal(dead.state(), 'open')
      assert.ok(metrics.includes(`gateway_upstream_breaker_state{upstream="event",instance="${dead.url}"} 2\n`))
      assert.ok(metrics.includes(`gateway_upstream_breaker_state{upstream="event",instance="${system.first.url}"} 0\n`))

      const ready = await fetch(`${system.gateway.adminUrl}/ready`)
      assert.equal(ready.status, 200, 'one healthy instance is enough')
      const body = (await ready.json()) as { checks: Record<string, string>; instances: Record<string, string> }
      assert.equal(body.checks.event, 'ok')
      assert.equal(body.instances[`event ${system.first.url}`], 'ok')
      assert.equal(body.instances[`event ${dead.url}`], 'breaker open')
    } finally {
      await system.stop()
    }
  })

  it('a connection reset after the request was sent: GET goes to the other instance, a POST is never sent twice', async () => {
    const resetter = await startConnectionResetter()
    const system = await twoInstances(resetter.url)
    try {
      for (let i = 0; i < 6; i += 1) assert.equal((await system.send('GET')).status, 200)
      assert.equal(system.first.calls.length, 6)

      const posts = await Promise.all(Array.from({ length: 6 }, () => system.send('POST')))
      const statuses = posts.map((response) => response.status)
      const accepted = statuses.filter((status) => status === 201).length
      const failed = statuses.filter((status) => status === 502).length
      assert.equal(accepted + failed, 6, statuses.join(','))
      assert.equal(system.first.calls.length - 6, accepted, 'the live instance saw only the POSTs it answered')
      for (const response of posts.filter((r) => r.status === 502)) {
        assert.equal(((await response.json()) as { code: string }).code, 'UPSTREAM_FAILED')
      }
    } finally {
      await system.stop()
      await resetter.stop()
    }
  })

  it('every instance down → 503 UPSTREAM_UNREACHABLE, then UPSTREAM_CIRCUIT_OPEN, with Retry-After', async () => {
    const auth = await startStubAuth()
    const gateway = await startGateway({ auth: auth.url, event: [await closedPortUrl(), await closedPortUrl()] }, { breaker: { ...BREAKER, volumeThreshold: 1 } })
    try {
      const token = signJwt(auth.keys[0] as SigningKey, accessClaims(['OPERATOR']))
      const get = () => fetch(`${gateway.url}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` } })
      const unreachable = await get()
      assert.equal(unreachable.status, 503)
      assert.ok(unreachable.headers.get('retry-after'))
      assert.equal(((await unreachable.json()) as { code: string }).code, 'UPSTREAM_UNREACHABLE')
      const refused = await get()
      assert.equal(refused.status, 503)
      assert.equal(refused.headers.get('retry-after'), '60')
      assert.equal(((await refused.json()) as { code: string }).code, 'UPSTREAM_CIRCUIT_OPEN')
    } finally {
      await gateway.stop()
      await auth.stop()
    }
  })

  it('which failures may go to another instance (written from the HTTP semantics, not the code)', () => {
    const failure = (code: string) => Object.assign(new Error('wrapped'), { cause: Object.assign(new Error(code), { code }) })
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH']) {
      assert.equal(mayFailOver(method, failure('ECONNREFUSED')), true, `${method}: never connected, never sent`)
      assert.equal(mayFailOver(method, failure('UND_ERR_CONNECT_TIMEOUT')), true, method)
    }
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) assert.equal(mayFailOver(method, failure('ECONNRESET')), true, method)
    for (const method of ['POST', 'PATCH']) {
      assert.equal(mayFailOver(method, failure('ECONNRESET')), false, `${method}: the request may have been handled`)
      assert.equal(mayFailOver(method, failure('UND_ERR_SOCKET')), false, method)
    }
    assert.equal(mayFailOver('GET', Object.assign(new Error('timeout'), { statusCode: 504 })), false, 'a timeout is not a connection error')
  })
})
