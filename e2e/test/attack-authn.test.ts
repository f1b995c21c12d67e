/**
 * OWASP API2 (broken authentication), against the real processes: forged, tampered, expired
 * and misdirected tokens are refused with 401 at the gateway and at each service called
 * directly, reads and writes alike, and nothing changes.
 *
 * The system signs with a key this test knows, so most forgeries here are signed with the
 * real key and differ from a genuine token in exactly one claim or header: each one is
 * refused for that one reason, not because the signature happens to be wrong. A genuine
 * token built the same way is the control that passes.
 */
import { createHmac, createPublicKey, sign } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTestTokenIssuer, forgeJwt } from '@app/devkit/testkit'
import { createSuiteTally } from './suite-tally.js'
import { assertNoSecretsLeaked, assertProblem, assertUnchanged, openWindow, startAttackSystem, type AttackSystem, type Call } from './attack-kit.js'

const tally = createSuiteTally('attack: API2 authentication')

let attack: AttackSystem
let kid = ''
/** An attacker's JWKS server: it must never be asked for anything. */
let jkuHits = 0
let jkuUrl = ''
const jku = createServer((_request, response) => {
  jkuHits += 1
  response.end('{"keys":[]}')
})

before(async () => {
  // No refresh grace window here: a rotated token replayed at once is the attack this suite tries
  // (the window itself is tested at the auth service with an injectable clock).
  attack = await startAttackSystem({ REFRESH_REUSE_GRACE_SECONDS: '0' })
  const jwks = await fetch(`${attack.system.url('auth')}/.well-known/jwks.json`).then((response) => response.json() as Promise<{ keys: Array<{ kid: string }> }>)
  kid = jwks.keys[0]!.kid
  await new Promise<void>((resolve) => jku.listen(0, '127.0.0.1', resolve))
  jkuUrl = `http://127.0.0.1:${(jku.address() as AddressInfo).port}/jwks.json`
})
after(async () => {
  jku.close()
  await attack?.stop()
})

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')

/** A token signed with the system's real key (or `key`), with any header and payload. */
function signed(header: object, payload: object, { key, algorithm = 'RSA-SHA256' }: { key?: string; algorithm?: string } = {}): string {
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid, ...header })}.${encode(payload)}`
  return `${input}.${sign(algorithm, Buffer.from(input), key ?? attack.signingKey.privateKey).toString('base64url')}`
}

/** What the auth service puts in an ADMIN's access token. */
function adminClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = {
    sub: attack.actors.ADMIN.id,
    roles: ['ADMIN'],
    sid: '0123456789abcdef01234567',
    typ: 'access',
    iss: 'event-reward-platform',
    aud: 'event-reward-platform',
    iat: now - 10,
    exp: now + 600,
    ...overrides
  }
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  return claims
}

const hmac = (algorithm: string, secret: string, header: object, payload: object) => {
  const input = `${encode(header)}.${encode(payload)}`
  return `${input}.${createHmac(algorithm, secret).update(input).digest('base64url')}`
}

/** Where each token is tried: reads and writes, through the gateway and at each service. */
function targets(): Array<{ name: string; call: Call; method: string; path: string; body?: unknown; okStatus: number }> {
  const event = { name: 'forged', ...openWindow(), contents: [{ type: 'attendance', count: 1 }] }
  return [
    { name: 'gateway GET /event-gateway/event', call: attack.gateway, method: 'GET', path: '/event-gateway/event', okStatus: 200 },
    { name: 'gateway GET /auth/users/me', call: attack.gateway, method: 'GET', path: '/auth/users/me', okStatus: 200 },
    { name: 'gateway POST /event-gateway/event', call: attack.gateway, method: 'POST', path: '/event-gateway/event', body: event, okStatus: 201 },
    { name: 'gateway PATCH /auth/users/:id/roles', call: attack.gateway, method: 'PATCH', path: `/auth/users/${attack.actors.USER.id}/roles`, body: { roles: ['USER'] }, okStatus: 200 },
    { name: 'auth GET /auth/users/me', call: attack.auth, method: 'GET', path: '/auth/users/me', okStatus: 200 },
    { name: 'auth PATCH /auth/users/:id/roles', call: attack.auth, method: 'PATCH', path: `/auth/users/${attack.actors.USER.id}/roles`, body: { roles: ['USER'] }, okStatus: 200 },
    { name: 'event GET /event', call: attack.event, method: 'GET', path: '/event', okStatus: 200 },
    { name: 'event POST /event', call: attack.event, method: 'POST', path: '/event', body: event, okStatus: 201 }
  ]
}

describe('API2: forged and misused access tokens', () => {
  test('control: a token signed with the real key and the right claims is accepted everywhere', async () => {
    for (const target of targets()) {
      await tally.check(`control token → ${target.name}`, async () => {
        const reply = await target.call(target.method, target.path, { token: signed({}, adminClaims()), ...(target.body ? { body: target.body } : {}) })
        assert.equal(reply.status, target.okStatus, `${target.name}: ${reply.text.slice(0, 200)}`)
      })
    }
  })

  test('every forgery is a 401 at the gateway and at each service, and changes nothing', async () => {
    const now = Math.floor(Date.now() / 1000)
    const userToken = attack.actors.USER.accessToken
    const [userHeader, userPayload, userSignature] = userToken.split('.') as [string, string, string]
    const realPayload = JSON.parse(Buffer.from(userPayload, 'base64url').toString()) as Record<string, unknown>
    const stranger = createTestTokenIssuer()
    const strangerJwk = createPublicKey(stranger.publicKey).export({ format: 'jwk' })
    const publicPem = attack.signingKey.publicKey

    const forgeries: Array<[string, string]> = [
      ['alg none, unsigned', forgeJwt({ alg: 'none', typ: 'JWT', kid }, adminClaims())],
      ['alg None', forgeJwt({ alg: 'None', typ: 'JWT', kid }, adminClaims())],
      ['alg NONE', forgeJwt({ alg: 'NONE', typ: 'JWT', kid }, adminClaims())],
      ['alg none keeping a real signature', `${encode({ alg: 'none', typ: 'JWT', kid })}.${userPayload}.${userSignature}`],
      ['HS256 signed with the RS256 public key (PEM)', hmac('sha256', publicPem, { alg: 'HS256', typ: 'JWT', kid }, adminClaims())],
      ['HS256 signed with the public key, no trailing newline', hmac('sha256', publicPem.trim(), { alg: 'HS256', typ: 'JWT', kid }, adminClaims())],
      ['HS512 signed with the public key', hmac('sha512', publicPem, { alg: 'HS512', typ: 'JWT', kid }, adminClaims())],
      ['tampered payload: USER token promoted to ADMIN', `${userHeader}.${encode({ ...realPayload, roles: ['ADMIN'] })}.${userSignature}`],
      ['tampered payload: USER token with the ADMIN\'s sub', `${userHeader}.${encode({ ...realPayload, sub: attack.actors.ADMIN.id })}.${userSignature}`],
      ['tampered header: USER token re-labelled HS256', `${encode({ alg: 'HS256', typ: 'JWT', kid })}.${userPayload}.${userSignature}`],
      ['signature stripped', `${userHeader}.${userPayload}.`],
      ['signature of another token', `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(adminClaims())}.${userSignature}`],
      ['expired a minute ago', signed({}, adminClaims({ iat: now - 1000, exp: now - 60 }))],
      ['not valid before an hour from now', signed({}, adminClaims({ nbf: now + 3600 }))],
      ['no exp at all', signed({}, adminClaims({ exp: undefined }))],
      ['wrong iss', signed({}, adminClaims({ iss: 'someone-else' }))],
      ['no iss', signed({}, adminClaims({ iss: undefined }))],
      ['wrong aud', signed({}, adminClaims({ aud: 'another-app' }))],
      ['aud list without ours', signed({}, adminClaims({ aud: ['another-app', 'a-third'] }))],
      ['no aud', signed({}, adminClaims({ aud: undefined }))],
      ['typ refresh', signed({}, adminClaims({ typ: 'refresh' }))],
      ['no typ', signed({}, adminClaims({ typ: undefined }))],
      ['roles as a string', signed({}, adminClaims({ roles: 'ADMIN' }))],
      ['no sub', signed({}, adminClaims({ sub: undefined }))],
      ['unknown kid (another key, its own kid)', stranger.accessToken({ sub: attack.actors.ADMIN.id, roles: ['ADMIN'] })],
      ['the real kid, signed with another key', signed({}, adminClaims(), { key: stranger.privateKey })],
      ['no kid', signed({ kid: undefined }, adminClaims())],
      ['embedded jwk of the attacker\'s key', signed({ kid: stranger.kid, jwk: { ...strangerJwk, kid: stranger.kid } }, adminClaims(), { key: stranger.privateKey })],
      ['jku pointing at the attacker\'s key set', signed({ kid: 'attacker-key', jku: jkuUrl }, adminClaims(), { key: stranger.privateKey })],
      ['x5u pointing at the attacker', signed({ kid: 'attacker-key', x5u: jkuUrl }, adminClaims(), { key: stranger.privateKey })],
      ['kid path traversal', signed({ kid: '../../../../../dev/null' }, adminClaims())],
      ['kid injection', signed({ kid: "' OR '1'='1" }, adminClaims())],
      ['RS512 with the real key (algorithm not pinned?)', signed({ alg: 'RS512' }, adminClaims(), { algorithm: 'RSA-SHA512' })],
      ['a refresh token used as an access token', attack.actors.ADMIN.refreshToken],
      ['two parts', `${userHeader}.${userPayload}`],
      ['four parts', `${userToken}.${userSignature}`],
      ['header not JSON', `${Buffer.from('not json').toString('base64url')}.${userPayload}.${userSignature}`],
      ['8 KB of garbage', 'x'.repeat(8 * 1024)]
    ]

    const before = await attack.snapshot()
    for (const [name, token] of forgeries) {
      for (const target of targets()) {
        await tally.check(`${name} → ${target.name}`, async () => {
          const reply = await target.call(target.method, target.path, { token, ...(target.body ? { body: target.body } : {}) })
          assertProblem(reply, 401, `${name} → ${target.name}`)
        })
      }
    }
    await tally.check('forgeries changed nothing', () => assertUnchanged(attack, before, 'API2 forgeries'))
    await tally.check('no key was fetched from a URL a token named', () => assert.equal(jkuHits, 0))
  })

  test('a token that was accepted is refused once it expires, even by a process that verified it before', async () => {
    // Verified tokens may be remembered (to spare RS256 work); an expired one must not be.
    const exp = Math.floor(Date.now() / 1000) + 3
    const token = signed({}, adminClaims({ exp }))
    const reads = targets().filter((target) => target.method === 'GET')
    for (const target of reads) {
      await tally.check(`before expiry → ${target.name}`, async () => {
        assert.equal((await target.call('GET', target.path, { token })).status, 200)
      })
    }
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 + 1_100 - Date.now()))
    for (const target of reads) {
      await tally.check(`after expiry → ${target.name}`, async () => {
        assertProblem(await target.call('GET', target.path, { token }), 401, `expired → ${target.name}`)
      })
    }
  })

  test('malformed Authorization headers are a 401, never a 500', async () => {
    const headers = ['Bearer', 'Bearer ', 'Bearer  ', 'Basic YWRtaW46YWRtaW4=', `Token ${attack.actors.ADMIN.accessToken}`, 'Bearer a.b.c', 'Bearer \u00e9\u00e9']
    for (const value of headers) {
      for (const [name, call, path] of [['gateway', attack.gateway, '/event-gateway/event'], ['event', attack.event, '/event'], ['auth', attack.auth, '/auth/users/me']] as const) {
        await tally.check(`Authorization: ${JSON.stringify(value)} → ${name}`, async () => {
          const reply = await call('GET', path, { headers: { authorization: value } }).catch((error: Error) => ({ status: 0, text: error.message }) as never)
          // A header fetch itself refuses to send (non-Latin-1) is not a server outcome; anything sent is a 401.
          if (reply.status !== 0) assertProblem(reply, 401, `${JSON.stringify(value)} → ${name}`)
        })
      }
    }
  })
})

describe('API2: refresh tokens', () => {
  test('an access token is not a refresh token, in the body or as Bearer; sessions are untouched', async () => {
    const access = attack.actors.USER.accessToken
    const before = await attack.snapshot()
    for (const path of ['/auth/refresh', '/auth/logout']) {
      for (const [name, call] of [['gateway', attack.gateway], ['auth', attack.auth]] as const) {
        await tally.check(`access token as Bearer → ${name} ${path}`, async () => {
          assertProblem(await call('POST', path, { token: access }), 401, `${name} ${path}`, 'INVALID_REFRESH_TOKEN')
        })
        await tally.check(`access token in the body → ${name} ${path}`, async () => {
          assertProblem(await call('POST', path, { body: { refreshToken: access } }), 401, `${name} ${path}`, 'INVALID_REFRESH_TOKEN')
        })
      }
    }
    await tally.check('sessions and tokens unchanged', () => assertUnchanged(attack, before, 'access as refresh'))
  })

  test('a rotated refresh token shown again kills the whole session', async () => {
    const { gateway } = attack
    const first = await attack.login(attack.actors.other.email, attack.actors.other.password)
    const rotated = await gateway('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } })
    assert.equal(rotated.status, 200)
    await tally.check('the rotated-away token is refused', async () => {
      assertProblem(await gateway('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } }), 401, 'reuse', 'INVALID_REFRESH_TOKEN')
    })
    await tally.check('and the token issued in its place died with it', async () => {
      assertProblem(await gateway('POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } }), 401, 'family', 'INVALID_REFRESH_TOKEN')
    })
    await tally.check('a logged-out session cannot be refreshed', async () => {
      const session = await attack.login(attack.actors.other.email, attack.actors.other.password)
      assert.equal((await gateway('POST', '/auth/logout', { body: { refreshToken: session.refreshToken } })).status, 200)
      assertProblem(await gateway('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } }), 401, 'after logout', 'INVALID_REFRESH_TOKEN')
    })
  })
})

test('no reply in this suite carried a password, a password hash or a refresh-token hash', async () => {
  await tally.check('no secrets in any reply', async () => {
    assert.ok((await assertNoSecretsLeaked(attack)) > 100)
  })
})
