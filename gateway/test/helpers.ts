import { createPublicKey, createSign, randomUUID } from 'node:crypto'
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { ALL_ROLES, type Role } from '@app/contracts'
import { createAdminServer, createServer } from '@app/platform'
import { generateRsaKeyPair, listenOnFreePort } from '@app/devkit/testkit'
import { gatewayApp } from '../src/app.js'
import type { GatewayOptions, TrustProxy } from '../src/config.js'

export const ISSUER = 'event-reward-platform'
export const AUDIENCE = 'event-reward-platform'
export const BODY_LIMIT = 1024 * 1024

const base64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')

export interface SigningKey {
  kid: string
  privateKey: string
  publicKey: string
}

export function newSigningKey(): SigningKey {
  return { kid: randomUUID(), ...generateRsaKeyPair() }
}

/** An RS256 JWT, signed by hand so tests control every header and claim. */
export function signJwt(key: SigningKey, payload: object, header: object = {}): string {
  const head = base64url({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
  const body = base64url(payload)
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key.privateKey)
  return `${head}.${body}.${signature.toString('base64url')}`
}

export function accessClaims(roles: readonly Role[], overrides: object = {}) {
  const now = Math.floor(Date.now() / 1000)
  return {
    sub: '682c1aaa6fb6c7f00ae8ae33',
    roles,
    sid: randomUUID(),
    typ: 'access',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 300,
    ...overrides
  }
}

export interface RecordedCall {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

export type StubBehaviour =
  | { kind: 'echo' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** Drops the connection without answering, the first `times` requests only. */
  | { kind: 'drop'; times: number }

export interface StubUpstream {
  url: string
  app: FastifyInstance
  /** Requests that reached the catch-all (not /health, the JWKS or the OpenAPI document). */
  calls: RecordedCall[]
  /** Requests whose connection closed before the stub answered them (the gateway gave up). */
  abandoned: number
  behaviour: StubBehaviour
  healthy: boolean
  /** Whether `/api-docs/json` answers (503 otherwise), and how often it was asked. */
  docsAvailable: boolean
  docFetches: number
  stop(): Promise<void>
}

export interface StubOptions {
  openApi: object
  /** Extra routes (the auth stub's JWKS). */
  setup?: (app: FastifyInstance) => void
}

/**
 * A real Fastify server standing in for a service: it echoes what it received (method, URL,
 * headers, raw body) unless told to fail, hang, or drop the connection.
 */
export async function startStub({ openApi, setup }: StubOptions): Promise<StubUpstream> {
  const app = Fastify({ logger: false, bodyLimit: 10 * BODY_LIMIT })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  const stub: StubUpstream = {
    url: '',
    app,
    calls: [],
    abandoned: 0,
    behaviour: { kind: 'echo' },
    healthy: true,
    docsAvailable: true,
    docFetches: 0,
    stop: async () => {
      const closing = app.close()
      app.server.closeAllConnections() // a hanging request would hold close() forever
      await closing
    }
  }
  app.get('/health', async (_request, reply) => (stub.healthy ? { status: 'ok' } : reply.code(503).send({ status: 'down' })))
  app.get('/api-docs/json', async (_request, reply) => {
    stub.docFetches += 1
    return stub.docsAvailable ? openApi : reply.code(503).send({ status: 'down' })
  })
  setup?.(app)
  app.all('/*', async (request, reply) => {
    const call: RecordedCall = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: typeof request.body === 'string' ? request.body : ''
    }
    stub.calls.push(call)
    const behaviour = stub.behaviour
    switch (behaviour.kind) {
      case 'echo':
        return reply.code(request.method === 'POST' ? 201 : 200).send(call)
      case 'status':
        return reply.code(behaviour.status).headers(behaviour.headers ?? {}).send({ status: behaviour.status })
      case 'hang':
        request.raw.socket.once('close', () => {
          stub.abandoned += 1
        })
        return reply.hijack()
      case 'drop':
        if (behaviour.times > 0) {
          behaviour.times -= 1
          request.raw.socket.destroy()
          return reply.hijack()
        }
        return reply.send(call)
    }
  })
  stub.url = await listenOnFreePort(app)
  return stub
}

export interface StubAuth extends StubUpstream {
  /** The keys the JWKS publishes; replace to rotate. */
  keys: SigningKey[]
  jwksFetches: number
  /** What the revocation feed publishes. */
  revocations: Array<{ userId: string; minVersion: number }>
}

export async function startStubAuth(openApi: object = authOpenApi()): Promise<StubAuth> {
  const keys = [newSigningKey()]
  let auth: StubAuth | undefined
  const stub = await startStub({
    openApi,
    setup: (app) => {
      app.get('/internal/revocations', async () => ({ entries: auth?.revocations ?? [], generatedAt: new Date().toISOString() }))
      app.get('/.well-known/jwks.json', async () => {
        if (auth) auth.jwksFetches += 1
        return {
          keys: (auth?.keys ?? keys).map((key) => ({
            ...createPublicKey(key.publicKey).export({ format: 'jwk' }),
            kid: key.kid,
            alg: 'RS256',
            use: 'sig'
          }))
        }
      })
    }
  })
  auth = Object.assign(stub, { keys, jwksFetches: 0, revocations: [] })
  return auth
}

/** A raw TCP server that accepts and at once resets every connection, counting them. */
export async function startConnectionResetter(): Promise<{ url: string; connections: () => number; stop(): Promise<void> }> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server: TcpServer = createTcpServer((socket) => {
    connections += 1
    sockets.add(socket)
    socket.resetAndDestroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    stop: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** A loopback URL where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${address.port}`
}

export interface Gateway {
  url: string
  /** The internal listener: /metrics and /ready. */
  adminUrl: string
  app: FastifyInstance
  stop(): Promise<void>
}

export type GatewayOverrides = Partial<Omit<GatewayOptions, 'breaker' | 'rateLimit' | 'jwt'>> & {
  breaker?: Partial<GatewayOptions['breaker']>
  rateLimit?: Partial<GatewayOptions['rateLimit']>
  jwt?: Partial<GatewayOptions['jwt']>
  /** TRUST_PROXY as the server gets it (see `trustProxyFrom`); default: trust nobody. */
  trustProxy?: TrustProxy
}

/** Each upstream: one origin, or several instances. */
export type UpstreamUrls = Record<'auth' | 'event', string | readonly string[]>

export async function startGateway(
  upstreamUrls: UpstreamUrls,
  overrides: GatewayOverrides = {}
): Promise<Gateway> {
  const upstreams = {
    auth: typeof upstreamUrls.auth === 'string' ? [upstreamUrls.auth] : upstreamUrls.auth,
    event: typeof upstreamUrls.event === 'string' ? [upstreamUrls.event] : upstreamUrls.event
  }
  const app = createServer({ name: 'gateway', logLevel: process.env.LOG_LEVEL ?? 'silent', bodyLimit: BODY_LIMIT, trustProxy: overrides.trustProxy ?? false })
  const options: GatewayOptions = {
    upstreams,
    upstreamTimeoutMs: overrides.upstreamTimeoutMs ?? 2_000,
    apiDocsCacheTtlMs: overrides.apiDocsCacheTtlMs ?? 60_000,
    ...(overrides.consoleDir === undefined ? {} : { consoleDir: overrides.consoleDir }),
    jwt: {
      jwksUrl: `${upstreams.auth[0]}/.well-known/jwks.json`,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksMinRefetchIntervalMs: 0,
      revocationsUrl: `${upstreams.auth[0]}/internal/revocations`,
      revocationPollIntervalMs: 100,
      ...overrides.jwt
    },
    breaker: { errorThresholdPercentage: 50, resetTimeoutMs: 10_000, volumeThreshold: 1_000, ...overrides.breaker },
    rateLimit: { max: 10_000, loginMax: 1_000, windowMs: 60_000, ...overrides.rateLimit }
  }
  await app.register(gatewayApp, options)
  const url = await listenOnFreePort(app)
  const admin = createAdminServer({ service: app, name: 'gateway-admin', logLevel: 'silent', bodyLimit: BODY_LIMIT })
  const adminUrl = await listenOnFreePort(admin)
  return {
    url,
    adminUrl,
    app,
    stop: async () => {
      await admin.close()
      await app.close()
    }
  }
}

/** Both stubs and a gateway in front of them. */
export async function startSystem(overrides: GatewayOverrides = {}) {
  const auth = await startStubAuth()
  const event = await startStub({ openApi: eventOpenApi() })
  const gateway = await startGateway({ auth: auth.url, event: event.url }, overrides)
  const token = (roles: readonly Role[] = ALL_ROLES, claims: object = {}) =>
    signJwt(auth.keys[0] as SigningKey, accessClaims(roles, claims))
  return {
    auth,
    event,
    gateway,
    token,
    async stop() {
      await gateway.stop()
      await Promise.all([auth.stop(), event.stop()])
    }
  }
}

const problemRef = { $ref: '#/components/schemas/ProblemDetails' }
const ProblemDetails = { type: 'object', properties: { status: { type: 'integer' } } }
const operation = (tag: string, summary: string, extra: object = {}) => ({
  tags: [tag],
  summary,
  responses: { 200: { description: 'OK' }, 400: { description: 'Bad', content: { 'application/json': { schema: problemRef } } } },
  ...extra
})

/** What the auth service's document looks like, plus a route the gateway does not forward. */
export function authOpenApi() {
  return {
    openapi: '3.0.3',
    info: { title: 'auth', version: '1.0.0' },
    tags: [{ name: 'users', description: 'Accounts' }, { name: 'sessions' }, { name: 'internal' }],
    components: {
      schemas: {
        ProblemDetails,
        'def-0': { type: 'object', properties: { email: { type: 'string' } } }
      },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
    },
    paths: {
      '/auth/users': {
        post: operation('users', 'Sign up', {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } } }
        })
      },
      '/auth/users/me': { get: operation('users', 'Me', { security: [{ bearerAuth: [] }] }) },
      '/auth/users/{id}/roles': { patch: operation('users', 'Change roles') },
      '/auth/login': { post: operation('sessions', 'Log in') },
      '/auth/refresh': { post: operation('sessions', 'Refresh') },
      '/auth/logout': { post: operation('sessions', 'Log out') },
      '/.well-known/jwks.json': { get: operation('internal', 'JWKS') }
    }
  }
}

/** What the event service's document looks like: its own `def-0`, an internal route, a DELETE the table lacks. */
export function eventOpenApi() {
  return {
    openapi: '3.0.3',
    info: { title: 'event', version: '1.0.0' },
    tags: [{ name: 'events', description: 'Events' }, { name: 'claims' }],
    components: {
      schemas: {
        ProblemDetails,
        'def-0': { type: 'object', properties: { name: { type: 'string' } } }
      },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
    },
    paths: {
      '/event': {
        get: operation('events', 'List events'),
        post: operation('events', 'Create event', {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } } }
        })
      },
      '/event/{eventId}': {
        parameters: [{ name: 'eventId', in: 'path', required: true, schema: { type: 'string' } }],
        get: operation('events', 'Event detail'),
        patch: operation('events', 'Update event'),
        delete: operation('events', 'Delete event (not public)')
      },
      '/user-reward-claims/{id}/approve': { patch: operation('claims', 'Approve') },
      '/internal/sweep': { post: operation('claims', 'Internal') }
    }
  }
}
