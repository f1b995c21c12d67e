/**
 * What the attack suites share: the real system with a signing key the test knows (so it can
 * forge tokens that differ from a genuine one in exactly one claim), one account per role,
 * a raw HTTP client that remembers every reply (to prove no reply ever carried a secret), and
 * a snapshot of both databases (to prove a refused request changed nothing).
 */
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { MongoClient, BSON, type Db } from 'mongodb'
import { generateRsaKeyPair } from '@app/devkit/testkit'
import { ADMIN, UNTHROTTLED, startE2eSystem, type E2eSystem } from './helpers.js'

export const ROLES = ['USER', 'OPERATOR', 'AUDITOR', 'ADMIN', 'SERVICE', 'DELIVERY'] as const
export type RoleName = (typeof ROLES)[number]
export type Caller = RoleName | 'anonymous'
export const CALLERS: readonly Caller[] = [...ROLES, 'anonymous']

export { UNTHROTTLED }

export const DAY_MS = 24 * 60 * 60 * 1000
export const openWindow = () => ({
  startedAt: new Date(Date.now() - DAY_MS).toISOString(),
  endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString()
})
/** A well-formed ObjectId that names nothing. */
export const NO_SUCH_ID = '0123456789abcdef01234567'

export interface Reply {
  status: number
  headers: Headers
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

export interface RequestOptions {
  token?: string
  /** Serialised as JSON. */
  body?: unknown
  /** Sent as it is (malformed JSON, oversized payloads). */
  raw?: string | Uint8Array
  contentType?: string
  headers?: Record<string, string>
}

export type Call = (method: string, path: string, options?: RequestOptions) => Promise<Reply>

/** Every reply any client of this process received, for the "no secret ever left" check. */
const seenReplies: Array<{ label: string; text: string }> = []

export function httpClient(baseUrl: string): Call {
  return async (method, path, { token, body, raw, contentType, headers = {} } = {}) => {
    const payload = raw ?? (body !== undefined ? JSON.stringify(body) : undefined)
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(payload !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}),
        ...headers
      },
      ...(payload !== undefined ? { body: payload } : {})
    })
    const text = await response.text()
    seenReplies.push({ label: `${method} ${baseUrl}${path} → ${response.status}`, text })
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = text
    }
    return { status: response.status, headers: response.headers, text, body: parsed }
  }
}

/**
 * A request whose path is sent byte for byte: fetch() resolves `..` and `%2e%2e` before sending,
 * which would hide exactly the traversal attempts a gateway must withstand.
 */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method, path, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        seenReplies.push({ label: `${method} ${baseUrl}${path} → ${response.statusCode}`, text })
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // not JSON: kept as text
        }
        const replyHeaders = new Headers()
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') replyHeaders.set(name, value)
        resolve({ status: response.statusCode ?? 0, headers: replyHeaders, text, body })
      })
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

export interface Actor {
  role: RoleName
  id: string
  email: string
  password: string
  accessToken: string
  refreshToken: string
}

export interface AttackSystem {
  system: E2eSystem
  /** The public entry. */
  gateway: Call
  /** The services called directly, bypassing the gateway. */
  auth: Call
  event: Call
  /** The auth service's signing key, so tests can sign tokens with exactly one claim wrong. */
  signingKey: { privateKey: string; publicKey: string }
  db: { auth: Db; event: Db }
  /** One account per role, plus a second USER (`other`) whose objects the first one attacks. */
  actors: Record<RoleName, Actor> & { other: Actor }
  token(caller: Caller): string | undefined
  login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }>
  /** Every document of both databases, as canonical extended JSON. */
  snapshot(): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

export async function startAttackSystem(env: NodeJS.ProcessEnv = {}): Promise<AttackSystem> {
  const signingKey = generateRsaKeyPair()
  const system = await startE2eSystem({ ...UNTHROTTLED, JWT_PRIVATE_KEY: signingKey.privateKey, ...env })
  const mongo = await new MongoClient(system.mongoUrl, { serverSelectionTimeoutMS: 5_000 }).connect()
  const db = { auth: mongo.db(system.dbNames.auth), event: mongo.db(system.dbNames.event) }
  const gateway = httpClient(system.url('gateway'))

  async function login(email: string, password: string) {
    const reply = await gateway('POST', '/auth/login', { body: { email, password } })
    assert.equal(reply.status, 200, `login ${email}: ${reply.text}`)
    return reply.body as { accessToken: string; refreshToken: string }
  }

  const admin = await login(ADMIN.email, ADMIN.password)
  const adminMe = await gateway('GET', '/auth/users/me', { token: admin.accessToken })
  const actors = {
    ADMIN: { role: 'ADMIN', id: adminMe.body.id, email: ADMIN.email, password: ADMIN.password, ...admin }
  } as AttackSystem['actors']
  const accounts: Array<[keyof AttackSystem['actors'], RoleName]> = [
    ['USER', 'USER'], ['other', 'USER'], ['OPERATOR', 'OPERATOR'], ['AUDITOR', 'AUDITOR'], ['SERVICE', 'SERVICE'], ['DELIVERY', 'DELIVERY']
  ]
  await Promise.all(accounts.map(async ([name, role]) => {
    const email = `${name.toLowerCase()}@attack.test`
    const password = `${name.toLowerCase()}-attack-password`
    const created = await gateway('POST', '/auth/users', { token: admin.accessToken, body: { email, password, roles: [role] } })
    assert.equal(created.status, 201, created.text)
    actors[name] = { role, id: created.body.id, email, password, ...(await login(email, password)) }
  }))

  return {
    system,
    gateway,
    auth: httpClient(system.url('auth')),
    event: httpClient(system.url('event')),
    signingKey,
    db,
    actors,
    token: (caller) => (caller === 'anonymous' ? undefined : actors[caller].accessToken),
    login,
    async snapshot() {
      const state: Record<string, unknown> = {}
      for (const [name, database] of Object.entries(db)) {
        for (const { name: collection } of await database.listCollections().toArray()) {
          const docs = await database.collection(collection).find().sort({ _id: 1 }).toArray()
          state[`${name}.${collection}`] = JSON.parse(BSON.EJSON.stringify(docs, { relaxed: false }))
        }
      }
      return state
    },
    async stop() {
      await mongo.close()
      await system.stopAll()
    }
  }
}

/** Asserts that nothing in either database differs from `before`. */
export async function assertUnchanged(attack: AttackSystem, before: Record<string, unknown>, context: string): Promise<void> {
  const after = await attack.snapshot()
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    assert.deepEqual(after[key], before[key], `${context}: ${key} changed`)
  }
}

/** An error reply in the system's shape: problem details with this status and a request id. */
export function assertProblem(reply: Reply, status: number, context: string, code?: string): void {
  assert.equal(reply.status, status, `${context}: expected ${status}, got ${reply.status} ${reply.text.slice(0, 300)}`)
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/, `${context}: problem+json`)
  assert.equal(reply.body?.status, status, `${context}: body.status`)
  assert.equal(typeof reply.body?.requestId, 'string', `${context}: a request id`)
  if (code !== undefined) assert.equal(reply.body.code, code, `${context}: code`)
}

/** Keys no reply may ever contain, at any depth. */
const SECRET_KEYS = /^(password|passwordHash|tokenHash|hash|salt)$/i

function secretKeysIn(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => secretKeysIn(item, `${path}[${i}]`))
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, item]) => [
    ...(SECRET_KEYS.test(key) ? [`${path}.${key}`] : []),
    ...secretKeysIn(item, `${path}.${key}`)
  ])
}

/**
 * No reply this process received carried a password, a password hash or a stored refresh-token
 * hash — checked against the values really stored, not just field names. Returns how many
 * replies were checked.
 */
export async function assertNoSecretsLeaked(attack: AttackSystem): Promise<number> {
  const users = await attack.db.auth.collection('users').find().toArray()
  const tokens = await attack.db.auth.collection('refresh_tokens').find().toArray()
  const secrets = [
    ...users.map((user) => String(user.passwordHash)),
    ...tokens.map((token) => String(token.tokenHash)),
    ...Object.values(attack.actors).map((actor) => actor.password),
    '$argon2'
  ]
  assert.ok(users.length > 0 && tokens.length > 0, 'the check must have stored secrets to look for')
  for (const { label, text } of seenReplies) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${label} carried a secret`)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      continue
    }
    assert.deepEqual(secretKeysIn(parsed), [], `${label} carried a secret field`)
  }
  return seenReplies.length
}
