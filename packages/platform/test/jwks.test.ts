import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import Fastify from 'fastify'
import { createJwksClient } from '../src/jwks.js'
import { HttpProblem } from '../src/errors.js'
import { createTestTokenIssuer, listenOnFreePort } from '@app/devkit/testkit'

// A real JWKS endpoint whose key set the tests replace, as an auth service restarting with a
// new key would.
let keySet: object[] = createTestTokenIssuer().jwks().keys
let fetches = 0
let answering = true
const auth = Fastify()
auth.get('/.well-known/jwks.json', async (_request, reply) => {
  fetches += 1
  if (!answering) return reply.code(503).send({})
  return { keys: keySet }
})
let url = ''
before(async () => {
  url = `${await listenOnFreePort(auth)}/.well-known/jwks.json`
})
after(() => auth.close())

/** A long interval: any refetch within a test is one the client chose despite it. */
const INTERVAL_MS = 60_000
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof HttpProblem ? `${error.statusCode} ${error.code}` : String(error))
  )

test('auth restarts with a new key right after the first load: the new kid is fetched at once', async () => {
  const first = createTestTokenIssuer()
  keySet = first.jwks().keys
  const jwks = createJwksClient({ url, minRefetchIntervalMs: INTERVAL_MS })
  const before = fetches
  assert.equal(await jwks.publicKeyFor(first.kid), first.publicKey)

  const second = createTestTokenIssuer() // a moment later, auth comes back with another key
  keySet = second.jwks().keys
  assert.equal(await jwks.publicKeyFor(second.kid), second.publicKey, 'the new key is accepted without waiting')
  assert.equal(fetches, before + 2)
  // The old key is gone from the set auth publishes, so the cache dropped it.
  assert.equal(await codeOf(jwks.publicKeyFor(first.kid)), '401 UNKNOWN_KID')
})

test('after a refetch, made-up kids cost no further fetch until the interval has passed', async () => {
  const issuer = createTestTokenIssuer()
  keySet = issuer.jwks().keys
  const jwks = createJwksClient({ url, minRefetchIntervalMs: INTERVAL_MS })
  await jwks.publicKeyFor(issuer.kid)
  const before = fetches
  assert.equal(await codeOf(jwks.publicKeyFor('made-up-1')), '401 UNKNOWN_KID')
  assert.equal(fetches, before + 1, 'the first unknown kid refetches')
  const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf(jwks.publicKeyFor(`made-up-${i + 2}`))))
  assert.deepEqual([...new Set(flood)], ['401 UNKNOWN_KID'])
  assert.equal(fetches, before + 1, 'the flood fetched nothing')
  assert.equal(await jwks.publicKeyFor(issuer.kid), issuer.publicKey, 'known keys still verify')
})

test('while auth cannot answer, tokens are refused 401 and the failed fetch is not repeated at once', async () => {
  const issuer = createTestTokenIssuer()
  keySet = issuer.jwks().keys
  const jwks = createJwksClient({ url, minRefetchIntervalMs: INTERVAL_MS })
  answering = false
  try {
    const before = fetches
    assert.equal(await codeOf(jwks.publicKeyFor(issuer.kid)), '401 JWKS_UNAVAILABLE')
    assert.equal(await codeOf(jwks.publicKeyFor(issuer.kid)), '401 UNKNOWN_KID')
    assert.equal(fetches, before + 1)
  } finally {
    answering = true
  }
})
