import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ALL_ROLES } from '@app/contracts'
import { CALLERS, SPEC_ROLE_MATRIX, forgeJwt, specAllows } from '@app/devkit/testkit'
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

  // The SPEC's matrix, written by hand (devkit test kit): every route × every caller. A refused
  // caller gets 401/403 from the gateway and the upstream never sees it; an allowed one is forwarded.
  for (const route of Object.keys(SPEC_ROLE_MATRIX)) {
    const [method = '', pattern = ''] = route.split(' ')
    it(`${route}: forwarded for the SPEC's callers, refused before the upstream for everyone else`, async () => {
      for (const caller of CALLERS) {
        const before = upstreamCalls()
        const response = await call(method, concrete(pattern), caller === 'anonymous' ? undefined : system.token([caller]))
        const label = `${caller} ${route}: ${response.status}`
        if (specAllows(route, caller)) {
          assert.ok(response.status < 300, label)
          assert.equal(upstreamCalls(), before + 1, `${label}: forwarded once`)
          continue
        }
        if (caller === 'anonymous') {
          assert.equal(response.status, 401, label)
          assert.equal(response.headers.get('www-authenticate'), 'Bearer')
        } else {
          assert.equal(response.status, 403, label)
          assert.equal(((await response.json()) as { code: string }).code, 'FORBIDDEN')
        }
        assert.equal(upstreamCalls(), before, `${label}: the upstream saw a refused request`)
      }
    })
  }

  it('the matrix covers every route the gateway forwards', () => {
    assert.deepEqual(Object.keys(SPEC_ROLE_MATRIX).sort(), Object.keys(ROUTE_TABLE).sort())
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
      'tags that are no list': signJwt(key, accessClaims(ALL_ROLES, { tags: 'vip' })),
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
