/**
 * What the fault suites share: accounts and a claimable event made through the gateway, a
 * direct look at the database for what the API cannot show ("exactly once"), a real delivery
 * server that can be made to fail, and latency figures. Real processes and sockets only.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import { inPool } from '@app/platform'
import type { TestTokenIssuer } from '@app/devkit/testkit'
import { ADMIN, UNTHROTTLED, client, type E2eSystem } from './helpers.js'

export type Api = ReturnType<typeof client>

export { UNTHROTTLED }

const DAY_MS = 24 * 60 * 60 * 1000

export async function login(api: Api, email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await api('POST', '/auth/login', { body: { email, password } })
  assert.equal(reply.status, 200, `login ${email}: ${JSON.stringify(reply.body)}`)
  return reply.body
}

export interface Staff {
  admin: string
  operator: string
  service: string
}

/** The bootstrap admin, plus an OPERATOR and a SERVICE account it creates. */
export async function setUpStaff(api: Api): Promise<Staff> {
  const admin = (await login(api, ADMIN.email, ADMIN.password)).accessToken
  const tokens: Record<string, string> = {}
  for (const [name, role] of [['operator', 'OPERATOR'], ['service', 'SERVICE']] as const) {
    const email = `${name}@fault.test`
    const created = await api('POST', '/auth/users', { token: admin, body: { email, password: `${name}-password`, roles: [role] } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    tokens[name] = (await login(api, email, `${name}-password`)).accessToken
  }
  return { admin, operator: tokens.operator!, service: tokens.service! }
}

/** Shared with the services' bulk routes (platform `inPool`). */
export { inPool }

export interface Player {
  id: string
  email: string
  token: string
}

/** `count` players by public sign-up, each logged in (argon2 both times, so a few at a time). */
export async function createPlayers(api: Api, count: number, prefix: string): Promise<Player[]> {
  return inPool(Array.from({ length: count }, (_, i) => i), 6, async (i) => {
    const email = `${prefix}-${i}@fault.test`
    const password = `${prefix}-password-${i}`
    const created = await api('POST', '/auth/users', { body: { email, password } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    return { id: created.body.id as string, email, token: (await login(api, email, password)).accessToken }
  })
}

/**
 * `count` players whose access tokens the test signs with the key the auth service was given
 * (JWT_PRIVATE_KEY = `issuer.privateKey`), exactly as auth signs them. For suites whose fault
 * is elsewhere: a real sign-up and login per player is two argon2 hashes, minutes for hundreds.
 */
export function mintPlayers(issuer: TestTokenIssuer, count: number, prefix: string): Player[] {
  return Array.from({ length: count }, (_, i) => {
    const id = new ObjectId().toHexString()
    return { id, email: `${prefix}-${i}@fault.test`, token: issuer.accessToken({ sub: id, roles: ['USER'] }) }
  })
}

/** An active, auto-approved event (one check-in) and its reward: a claim goes straight to delivery. */
export async function createClaimableEvent(api: Api, operator: string, name: string): Promise<{ eventId: string; rewardId: string }> {
  const event = await api('POST', '/event-gateway/event', {
    token: operator,
    body: {
      name,
      activate: true,
      startedAt: new Date(Date.now() - DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString(),
      requireApproval: false,
      contents: [{ type: 'attendance', count: 1 }]
    }
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await api('POST', '/event-gateway/rewards', {
    token: operator,
    body: { eventId: event.body.id, contents: [{ type: 'item', itemName: 'fault-box', quantity: 1 }] }
  })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))
  return { eventId: event.body.id, rewardId: reward.body.id }
}

/** Each player checks in once, which meets the claimable event's condition. */
export async function checkInAll(api: Api, players: readonly Player[]): Promise<void> {
  await inPool(players, 8, async (player) => {
    const reply = await api('POST', '/event-gateway/user-events/check-in', { token: player.token })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
  })
}

/** Every claim of an event, through the staff list (all pages). */
export async function listClaims(api: Api, staff: string, eventId: string): Promise<Array<{ id: string; userId: string; status: string; delivery: { attempts: number; lastError: string | null } }>> {
  const items = []
  let cursor: string | null = null
  do {
    const query: string = `eventId=${eventId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const page = await api('GET', `/event-gateway/user-reward-claims?${query}`, { token: staff })
    assert.equal(page.status, 200, JSON.stringify(page.body))
    items.push(...page.body.items)
    cursor = page.body.nextCursor
  } while (cursor)
  return items
}

/** The services' databases, read directly: what was stored, and how often. */
export async function openDatabases(system: E2eSystem): Promise<{ event: Db; auth: Db; close(): Promise<void> }> {
  const mongo = await new MongoClient(system.mongoUrl, { serverSelectionTimeoutMS: 5_000 }).connect()
  return { event: mongo.db(system.dbNames.event), auth: mongo.db(system.dbNames.auth), close: () => mongo.close() }
}

/** Values that occur more than once (as strings). */
export function duplicatesOf(values: readonly unknown[]): string[] {
  const seen = new Map<string, number>()
  for (const value of values) seen.set(String(value), (seen.get(String(value)) ?? 0) + 1)
  return [...seen].filter(([, n]) => n > 1).map(([value]) => value)
}

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export const ms = (value: number) => `${Math.round(value)} ms`

export interface TimedReply {
  status: number
  /** Problem-details `code`, when the reply is one. */
  code: string | undefined
  body: string
  /** The Retry-After header, if any. */
  retryAfter: string | null
  startedAt: number
  latencyMs: number
}

/**
 * One request with its latency. A request that gets no answer within `hangMs` is recorded
 * with status 0: the suites count that as a hang.
 */
export async function timedRequest(url: string, { method = 'GET', token, body, hangMs = 10_000 }: { method?: string; token?: string; body?: unknown; hangMs?: number } = {}): Promise<TimedReply> {
  const startedAt = performance.now()
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(hangMs)
    })
    const text = await response.text()
    let code: string | undefined
    try {
      code = (JSON.parse(text) as { code?: string }).code
    } catch {
      code = undefined
    }
    return { status: response.status, code, body: text, retryAfter: response.headers.get('retry-after'), startedAt, latencyMs: performance.now() - startedAt }
  } catch (error) {
    return { status: 0, code: (error as Error).name, body: String(error), retryAfter: null, startedAt, latencyMs: performance.now() - startedAt }
  }
}

/** A 5xx reply must be problem details that give nothing internal away. */
export function assertCleanFailure(reply: TimedReply, context: string): void {
  assert.match(reply.body, /^\{/, `${context}: a JSON body`)
  const problem = JSON.parse(reply.body) as Record<string, unknown>
  assert.equal(problem.status, reply.status, `${context}: problem status`)
  assert.equal(typeof problem.requestId, 'string', `${context}: a request id`)
  assert.doesNotMatch(reply.body, /\bat .+:\d+:\d+|stack|Mongo[A-Za-z]*Error|ECONNREFUSED|node_modules/, `${context}: no internals`)
}

type DeliveryMode = 'ok' | 'fail'

/**
 * The reward-delivery system as a real HTTP server. `fail`: every POST answers 503. `down()`:
 * the listener closes, so connections are refused; `up()` listens again on the same port.
 * It keeps what a delivery system would: per Idempotency-Key, the requests it received and
 * how many of them it granted — a key granted twice would be a duplicated reward.
 */
export interface DeliveryServer {
  url: string
  mode: DeliveryMode
  /** Every POST, in order of arrival. */
  readonly requests: ReadonlyArray<{ key: string; answered: number; at: number }>
  /** Grants per Idempotency-Key (a repeated key after a grant is answered 200 but not granted again). */
  readonly grants: ReadonlyMap<string, number>
  /** Requests per key that arrived after that key had been granted. */
  readonly repeatsAfterGrant: ReadonlyMap<string, number>
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export async function startDeliveryServer(): Promise<DeliveryServer> {
  const requests: Array<{ key: string; answered: number; at: number }> = []
  const grants = new Map<string, number>()
  const repeatsAfterGrant = new Map<string, number>()
  let server: Server
  let port = 0

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const key = String(request.headers['idempotency-key'] ?? '')
      const answer = (status: number, body: object) => {
        requests.push({ key, answered: status, at: Date.now() })
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      if (!key) return answer(400, { error: 'Idempotency-Key required' })
      if (delivery.mode === 'fail') return answer(503, { error: 'delivery system unavailable' })
      if (grants.has(key)) {
        repeatsAfterGrant.set(key, (repeatsAfterGrant.get(key) ?? 0) + 1)
        return answer(200, { status: 'already granted' })
      }
      grants.set(key, 1)
      return answer(200, { status: 'granted', claimId: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { claimId: string }).claimId })
    })
  }

  const listen = () =>
    new Promise<void>((resolveListen, reject) => {
      server = createServer(handle)
      server.keepAliveTimeout = 1_000
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port
        resolveListen()
      })
    })
  const stop = () =>
    new Promise<void>((resolveClose) => {
      server.close(() => resolveClose())
      server.closeAllConnections()
    })

  await listen()
  const delivery: DeliveryServer = {
    url: `http://127.0.0.1:${port}/deliveries`,
    mode: 'ok',
    requests,
    grants,
    repeatsAfterGrant,
    down: stop,
    up: listen,
    close: async () => {
      if (server.listening) await stop()
    }
  }
  return delivery
}
