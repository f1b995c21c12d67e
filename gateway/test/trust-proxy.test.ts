/**
 * TRUST_PROXY: the client address the rate limits key on, and the one the services are told
 * (X-Forwarded-For), is the peer's — unless the peer is a proxy the gateway was told to trust.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { trustProxyFrom } from '../src/config.js'
import { startSystem } from './helpers.js'

const RATE_LIMIT = { max: 3, loginMax: 100, windowMs: 60_000 }

async function signUpFrom(gatewayUrl: string, forwardedFor: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/auth/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: '{}'
  })
  await response.arrayBuffer()
  return response.status
}

describe('TRUST_PROXY', () => {
  it('reads hops as a count and anything else as addresses; unset trusts nobody', () => {
    assert.equal(trustProxyFrom(undefined), false)
    assert.deepEqual(trustProxyFrom('10.0.0.0/8, 192.168.1.7'), ['10.0.0.0/8', '192.168.1.7'])
    const twoHops = trustProxyFrom('2')
    assert.equal(typeof twoHops, 'function')
    if (typeof twoHops !== 'function') return
    assert.deepEqual([0, 1, 2].map((hop) => twoHops('10.0.0.1', hop)), [true, true, false])
  })

  it('unset: a spoofed X-Forwarded-For from an untrusted peer changes neither the rate-limit key nor what the service is told', async () => {
    const system = await startSystem({ rateLimit: RATE_LIMIT })
    try {
      const statuses = []
      for (const spoofed of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) statuses.push(await signUpFrom(system.gateway.url, spoofed))
      assert.deepEqual(statuses, [201, 201, 201, 429], 'one bucket: the peer, whatever it claims')
      assert.deepEqual(system.auth.calls.map((call) => call.headers['x-forwarded-for']), ['127.0.0.1', '127.0.0.1', '127.0.0.1'])
    } finally {
      await system.stop()
    }
  })

  it('the trusted proxy\'s clients each get their own bucket, and the service is told who they are', async () => {
    const system = await startSystem({ rateLimit: RATE_LIMIT, trustProxy: trustProxyFrom('127.0.0.1/32') })
    try {
      const statuses = []
      for (const client of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2']) {
        statuses.push(await signUpFrom(system.gateway.url, client))
      }
      assert.deepEqual(statuses, [201, 201, 201, 429, 201], 'the fourth of one client is refused; another client is not')
      assert.deepEqual(system.auth.calls.map((call) => call.headers['x-forwarded-for']), ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2'])
      // A client in front of the proxy prepending its own entry is not believed past the proxy's.
      assert.equal(await signUpFrom(system.gateway.url, '192.0.2.9, 198.51.100.2'), 201)
      assert.equal(system.auth.calls.at(-1)?.headers['x-forwarded-for'], '198.51.100.2')
    } finally {
      await system.stop()
    }
  })

  it('a hop count believes that many proxies, and no further', async () => {
    const system = await startSystem({ rateLimit: RATE_LIMIT, trustProxy: trustProxyFrom('1') })
    try {
      assert.equal(await signUpFrom(system.gateway.url, '192.0.2.9, 198.51.100.7'), 201)
      assert.equal(system.auth.calls.at(-1)?.headers['x-forwarded-for'], '198.51.100.7')
    } finally {
      await system.stop()
    }
  })
})
