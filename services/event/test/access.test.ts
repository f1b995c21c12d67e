import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { EVENT_ROUTES } from '@app/contracts'
import { createJwksClient } from '@app/platform'
import { CALLERS, forgeJwt, generateRsaKeyPair, specAllows, specRoutesOf } from '@app/devkit/testkit'
import { accessClaims, actor, signJwt, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

describe('access tokens and the role table', () => {
  let service: TestService
  before(async () => {
    service = await startService()
  })
  after(() => service.close())

  const someone = new ObjectId().toHexString()
  const expectUnauthorized = async (token: string | undefined, code?: string) => {
    const reply = await service.call('GET', '/event', token === undefined ? {} : { token })
    assert.equal(reply.status, 401, JSON.stringify(reply.body))
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer')
    assert.equal(typeof reply.body.requestId, 'string')
    if (code) assert.equal(reply.body.code, code)
  }

  test('a valid token passes', async () => {
    assert.equal((await service.call('GET', '/event', { token: actor('USER').token })).status, 200)
  })

  test('no token, or a malformed one, is a 401', async () => {
    await expectUnauthorized(undefined)
    await expectUnauthorized('not-a-jwt')
    await expectUnauthorized(forgeJwt({ alg: 'none', typ: 'JWT', kid: 'test-key' }, accessClaims(someone, ['ADMIN'])))
  })

  test('a token signed by another key is a 401', async () => {
    await expectUnauthorized(signJwt(accessClaims(someone, ['ADMIN']), { privateKey: generateRsaKeyPair().privateKey }))
  })

  test('an expired token, or one for another issuer or audience, is a 401', async () => {
    const expired = { ...accessClaims(someone, ['ADMIN']), iat: 1_000, exp: 2_000 }
    await expectUnauthorized(signJwt(expired))
    await expectUnauthorized(signJwt({ ...accessClaims(someone, ['ADMIN']), iss: 'someone-else' }))
    await expectUnauthorized(signJwt({ ...accessClaims(someone, ['ADMIN']), aud: 'another-service' }))
  })

  test('a refresh token, or a token with an unknown kid, is a 401', async () => {
    await expectUnauthorized(signJwt({ ...accessClaims(someone, ['ADMIN']), typ: 'refresh' }), 'WRONG_TOKEN_TYPE')
    await expectUnauthorized(signJwt(accessClaims(someone, ['ADMIN']), { header: { kid: 'other' } }))
  })

  test('an HS256 token "signed" with the public key is a 401 (algorithm pinned)', async () => {
    const { createHmac } = await import('node:crypto')
    const signingInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'test-key' })).toString('base64url')}.${Buffer.from(
      JSON.stringify(accessClaims(someone, ['ADMIN']))
    ).toString('base64url')}`
    const { signingKeys } = await import('./helpers.js')
    const signature = createHmac('sha256', signingKeys.publicKey).update(signingInput).digest('base64url')
    await expectUnauthorized(`${signingInput}.${signature}`)
  })

  // The SPEC's matrix, written by hand (devkit test kit), × every caller, with real RS256 tokens.
  // Allowed: past every access check (a dummy body or id may still be a 400/404); refused: 403.
  for (const { route, method, servicePath } of specRoutesOf('event')) {
    const path = servicePath.replace(':id', new ObjectId().toHexString())
    test(`${route}: the SPEC's roles get past the access check, every other caller is refused`, async () => {
      for (const caller of CALLERS) {
        const reply = await service.call(method, path, caller === 'anonymous' ? {} : { token: actor(caller).token })
        const label = `${caller} ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`
        if (specAllows(route, caller)) assert.ok(![401, 403].includes(reply.status), label)
        else if (caller === 'anonymous') assert.equal(reply.status, 401, label)
        else {
          assert.equal(reply.status, 403, label)
          assert.equal(reply.body.code, 'FORBIDDEN')
        }
      }
    })
  }

  test('the matrix covers every route the service defines', () => {
    assert.deepEqual(specRoutesOf('event').map(({ method, servicePath }) => `${method} ${servicePath}`).sort(), Object.keys(EVENT_ROUTES).sort())
  })

  test('SERVICE (game servers) reads no players\' data: claims, progress, someone else\'s progress → 403', async () => {
    const gameServer = actor('SERVICE').token
    const player = new ObjectId().toHexString()
    for (const path of ['/user-reward-claims', `/user-reward-claims?userId=${player}`, '/user-reward-claims/me', `/user-reward-claims/${new ObjectId().toHexString()}`, '/user-events', `/user-events?userId=${player}`]) {
      const reply = await service.call('GET', path, { token: gameServer })
      assert.equal(reply.status, 403, `SERVICE GET ${path}`)
    }
    // …but reports progress for any player, and reads the catalog.
    assert.equal((await service.call('POST', '/user-events/process', { token: gameServer, body: { eventType: 'invite', userId: player } })).status, 200)
    assert.equal((await service.call('GET', '/event', { token: gameServer })).status, 200)
  })

  test('an unknown route is a 404 problem, not a 500', async () => {
    const reply = await service.call('GET', '/nope', { token: actor('ADMIN').token })
    assert.equal(reply.status, 404)
    assert.equal(reply.body.code, 'ROUTE_NOT_FOUND')
  })

  test('health and docs need no token', async () => {
    assert.equal((await service.call('GET', '/health')).status, 200)
    assert.equal((await service.call('GET', '/api-docs/json')).status, 200)
  })

  test('/metrics and /ready are on the internal listener: 404 on the public port', async () => {
    for (const path of ['/metrics', '/ready']) {
      const reply = await service.call('GET', path, { token: actor('ADMIN').token })
      assert.equal(reply.status, 404, `public ${path}`)
      assert.equal(reply.body.code, 'ROUTE_NOT_FOUND')
    }
    const metrics = await fetch(`${service.adminUrl}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(await metrics.text(), /^event_http_requests_total\{/m)
    const ready = await fetch(`${service.adminUrl}/ready`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { mongo: 'ok' } })
  })
})

describe('keys from the auth service JWKS', () => {
  const keyA = generateRsaKeyPair()
  const keyB = generateRsaKeyPair()
  const jwk = (publicKey: string, kid: string) => ({
    ...createPublicKey(publicKey).export({ format: 'jwk' }),
    kid,
    alg: 'RS256',
    use: 'sig'
  })
  let published = [jwk(keyA.publicKey, 'key-a')]
  let fetches = 0
  let jwksServer: Server
  let service: TestService

  before(async () => {
    jwksServer = createServer((_request, response) => {
      fetches++
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: published }))
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const address = jwksServer.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    const jwks = createJwksClient({ url: `http://127.0.0.1:${address.port}/.well-known/jwks.json`, minRefetchIntervalMs: 0 })
    service = await startService({ publicKeyFor: jwks.publicKeyFor })
  })
  after(async () => {
    await service.close()
    jwksServer.close()
  })

  const tokenSignedBy = (privateKey: string, kid: string) =>
    signJwt(accessClaims(new ObjectId().toHexString(), ['USER']), { privateKey, header: { kid } })

  test('keys are fetched once and cached', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await service.call('GET', '/event', { token: tokenSignedBy(keyA.privateKey, 'key-a') })).status, 200)
    }
    assert.equal(fetches, 1)
  })

  test('a rotated key (unknown kid) is fetched on first sight; old keys keep working', async () => {
    published = [jwk(keyB.publicKey, 'key-b'), jwk(keyA.publicKey, 'key-a')]
    assert.equal((await service.call('GET', '/event', { token: tokenSignedBy(keyB.privateKey, 'key-b') })).status, 200)
    assert.equal(fetches, 2)
    assert.equal((await service.call('GET', '/event', { token: tokenSignedBy(keyA.privateKey, 'key-a') })).status, 200)
    assert.equal(fetches, 2)
  })

  test('a kid the auth service does not publish is a 401', async () => {
    const reply = await service.call('GET', '/event', { token: tokenSignedBy(keyB.privateKey, 'key-z') })
    assert.equal(reply.status, 401)
    assert.equal(reply.body.code, 'UNKNOWN_KID')
  })
})
