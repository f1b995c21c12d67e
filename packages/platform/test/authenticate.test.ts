import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import Fastify from 'fastify'
import { PUBLIC, Role, allow, type AccessTable } from '@app/contracts'
import { createServer, requestIdPlugin } from '../src/server.js'
import { errorHandlerPlugin } from '../src/errors.js'
import { actingUserId, authenticatePlugin } from '../src/authenticate.js'
import { createJwksClient } from '../src/jwks.js'
import { createRevocationFeedClient, type RevocationEntry } from '../src/revocations.js'
import { createTestTokenIssuer, forgeJwt, jsonOf, listenOnFreePort } from '@app/devkit/testkit'

let issuer = createTestTokenIssuer()
let jwksFetches = 0
const jwksServer = Fastify()
jwksServer.get('/.well-known/jwks.json', async () => {
  jwksFetches++
  return issuer.jwks()
})

const access: AccessTable = {
  'GET /open': PUBLIC,
  'GET /staff': allow(Role.OPERATOR, Role.ADMIN),
  'GET /acting': allow(Role.USER, Role.OPERATOR)
}
const app = createServer({ name: 'test', logLevel: 'silent', bodyLimit: 1024 })
let base = ''
let revoked: RevocationEntry[] = []
const revocations = createRevocationFeedClient(async () => revoked, app.log)
const NONE_REVOKED = { isRevoked: () => false }
/** The clock tokens' `exp` is judged by: moved by hand, so expiry needs no waiting. */
let tokenClockOffsetMs = 0

before(async () => {
  const jwksUrl = `${await listenOnFreePort(jwksServer)}/.well-known/jwks.json`
  const jwks = createJwksClient({ url: jwksUrl, minRefetchIntervalMs: 0 })
  await app.register(requestIdPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(authenticatePlugin, {
    issuer: issuer.issuer,
    audience: issuer.audience,
    publicKeyFor: jwks.publicKeyFor,
    access,
    revocations: revocations.view,
    tokenClock: () => Date.now() + tokenClockOffsetMs
  })
  app.get('/open', async () => ({ ok: true }))
  app.get('/staff', async (request) => ({ sub: request.user.sub }))
  app.get<{ Querystring: { userId?: string } }>('/acting', async (request) => ({ actingFor: actingUserId(request, request.query.userId) }))
  base = await listenOnFreePort(app)
})
after(async () => {
  await app.close()
  await jwksServer.close()
})

const get = (path: string, token?: string) =>
  fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
const operator = () => issuer.accessToken({ sub: 'op-1', roles: [Role.OPERATOR] })

test('a route without an access rule stops start-up', async () => {
  const strict = createServer({ name: 'strict', logLevel: 'silent', bodyLimit: 1024 })
  await strict.register(errorHandlerPlugin)
  await strict.register(authenticatePlugin, { issuer: 'i', audience: 'a', publicKeyFor: issuer.publicKeyFor, access: {}, revocations: NONE_REVOKED })
  await strict.after()
  assert.throws(() => strict.get('/forgotten', async () => 'x'), /No access rule for GET \/forgotten/)
  await strict.close()
})

test('a public page (publicPages) needs no rule and no token to be read; a look-alike path, or a write under it, still needs a rule', async () => {
  const paged = createServer({ name: 'paged', logLevel: 'silent', bodyLimit: 1024 })
  await paged.register(errorHandlerPlugin)
  await paged.register(authenticatePlugin, {
    issuer: 'i',
    audience: 'a',
    publicKeyFor: issuer.publicKeyFor,
    access: {},
    revocations: NONE_REVOKED,
    publicPages: ['/console']
  })
  await paged.after()
  paged.get('/console', async () => 'page')
  paged.get('/console/*', async () => 'asset')
  assert.throws(() => paged.get('/consoles', async () => 'x'), /No access rule for GET \/consoles/)
  // A page is read, never written: anything else under it is API and needs its rule.
  assert.throws(() => paged.post('/console/feedback', async () => 'x'), /No access rule for POST \/console\/feedback/)
  // Docs and liveness are exempt with what is below them, not look-alikes.
  assert.throws(() => paged.get('/healthz', async () => 'x'), /No access rule for GET \/healthz/)
  assert.throws(() => paged.get('/api-docs-private', async () => 'x'), /No access rule for GET \/api-docs-private/)
  const url = await listenOnFreePort(paged)
  try {
    assert.equal(await (await fetch(`${url}/console`)).text(), 'page')
    assert.equal(await (await fetch(`${url}/console/assets/a.js`)).text(), 'asset')
  } finally {
    await paged.close()
  }
})

test('public routes need no token; protected ones need one', async () => {
  assert.equal((await get('/open')).status, 200)
  const missing = await get('/staff')
  assert.equal(missing.status, 401)
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer')
})

test('the right role passes, the wrong role is a 403', async () => {
  assert.deepEqual(await jsonOf(await get('/staff', operator())), { sub: 'op-1' })
  assert.equal((await get('/staff', issuer.accessToken({ sub: 'u', roles: [Role.USER] }))).status, 403)
  assert.equal((await get('/staff', issuer.accessToken({ sub: 'a', roles: [Role.AUDITOR] }))).status, 403)
})

test('forged and foreign tokens are 401', async () => {
  const claims = { sub: 'x', roles: [Role.ADMIN], sid: 's', typ: 'access', iss: issuer.issuer, aud: issuer.audience, exp: Math.floor(Date.now() / 1000) + 60 }
  const none = forgeJwt({ alg: 'none', typ: 'JWT', kid: issuer.kid }, claims)
  const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: issuer.kid })).toString('base64url')
  const hsBody = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const hs256 = `${hsHeader}.${hsBody}.${createHmac('sha256', issuer.publicKey).update(`${hsHeader}.${hsBody}`).digest('base64url')}`
  const [header, , signature] = operator().split('.')
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims })).toString('base64url')}.${signature}`
  const cases = {
    none,
    hs256,
    tampered,
    expired: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { expiresInSeconds: -10 }),
    wrongIssuer: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { iss: 'someone-else' } }),
    wrongAudience: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { aud: 'other-api' } }),
    refreshTyped: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { typ: 'refresh' } }),
    unknownKid: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { header: { kid: 'nope' } }),
    // Signed with the right key, but missing a claim the pinning relies on.
    noExpiry: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { exp: undefined } }),
    noIssuer: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { iss: undefined } }),
    noAudience: issuer.accessToken({ sub: 'x', roles: [Role.ADMIN] }, { payload: { aud: undefined } }),
    garbage: 'not-a-jwt'
  }
  for (const [name, token] of Object.entries(cases)) {
    const response = await get('/staff', token)
    assert.equal(response.status, 401, `${name} must be refused`)
    assert.equal((await jsonOf(response)).status, 401)
  }
})

test('a new signing key is fetched when a token names an unknown kid', async () => {
  assert.equal((await get('/staff', operator())).status, 200)
  const before = jwksFetches
  issuer = createTestTokenIssuer() // the auth service restarted with a new key
  assert.equal((await get('/staff', operator())).status, 200)
  assert.equal(jwksFetches, before + 1)
  assert.equal((await get('/staff', operator())).status, 200)
  assert.equal(jwksFetches, before + 1, 'a known kid is served from the cache')
})

test('a USER acts only for themselves; staff may name anyone', async () => {
  const user = issuer.accessToken({ sub: 'user-1', roles: [Role.USER] })
  assert.deepEqual(await jsonOf(await get('/acting', user)), { actingFor: 'user-1' })
  assert.deepEqual(await jsonOf(await get('/acting?userId=user-1', user)), { actingFor: 'user-1' })
  assert.equal((await get('/acting?userId=user-2', user)).status, 403)
  assert.deepEqual(await jsonOf(await get('/acting?userId=user-2', operator())), { actingFor: 'user-2' })
})

test('a verified token is remembered, yet refused once its key is rotated out or it expires', async () => {
  const oldIssuer = issuer
  const token = oldIssuer.accessToken({ sub: 'op-cached', roles: [Role.OPERATOR] }, { expiresInSeconds: 60 })
  assert.equal((await get('/staff', token)).status, 200)
  assert.equal((await get('/staff', token)).status, 200, 'served from the cache')
  // A tampered copy is another key: full verification, refused.
  const [header, payload, signature] = token.split('.')
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: [Role.ADMIN] })).toString('base64url')}.${signature}`
  assert.equal((await get('/staff', tampered)).status, 401)

  // Auth restarts with a new key; once the JWKS no longer lists the old kid, its tokens die.
  issuer = createTestTokenIssuer()
  assert.equal((await get('/staff', operator())).status, 200, 'a new-key token makes the set refetch')
  const rotatedOut = await get('/staff', token)
  assert.equal(rotatedOut.status, 401)
  assert.equal((await jsonOf(rotatedOut)).code, 'UNKNOWN_KID')

  issuer = oldIssuer
  const shortLived = issuer.accessToken({ sub: 'op-short', roles: [Role.OPERATOR] }, { expiresInSeconds: 60 })
  assert.equal((await get('/staff', shortLived)).status, 200)
  assert.equal((await get('/staff', shortLived)).status, 200, 'served from the cache')
  tokenClockOffsetMs = 60_000
  try {
    const expired = await get('/staff', shortLived)
    assert.equal(expired.status, 401, 'expiry is checked on every hit')
    assert.equal((await jsonOf(expired)).code, 'INVALID_TOKEN')
    assert.equal((await get('/staff', shortLived)).status, 401, 'and on the full verification that follows the dropped entry')
    tokenClockOffsetMs = 58_000 // exp is in whole seconds: keep clear of its rounding
    assert.equal((await get('/staff', shortLived)).status, 200, 'before exp it verifies again: both checks read this clock')
  } finally {
    tokenClockOffsetMs = 0
  }
})

test('a token below its account’s minimum version is refused, verified fresh or from the cache; newer ones pass', async () => {
  const old = issuer.accessToken({ sub: 'op-2', roles: [Role.OPERATOR] }, { payload: { ver: 3 } })
  const unversioned = issuer.accessToken({ sub: 'op-2', roles: [Role.OPERATOR] })
  const current = issuer.accessToken({ sub: 'op-2', roles: [Role.OPERATOR] }, { payload: { ver: 4 } })
  const someoneElse = issuer.accessToken({ sub: 'op-3', roles: [Role.OPERATOR] })
  assert.equal((await get('/staff', old)).status, 200, 'cached now')
  revoked = [{ userId: 'op-2', minVersion: 2 }, { userId: 'op-2', minVersion: 4 }]
  await revocations.refresh()
  assert.equal(revocations.size(), 1)
  for (const token of [old, unversioned]) {
    const reply = await get('/staff', token)
    assert.equal(reply.status, 401)
    assert.equal((await jsonOf(reply)).code, 'TOKEN_REVOKED')
  }
  assert.equal((await get('/staff', current)).status, 200)
  assert.equal((await get('/staff', someoneElse)).status, 200)
  revoked = []
  await revocations.refresh()
  assert.equal((await get('/staff', old)).status, 200, 'an entry past its lifetime no longer applies')
})

test('a failed load keeps the last revocation list', async () => {
  let fail = false
  const client = createRevocationFeedClient(async () => {
    if (fail) throw new Error('auth unreachable')
    return [{ userId: 'u', minVersion: 1 }]
  }, app.log)
  await client.refresh()
  const loadedAt = client.loadedAt()
  fail = true
  await client.refresh()
  assert.equal(client.view.isRevoked({ sub: 'u', ver: 0 }), true)
  assert.equal(client.loadedAt(), loadedAt)
})
