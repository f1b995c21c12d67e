import { createPrivateKey, sign } from 'node:crypto'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import Fastify from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createAdminServer, createServer, serverOptions } from '@app/platform'
import { generateRsaKeyPair, listenOnFreePort, startTestMongo, type TestMongo } from '@app/devkit/testkit'
import type { TokenPair } from '@app/contracts'
import { authApp, type AuthAppOptions } from '../src/app.js'
import { internalRoutes } from '../src/routes/internal.js'
import { loadSigningKey, type SigningKey } from '../src/signing-key.js'

export const ISSUER = 'test-issuer'
export const AUDIENCE = 'test-audience'
export const BODY_LIMIT = 4096
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' }

/** One key per test file: RSA generation is the slow part. */
export const signingKey: SigningKey = loadSigningKey(generateRsaKeyPair().privateKey)

let database: TestMongo | undefined

/** Stops the shared embedded database; each test file calls it once, in a top-level `after`. */
export async function stopTestDatabase(): Promise<void> {
  await database?.stop()
}

export interface TestAuth {
  url: string
  /** The internal listener: /metrics, /ready and the revocation feed. */
  adminUrl: string
  app: FastifyInstance
  dbName: string
  close(): Promise<void>
}

export interface TestAuthOptions extends Partial<AuthAppOptions> {
  trustProxy?: string
  /** Default BODY_LIMIT (small, for the 413 tests); bulk requests need the real 1 MB. */
  bodyLimit?: number
  /** Where the service logs (at warn), for tests of what it says; default: silent. */
  logStream?: { write(line: string): void }
}

/** A real auth service on an ephemeral port, on a fresh database unless `dbName` says otherwise. */
export async function startAuth({ trustProxy, logStream, bodyLimit = BODY_LIMIT, ...overrides }: TestAuthOptions = {}): Promise<TestAuth> {
  database = await startTestMongo()
  const options: AuthAppOptions = {
    mongoUrl: database.url,
    dbName: database.dbName,
    signingKey,
    issuer: ISSUER,
    audience: AUDIENCE,
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 3600,
    refreshReuseGraceSeconds: 10,
    // Generous by default so only the throttling tests are throttled.
    loginThrottle: { maxFailuresPerAccount: 1000, maxAttemptsPerClient: 1000, windowSeconds: 60 },
    signupLimit: { max: 10_000, windowSeconds: 60 },
    passwordHashQueueMax: 10_000,
    revocationPollIntervalMs: 100,
    bootstrapAdmin: ADMIN,
    ...overrides
  }
  const app = logStream
    ? Fastify({ ...serverOptions({ name: 'auth-test', logLevel: 'warn', bodyLimit, trustProxy }), logger: { level: 'warn', stream: logStream } }).withTypeProvider<TypeBoxTypeProvider>()
    : createServer({ name: 'auth-test', logLevel: 'silent', bodyLimit, trustProxy })
  await app.register(authApp, options)
  const url = await listenOnFreePort(app)
  const admin = createAdminServer({ service: app, name: 'auth-admin', logLevel: 'silent', bodyLimit })
  await admin.register(internalRoutes, { service: app })
  const adminUrl = await listenOnFreePort(admin)
  return {
    url,
    adminUrl,
    app,
    dbName: options.dbName,
    close: async () => {
      await admin.close()
      await app.close()
    }
  }
}

export interface Reply {
  status: number
  headers: Headers
  text: string
  body: any
}

/** Every reply body this process has seen, to prove that none carries a secret. */
export const seenReplies: string[] = []

export async function call(
  base: string,
  method: string,
  path: string,
  { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {}
): Promise<Reply> {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  const text = await response.text()
  seenReplies.push(text)
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, text, body: parsed }
}

let emailCounter = 0
export const uniqueEmail = (label = 'player') => `${label}${++emailCounter}-${process.pid}@example.com`

export async function signUp(base: string, email = uniqueEmail(), password = 'password-123', token?: string) {
  const reply = await call(base, 'POST', '/auth/users', { body: { email, password }, ...(token ? { token } : {}) })
  assert.equal(reply.status, 201, reply.text)
  return { email, password, id: reply.body.id as string }
}

export async function login(base: string, email: string, password: string): Promise<TokenPair> {
  const reply = await call(base, 'POST', '/auth/login', { body: { email, password } })
  assert.equal(reply.status, 200, reply.text)
  return reply.body as TokenPair
}

export const loginAsAdmin = (base: string) => login(base, ADMIN.email, ADMIN.password)

/** A correctly RS256-signed JWT with whatever header and claims a test wants. */
export function signJwt(header: object, payload: object, privateKeyPem = signingKey.privateKeyPem): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')
  const signingInput = `${encode(header)}.${encode(payload)}`
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), createPrivateKey(privateKeyPem)).toString('base64url')}`
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString())
  }
}

const SECRET_KEYS = new Set(['password', 'passwordHash', 'hash', 'tokenHash'])

/** No reply of this process, success or error, has a secret-bearing field or an argon2 hash. */
export function assertNoSecretsIn(replies: readonly string[]): void {
  const keysOf = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.flatMap(keysOf)
      : value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)])
        : []
  for (const text of replies) {
    assert.doesNotMatch(text, /\$argon2/, 'a reply contains a password hash')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      continue // HTML of the Swagger UI, metrics text
    }
    const leaked = keysOf(parsed).filter((key) => SECRET_KEYS.has(key))
    assert.deepEqual(leaked, [], `reply carries ${leaked.join(', ')}: ${text.slice(0, 200)}`)
  }
}
