import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { ALL_ROLES, type Role } from '@app/contracts'
import { createJwksClient } from '@app/platform'
import { forgeJwt, generateRsaKeyPair } from '@app/platform/testkit'
import { access } from '../src/access.js'
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

  // Every rule of the table, every role it leaves out: 403. Roles it names get past authorization.
  for (const [rule, entry] of Object.entries(access)) {
    const roles: readonly Role[] = 'roles' in entry ? entry.roles : ALL_ROLES
    const [method, pattern] = rule.split(' ') as [string, string]
    const path = pattern.replace(':id', new ObjectId().toHexString())
    const refused = ALL_ROLES.filter((role) => !roles.includes(role))
    test(`${rule}: ${refused.length > 0 ? `403 for ${refused.join(', ')}` : 'every role passes'}`, async () => {
      for (const role of ALL_ROLES) {
        const reply = await service.call(method, path, { token: actor(role).token })
        if (refused.includes(role)) {
          assert.equal(reply.status, 403, `${role} ${rule}: ${JSON.stringify(reply.body)}`)
          assert.equal(reply.body.code, 'FORBIDDEN')
        } else {
          assert.ok(![401, 403].includes(reply.status), `${role} ${rule} → ${reply.status} ${JSON.stringify(reply.body)}`)
        }
      }
      assert.equal((await service.call(method, path)).status, 401, `${rule} without a token`)
    })
  }

  test('an unknown route is a 404 problem, not a 500', async () => {
    const reply = await service.call('GET', '/nope', { token: actor('ADMIN').token })
    assert.equal(reply.status, 404)
    assert.equal(reply.body.code, 'ROUTE_NOT_FOUND')
  })

  test('health and docs need no token', async () => {
    assert.equal((await service.call('GET', '/health')).status, 200)
    assert.equal((await service.call('GET', '/ready')).status, 200)
    assert.equal((await service.call('GET', '/api-docs/json')).status, 200)
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
