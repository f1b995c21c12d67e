import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createVerifier } from 'fast-jwt'
import { EnvError, createJwksClient, loadEnv } from '@app/platform'
import { forgeJwt, generateRsaKeyPair } from '@app/devkit/testkit'
import { AUTH_ROUTES, type AccessTable } from '@app/contracts'
import { AuthEnv, assertConsistentEnv } from '../src/config.js'
import { loadSigningKey } from '../src/signing-key.js'
import {
  AUDIENCE,
  ISSUER,
  assertNoSecretsIn,
  call,
  decodeJwt,
  login,
  seenReplies,
  signJwt,
  signUp,
  signingKey,
  startAuth,
  stopTestDatabase,
  type TestAuth
} from './helpers.js'

let auth: TestAuth
let user: { id: string; email: string; password: string }
let accessToken: string

before(async () => {
  auth = await startAuth()
  user = await signUp(auth.url)
  accessToken = (await login(auth.url, user.email, user.password)).accessToken
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const me = (token: string) => call(auth.url, 'GET', '/auth/users/me', { token })

describe('access tokens: forgeries are a 401', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const claims = () => ({ sub: user.id, roles: ['ADMIN'], sid: '682c1aaa6fb6c7f00ae8ae33', typ: 'access', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600 })
  const header = () => ({ alg: 'RS256', typ: 'JWT', kid: signingKey.kid })

  test('a correctly signed token passes (the baseline the forgeries differ from)', async () => {
    assert.equal((await me(signJwt(header(), claims()))).status, 200)
    assert.equal((await me(accessToken)).status, 200)
  })

  const forgeries: Record<string, () => string> = {
    'alg none': () => forgeJwt({ alg: 'none', typ: 'JWT', kid: signingKey.kid }, claims()),
    'HS256 keyed with the public key PEM': () => {
      const unsigned = forgeJwt({ alg: 'HS256', typ: 'JWT', kid: signingKey.kid }, claims()).slice(0, -1)
      return `${unsigned}.${createHmac('sha256', signingKey.publicKeyPem).update(unsigned).digest('base64url')}`
    },
    'tampered payload (USER made ADMIN)': () => {
      const [head, , signature] = accessToken.split('.')
      const payload = { ...decodeJwt(accessToken).payload, roles: ['ADMIN'] }
      return `${head}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
    },
    expired: () => signJwt(header(), { ...claims(), iat: now() - 1000, exp: now() - 100 }),
    'wrong issuer': () => signJwt(header(), { ...claims(), iss: 'someone-else' }),
    'wrong audience': () => signJwt(header(), { ...claims(), aud: 'another-api' }),
    'unknown kid, signed by another key': () => signJwt({ ...header(), kid: 'attacker-key' }, claims(), generateRsaKeyPair().privateKey),
    'right kid, signed by another key': () => signJwt(header(), claims(), generateRsaKeyPair().privateKey),
    'no kid': () => signJwt({ alg: 'RS256', typ: 'JWT' }, claims()),
    'not typ access': () => signJwt(header(), { ...claims(), typ: 'refresh' }),
    garbage: () => 'definitely.not.ajwt'
  }
  for (const [name, forge] of Object.entries(forgeries)) {
    test(name, async () => {
      const reply = await me(forge())
      assert.equal(reply.status, 401, reply.text)
      assert.equal(reply.body.status, 401)
    })
  }
})

describe('GET /.well-known/jwks.json', () => {
  test('publishes the public key with its RFC 7638 kid', async () => {
    const reply = await call(auth.url, 'GET', '/.well-known/jwks.json')
    assert.equal(reply.status, 200)
    assert.equal(reply.body.keys.length, 1)
    const [key] = reply.body.keys
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'])
    assert.deepEqual({ kty: key.kty, alg: key.alg, use: key.use, kid: key.kid }, { kty: 'RSA', alg: 'RS256', use: 'sig', kid: signingKey.kid })
    assert.equal(decodeJwt(accessToken).header.kid, key.kid)
  })

  test("the platform's JWKS client verifies a real token with it", async () => {
    const jwks = createJwksClient({ url: `${auth.url}/.well-known/jwks.json` })
    const kid = String(decodeJwt(accessToken).header.kid)
    const verify = createVerifier({ key: await jwks.publicKeyFor(kid), algorithms: ['RS256'], allowedIss: ISSUER, allowedAud: AUDIENCE })
    const claims = verify(accessToken)
    assert.equal(claims.sub, user.id)
    await assert.rejects(jwks.publicKeyFor('unknown-kid'), (error: Error & { statusCode?: number }) => error.statusCode === 401)
  })
})

describe('service surface', () => {
  test('/ready (internal listener) checks the database', async () => {
    const reply = await call(auth.adminUrl, 'GET', '/ready')
    assert.equal(reply.status, 200)
    assert.deepEqual(reply.body, { status: 'ready', checks: { mongo: 'ok' } })
  })

  test('/metrics, /ready and the revocation feed are on the internal listener only; /health stays public', async () => {
    for (const path of ['/metrics', '/ready', '/internal/revocations']) {
      const reply = await call(auth.url, 'GET', path)
      assert.equal(reply.status, 404, `public ${path}`)
      assert.equal(reply.body.code, 'ROUTE_NOT_FOUND')
    }
    const metrics = await call(auth.adminUrl, 'GET', '/metrics')
    assert.equal(metrics.status, 200)
    assert.match(metrics.text, /^auth_http_requests_total\{/m)
    assert.equal((await call(auth.adminUrl, 'GET', '/internal/revocations')).status, 200)
    assert.equal((await call(auth.url, 'GET', '/health')).status, 200)
    assert.equal((await call(auth.adminUrl, 'GET', '/health')).status, 404, 'liveness is the public port\'s')
  })

  test('OpenAPI: every route tagged, summarized, with examples; bearerAuth where a token is needed', async () => {
    const document = (await (await fetch(`${auth.url}/api-docs/json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; security?: unknown[]; requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> }; responses: Record<string, unknown> }>>
    }
    const routes = Object.keys(AUTH_ROUTES).map((key) => key.split(' ') as [string, string])
    for (const [method, path] of [...routes, ['GET', '/.well-known/jwks.json'] as [string, string]]) {
      const openApiPath = path.replace(/:(\w+)/g, '{$1}')
      const operation = document.paths[openApiPath]?.[method.toLowerCase()]
      assert.ok(operation, `${method} ${path} is documented`)
      assert.deepEqual(operation.tags, ['auth'])
      assert.ok(operation.summary)
      assert.ok(Object.keys(operation.responses).some((status) => status.startsWith('2')))
      for (const [status, response] of Object.entries(operation.responses)) {
        // Errors are sent as application/problem+json; documented under any other type, no client finds their schema.
        if (Number(status) >= 400) assert.deepEqual(Object.keys((response as { content?: object }).content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`)
      }
      if (operation.requestBody) {
        const media = operation.requestBody.content['application/json']
        assert.ok(media?.example !== undefined || media?.examples !== undefined, `${method} ${path} has a request example`)
      }
      const rule = (AUTH_ROUTES as AccessTable)[`${method} ${path}`]
      if (rule && 'roles' in rule) assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${method} ${path} needs a token`)
    }
    const ui = await fetch(`${auth.url}/api-docs`)
    assert.equal(ui.status, 200)
  })

  test('an unknown route is a problem-details 404', async () => {
    const reply = await call(auth.url, 'GET', '/auth/nothing-here')
    assert.equal(reply.status, 404)
    assert.equal(reply.body.code, 'ROUTE_NOT_FOUND')
  })
})

describe('signing key and environment', () => {
  const { privateKey } = generateRsaKeyPair()

  test('JWT_PRIVATE_KEY as PEM, as base64 of the PEM, or as one line with literal \\n: same key, same kid', () => {
    const fromPem = loadSigningKey(privateKey)
    assert.equal(fromPem.generated, false)
    assert.equal(loadSigningKey(Buffer.from(privateKey).toString('base64')).kid, fromPem.kid)
    assert.equal(loadSigningKey(privateKey.replaceAll('\n', '\\n')).kid, fromPem.kid)
  })

  test('no JWT_PRIVATE_KEY: a generated key, flagged as such', () => {
    const generated = loadSigningKey(undefined)
    assert.equal(generated.generated, true)
    assert.notEqual(generated.kid, loadSigningKey(undefined).kid)
  })

  test('a key that cannot sign RS256 is an EnvError', () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const weakKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    for (const bad of ['not a key', ecKey, weakKey]) assert.throws(() => loadSigningKey(bad), EnvError)
  })

  test('defaults, and ADMIN_EMAIL without ADMIN_PASSWORD refused', () => {
    const env = loadEnv(AuthEnv, {})
    assert.equal(env.AUTH_PORT, 3000)
    assert.equal(env.AUTH_DB_NAME, 'auth')
    assert.equal(env.JWT_ISSUER, 'event-reward-platform')
    assert.equal(env.ACCESS_TOKEN_TTL_SECONDS, 900)
    assert.equal(env.REFRESH_TOKEN_TTL_SECONDS, 14 * 24 * 3600)
    assert.equal(env.LOGIN_MAX_FAILURES_PER_ACCOUNT, 10)
    assertConsistentEnv(env)
    assert.throws(() => assertConsistentEnv(loadEnv(AuthEnv, { ADMIN_EMAIL: 'admin@example.com' })), EnvError)
    assert.throws(() => loadEnv(AuthEnv, { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'short' }), EnvError)
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assertNoSecretsIn(seenReplies)
})
