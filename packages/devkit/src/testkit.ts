import assert from 'node:assert/strict'
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { basename } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { resolveDatabase, unauthorized, type Database } from '@app/platform'

export interface TestMongo {
  url: string
  /** A database name of this test file's own, so files never see each other's data. */
  dbName: string
  kind: string
  stop(): Promise<void>
}

let shared: Promise<Database> | null = null

/**
 * `MONGO_URL` when set, otherwise the embedded server (memory backend) on a free port, shared
 * by the tests of one process. Every call gets a fresh database name.
 */
export async function startTestMongo(label = basename(process.argv[1] ?? 'test')): Promise<TestMongo> {
  shared ??= resolveDatabase(process.env.MONGO_URL, { persistent: false, log: () => {} })
  const database = await shared
  const safeLabel = label.replace(/\.test\.[tj]s$/, '').replace(/[^A-Za-z0-9]/g, '_').slice(0, 30)
  return {
    url: database.url,
    dbName: `t_${safeLabel}_${randomBytes(4).toString('hex')}`,
    kind: database.kind,
    stop: async () => {
      const current = shared
      shared = null
      await (await current)?.stop()
    }
  }
}

/** A fresh RSA key pair as PEM strings, as the auth service would load from env. */
export function generateRsaKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}

/** Listens on an ephemeral loopback port and returns the base URL. */
export async function listenOnFreePort(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return `http://127.0.0.1:${address.port}`
}

/** Forges a JWT by hand (for attack tests): any header, any payload, any signature bytes. */
export function forgeJwt(header: object, payload: object, signature = ''): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')
  return `${encode(header)}.${encode(payload)}.${signature}`
}

export interface TestTokenIssuer {
  kid: string
  publicKey: string
  privateKey: string
  issuer: string
  audience: string
  /** The JWKS document a real auth service would serve for this key. */
  jwks(): { keys: object[] }
  /** A signed RS256 access token; `overrides` may change or break any claim or header field. */
  accessToken(claims: { sub: string; roles: string[]; sid?: string; tags?: string[] }, overrides?: { payload?: object; header?: object; expiresInSeconds?: number }): string
  /** `publicKeyFor` for the authenticate plugin, without any HTTP. */
  publicKeyFor(kid: string | undefined): Promise<string>
}

/** Mints real RS256 tokens with a fresh key, exactly as the auth service shapes them. */
export function createTestTokenIssuer({
  issuer = 'event-reward-platform',
  audience = 'event-reward-platform'
}: { issuer?: string; audience?: string } = {}): TestTokenIssuer {
  const { privateKey, publicKey } = generateRsaKeyPair()
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' })
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url')
  return {
    kid,
    publicKey,
    privateKey,
    issuer,
    audience,
    jwks: () => ({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }),
    accessToken({ sub, roles, sid = 'test-session', tags = [] }, { payload = {}, header = {}, expiresInSeconds = 900 } = {}) {
      const now = Math.floor(Date.now() / 1000)
      const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')
      const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid, ...header })}.${encode({
        sub, roles, sid, tags, typ: 'access', iss: issuer, aud: audience, iat: now, exp: now + expiresInSeconds, ...payload
      })}`
      return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), privateKey).toString('base64url')}`
    },
    async publicKeyFor(requestedKid) {
      if (requestedKid !== kid) throw unauthorized('Token signed with an unknown key', 'UNKNOWN_KID')
      return publicKey
    }
  }
}

/** A response body as loosely-typed JSON, for assertions in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonOf = async (response: Response): Promise<any> => response.json()

/** A clock that runs at real speed and can be moved forward (or back): hours of budget pass in a call. */
export interface TestClock {
  (): Date
  advance(ms: number): void
}
export function adjustableClock(start = Date.now()): TestClock {
  let offset = start - Date.now()
  const clock = (() => new Date(Date.now() + offset)) as TestClock
  clock.advance = (ms) => {
    offset += ms
  }
  return clock
}
export * from './spec-role-matrix.js'

interface JsonReply {
  status: number
  body: any
}
/**
 * The eligibility dry run (`GET /rewards/:id/eligibility?userId=`) asked just before a claim
 * must predict it: claimable ↔ 201; otherwise the claim's refusal is the dry run's first reason
 * (the same claimId, the same unmet conditions); a missing bundle is the same 404 for both.
 */
export function assertDryRunPredicts(dryRun: JsonReply, claim: JsonReply, label = ''): void {
  const what = `${label} dry run ${dryRun.status} ${JSON.stringify(dryRun.body)} vs claim ${claim.status} ${JSON.stringify(claim.body)}`
  if (dryRun.status === 404) {
    assert.equal(claim.status, 404, what)
    assert.equal(claim.body.code, dryRun.body.code, what)
    return
  }
  assert.equal(dryRun.status, 200, what)
  if (dryRun.body.claimable) {
    assert.deepEqual(dryRun.body.reasons, [], what)
    assert.equal(claim.status, 201, what)
    return
  }
  const [first] = dryRun.body.reasons as Array<{ code: string; claimId?: string; unmet?: Array<{ name: string }> }>
  if (first?.code === 'NOT_VISIBLE') {
    // Outside the audience the claim answers as if the bundle did not exist.
    assert.equal(claim.status, 404, what)
    return
  }
  assert.equal(claim.status, 409, what)
  assert.equal(claim.body.code, first?.code, what)
  if (first?.claimId !== undefined) assert.equal(claim.body.claimId, first.claimId, what)
  if (first?.unmet) assert.deepEqual(claim.body.unmet.map((condition: { name: string }) => condition.name), first.unmet.map((condition) => condition.name), what)
}
