import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { basename } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { resolveDatabase, type Database } from './database.js'

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
