import assert from 'node:assert/strict'
import { createSign, randomUUID } from 'node:crypto'
import { after } from 'node:test'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import type { Role } from '@app/contracts'
import { createAdminServer, createServer, type AuthenticateOptions, type RevocationEntry } from '@app/platform'
import { generateRsaKeyPair, listenOnFreePort, startTestMongo, type TestMongo } from '@app/devkit/testkit'
import { eventApp } from '../src/app.js'
import type { AccountTagsLookup } from '../src/claims/dry-run.js'
import { loadEventConfig } from '../src/config.js'
import type { IngestFailurePoints } from '../src/progress/ingest.js'
import { SEED_EVENT } from '../src/schemas/events.js'

export const ISSUER = 'event-reward-platform'
export const AUDIENCE = 'event-reward-platform'
export const KID = 'test-key'
export const signingKeys = generateRsaKeyPair()

const base64url = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')

/** An RS256 JWT, signed the way the auth service signs (any claim or header may be overridden). */
export function signJwt(
  payload: Record<string, unknown>,
  { privateKey = signingKeys.privateKey, header = {} }: { privateKey?: string; header?: Record<string, unknown> } = {}
): string {
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid: KID, ...header })}.${base64url(payload)}`
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url')}`
}

export function accessClaims(sub: string, roles: Role[]): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { sub, roles, sid: randomUUID(), typ: 'access', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 900 }
}

export interface Actor {
  id: string
  token: string
}
/** A caller with a fresh user id and a valid access token carrying `roles`. */
export function actor(...roles: Role[]): Actor {
  const id = new ObjectId().toHexString()
  return { id, token: signJwt(accessClaims(id, roles)) }
}

/** A player whose access token carries these audience tags (as auth issues them since tags exist). */
export function taggedPlayer(...tags: string[]): Actor {
  const id = new ObjectId().toHexString()
  return { id, token: signJwt({ ...accessClaims(id, ['USER']), tags }) }
}

/** A clock that reads `start` now and then runs at real speed. */
export function clockStartingAt(start: string): () => Date {
  const offset = Date.parse(start) - Date.now()
  return () => new Date(Date.now() + offset)
}
export { adjustableClock, type TestClock } from '@app/devkit/testkit'

let mongo: TestMongo | undefined
/** For a top-level `after` in every test file. */
export const stopTestMongo = async () => mongo?.stop()

export interface Reply {
  status: number
  headers: Headers
  /** Parsed JSON (else the text); `any` because tests probe whatever the service answered. */
  body: any
}

export interface TestService {
  url: string
  /** The internal listener: /metrics and /ready. */
  adminUrl: string
  /** The service's own database, for setting up situations (a crashed worker's lease) and checking results. */
  db: Db
  /** With `recordCommands`: every database command started so far (clear it with `.length = 0`). */
  commands: CommandRecord[]
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>
  close(): Promise<void>
}

export interface StartOptions {
  env?: Record<string, string>
  clock?: () => Date
  publicKeyFor?: AuthenticateOptions['publicKeyFor']
  /** Share another instance's database (two instances of the service). */
  dbName?: string
  /** Where ingestion fails as a crash would. */
  failurePoints?: IngestFailurePoints
  /** Token revocations as auth would publish them; default: none. */
  loadRevocations?: () => Promise<RevocationEntry[]>
  /** Accounts' current tags as auth would answer them (the dry run's audience); default: every account untagged. */
  accountTagsOf?: AccountTagsLookup
  /** Record every database command the service starts, with the request it started in (see `TestService.commands`). */
  recordCommands?: boolean
}

/** A database command the service started, and the request in whose path it was (null: none in flight). */
export interface CommandRecord {
  name: string
  collection: string
  /** `METHOD /url` of the request between whose `onRequest` and `onSend` it started: its path, up to the reply. */
  request: string | null
}

/** The event service on a real port over a fresh database, as `npm start` would run it. */
export async function startService({ env = {}, clock, publicKeyFor, dbName, failurePoints, loadRevocations, accountTagsOf, recordCommands = false }: StartOptions = {}): Promise<TestService> {
  mongo = await startTestMongo()
  const config = loadEventConfig({ EVENT_DB_NAME: dbName ?? mongo.dbName, LOG_LEVEL: 'silent', ...env })
  const app = createServer({ name: 'event', logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT })
  const commands: CommandRecord[] = []
  // Attribution by time window: exact while a test sends one request at a time.
  let inFlight: string | null = null
  if (recordCommands) {
    app.addHook('onRequest', async (request) => {
      inFlight = `${request.method} ${request.url}`
    })
    app.addHook('onSend', async () => {
      inFlight = null
    })
  }
  await app.register(eventApp, {
    monitorCommands: recordCommands,
    config,
    mongoUrl: mongo.url,
    publicKeyFor: publicKeyFor ?? (async (kid) => (kid === KID ? signingKeys.publicKey : Promise.reject(new Error('unknown kid')))),
    ...(clock ? { clock } : {}),
    ...(failurePoints ? { failurePoints } : {}),
    loadRevocations: loadRevocations ?? (async () => []),
    accountTagsOf: accountTagsOf ?? (async () => [])
  })
  if (recordCommands) {
    app.mongo.client.on('commandStarted', (event) => {
      commands.push({ name: event.commandName, collection: String(event.command[event.commandName]), request: inFlight })
    })
  }
  const url = await listenOnFreePort(app)
  const admin = createAdminServer({ service: app, name: 'event-admin', logLevel: 'silent', bodyLimit: config.BODY_LIMIT })
  const adminUrl = await listenOnFreePort(admin)
  const client = await new MongoClient(mongo.url).connect()

  return {
    url,
    adminUrl,
    db: client.db(config.EVENT_DB_NAME),
    commands,
    async call(method, path, { token, body, headers = {} } = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
      })
      const text = await response.text()
      const json = text && response.headers.get('content-type')?.includes('json')
      return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text }
    },
    async close() {
      await admin.close()
      await app.close()
      await client.close()
    }
  }
}

/** The seed's event body with its window moved to contain `now` (the seed's dates are in the past). */
export function eventBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now()
  return {
    ...SEED_EVENT,
    startedAt: new Date(now - 24 * 3600_000).toISOString(),
    endedAt: new Date(now + 7 * 24 * 3600_000).toISOString(),
    ...overrides
  }
}

/** A stored progress report not applied yet (`appliedAt`: false for reports of this version, null for older ones). */
export const NOT_APPLIED = { appliedAt: { $in: [null, false] } }

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result) return result
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** `startService` for one test file: every service it starts is closed after the file. */
export function serviceStarter(): (options?: StartOptions) => Promise<TestService> {
  const services: TestService[] = []
  after(async () => Promise.all(services.map((service) => service.close())))
  return async (options = {}) => {
    const service = await startService(options)
    services.push(service)
    return service
  }
}

/** Creates a live event with these conditions as `by` (staff); returns its id. */
export async function createEventWith(service: TestService, by: Actor, contents: unknown[]): Promise<string> {
  const reply = await service.call('POST', '/event', { token: by.token, body: eventBody({ contents }) })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.id
}
