import { randomBytes } from 'node:crypto'
import { startTestMongo } from '@app/devkit/testkit'
import { startSystem, type RunningSystem } from '@app/devkit/system'

export const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-e2e' }

/** Generous limits, for suites that make many accounts and requests from one address. */
export const UNTHROTTLED: NodeJS.ProcessEnv = {
  RATE_LIMIT_MAX: '1000000',
  LOGIN_RATE_LIMIT_MAX: '1000000',
  LOGIN_RATE_LIMIT_PER_CLIENT: '1000000',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000',
  SIGNUP_RATE_LIMIT_PER_CLIENT: '1000000'
}

/**
 * The real system — auth, event and gateway as separate processes on free ports — against the
 * embedded database (or MONGO_URL), with databases of its own. `stop()` ends the processes
 * and the database; call it from a top-level `after`.
 */
export interface E2eSystem extends RunningSystem {
  /** The database the services use, for tests that check what was stored. */
  mongoUrl: string
  dbNames: { auth: string; event: string }
  stopAll(): Promise<void>
}

export interface E2eOptions {
  /**
   * A database of the test's own (say, one it stops and restarts) instead of the shared test
   * database; `stopAll()` leaves stopping it to the test.
   */
  database?: { url: string }
  /** Event service instances on the one database, all behind the gateway (default 1; see startSystem). */
  eventInstances?: number
}

export async function startE2eSystem(env: NodeJS.ProcessEnv = {}, options: E2eOptions = {}): Promise<E2eSystem> {
  const mongo = options.database ? { url: options.database.url, stop: async () => {} } : await startTestMongo()
  const suffix = randomBytes(3).toString('hex')
  const dbNames = { auth: `e2e_auth_${suffix}`, event: `e2e_event_${suffix}` }
  const system = await startSystem({
    mongoUrl: mongo.url,
    ports: 'free',
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      AUTH_DB_NAME: dbNames.auth,
      EVENT_DB_NAME: dbNames.event,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SWEEPER_INTERVAL_MS: '500',
      ...env
    },
    stdio: process.env.E2E_LOGS ? 'inherit' : 'ignore',
    ...(options.eventInstances ? { eventInstances: options.eventInstances } : {})
  })
  return {
    ...system,
    mongoUrl: mongo.url,
    dbNames,
    async stopAll() {
      await system.stop()
      await mongo.stop()
    }
  }
}

export interface ApiReply {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

/** A small JSON client for one base URL. */
export function client(baseUrl: string) {
  return async function call(method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}): Promise<ApiReply> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null }
  }
}

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
}
