import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ALL_ROLES } from '@app/contracts'
import { forgeJwt } from '@app/platform/testkit'
import { ROUTE_TABLE } from '../src/access.js'
import { accessClaims, newSigningKey, signJwt, startSystem, type SigningKey } from './helpers.js'

const ID = '682c1aaa6fb6c7f00ae8ae33'
const concrete = (pattern: string) => pattern.replaceAll(':id', ID)

describe('access control at the gateway', () => {
  let system: Awaited<ReturnType<typeof startSystem>>
  before(async () => {
    system = await startSystem()
  })
  after(async () => system.stop())

  const upstreamCalls = () => system.auth.calls.length + system.event.calls.length
  const call = (method: string, path: string, token?: string) =>
    fetch(`${system.gateway.url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' })
      },
      ...(method === 'GET' ? {} : { body: '{}' })
    })

  for (const [key, rule] of Object.entries(ROUTE_TABLE)) {
    if ('public' in rule) continue
    const [method = '', pattern = ''] = key.split(' ')
    const refused = ALL_ROLES.filter((role) => !rule.roles.includes(role))

    it(`${key}: 401 without a token, 403 for ${refused.join(', ') || 'nobody'}, forwarded for ${rule.roles.join(', ')}`, async () => {
      system.auth.calls.length = 0
      system.event.calls.length = 0
      const anonymous = await call(method, concrete(pattern))
      assert.equal(anonymous.status, 401)
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
      for (const role of refused) {
        const response = await call(method, concrete(pattern), system.token([role]))
        assert.equal(response.status, 403, role)
        const problem = (await response.json()) as { code: string; requestId: string }
        assert.equal(problem.code, 'FORBIDDEN')
      }
      assert.equal(upstreamCalls(), 0, 'the upstream saw a refused request')
      for (const role of rule.roles) {
        const response = await call(method, concrete(pattern), system.token([role]))
        assert.ok(response.status < 300, `${role}: ${response.status}`)
      }
      assert.equal(upstreamCalls(), rule.roles.length)
    })
  }

  it('forwards the public routes without a token', async () => {
    system.auth.calls.length = 0
    for (const [key, rule] of Object.entries(ROUTE_TABLE)) {
      if (!('public' in rule)) continue
      const [method = '', path = ''] = key.split(' ')
      const response = await call(method, path)
      assert.equal(response.status, 201, key)
    }
    assert.equal(system.auth.calls.length, 4)
  })

  it('turns away every kind of bad token with 401, before the upstream', async () => {
    system.event.calls.length = 0
    const key = system.auth.keys[0] as SigningKey
    const valid = system.token()
    const [head, body] = valid.split('.')
    const publicKeyHs256 = (() => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid })).toString('base64url')
      const payload = Buffer.from(JSON.stringify(accessClaims(ALL_ROLES))).toString('base64url')
      const signature = createHmac('sha256', key.publicKey).update(`${header}.${payload}`).digest('base64url')
      return `${header}.${payload}.${signature}`
    })()
    const tampered = `${head}.${Buffer.from(JSON.stringify(accessClaims(['ADMIN']))).toString('base64url')}.${valid.split('.')[2]}`
    const cases: Record<string, string> = {
      'alg none': forgeJwt({ alg: 'none', typ: 'JWT', kid: key.kid }, accessClaims(ALL_ROLES)),
      'HS256 signed with the public key': publicKeyHs256,
      tampered,
      'signature of another key': signJwt({ ...newSigningKey(), kid: key.kid }, accessClaims(ALL_ROLES)),
      expired: signJwt(key, accessClaims(ALL_ROLES, { iat: 1_000, exp: 2_000 })),
      'wrong issuer': signJwt(key, accessClaims(ALL_ROLES, { iss: 'someone-else' })),
      'wrong audience': signJwt(key, accessClaims(ALL_ROLES, { aud: 'another-app' })),
      'unknown kid': signJwt(newSigningKey(), accessClaims(ALL_ROLES)),
      'no kid': signJwt(key, accessClaims(ALL_ROLES), { kid: undefined }),
      'a refresh token': signJwt(key, accessClaims(ALL_ROLES, { typ: 'refresh' })),
      garbage: 'not-a-jwt',
      'truncated': `${head}.${body}`
    }
    for (const [name, token] of Object.entries(cases)) {
      const response = await call('GET', '/event-gateway/event', token)
      assert.equal(response.status, 401, name)
      const problem = (await response.json()) as { status: number; detail: string }
      assert.equal(problem.status, 401, name)
      assert.doesNotMatch(problem.detail, /at .*\.js/, name)
    }
    assert.equal(system.event.calls.length, 0)
  })

  it('refetches the JWKS when a token names a key it has not seen (auth rotated its key)', async () => {
    assert.equal((await call('GET', '/event-gateway/event', system.token())).status, 200)
    const fetchesBefore = system.auth.jwksFetches
    const rotated = newSigningKey()
    system.auth.keys.splice(0, system.auth.keys.length, rotated)
    const response = await call('GET', '/event-gateway/event', signJwt(rotated, accessClaims(['USER'])))
    assert.equal(response.status, 200)
    assert.equal(system.auth.jwksFetches, fetchesBefore + 1)
    // Known keys are served from the cache.
    assert.equal((await call('GET', '/event-gateway/event', signJwt(rotated, accessClaims(['USER'])))).status, 200)
    assert.equal(system.auth.jwksFetches, fetchesBefore + 1)
  })

  it("refuses a token below its account's version on auth's revocation feed, before the upstream sees it", async () => {
    const key = system.auth.keys[0] as SigningKey
    const subject = '682c1aaa6fb6c7f00ae8ae99'
    const older = signJwt(key, accessClaims(['USER'], { sub: subject, ver: 1 }))
    const newer = signJwt(key, accessClaims(['USER'], { sub: subject, ver: 2 }))
    assert.equal((await call('GET', '/event-gateway/event', older)).status, 200)
    system.auth.revocations.push({ userId: subject, minVersion: 2 })
    const deadline = Date.now() + 2_000
    let status = 200
    while (status === 200 && Date.now() < deadline) {
      status = (await call('GET', '/event-gateway/event', older)).status
      if (status === 200) await new Promise((resolveWait) => setTimeout(resolveWait, 20))
    }
    const calls = upstreamCalls()
    const refused = await call('GET', '/event-gateway/event', older)
    assert.equal(refused.status, 401)
    assert.equal(((await refused.json()) as { code: string }).code, 'TOKEN_REVOKED')
    assert.equal(upstreamCalls(), calls, 'not forwarded')
    assert.equal((await call('GET', '/event-gateway/event', newer)).status, 200)
    system.auth.revocations.length = 0
  })
})
