/**
 * The system the benchmarks load: the built services (`dist/`, what the container runs) on
 * free ports, against MONGO_URL or the embedded server, plus the accounts every scenario uses.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { MongoClient } from 'mongodb'
import { resolveDatabase, type Database } from '@app/platform'
import { startSystem, type RunningSystem, type ServiceName } from '@app/devkit/system'
import { generateRsaKeyPair } from '@app/devkit/testkit'

export const BENCH_DB = { auth: 'bench_auth', event: 'bench_event' }
const ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password' }

export interface MachineInfo {
  cpus: number
  cpuModel: string
  memoryGiB: number
  node: string
  platform: string
  database: string
  databaseVersion: string
}

export interface SystemUnderTest {
  system: RunningSystem
  database: Database
  mongo: MongoClient
  machine: MachineInfo
  gateway: string
  direct: { auth: string; event: string }
  tokens: { admin: string; operator: string; service: string; player: string }
  stop(): Promise<void>
}

/**
 * The gateway and auth limit requests per client IP; all benchmark traffic comes from one
 * address, so those limits are raised out of the way (their checks still run on every request).
 */
const BENCH_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  AUTH_DB_NAME: BENCH_DB.auth,
  EVENT_DB_NAME: BENCH_DB.event,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  RATE_LIMIT_MAX: '100000000',
  LOGIN_RATE_LIMIT_MAX: '100000000',
  LOGIN_RATE_LIMIT_PER_CLIENT: '100000000',
  SIGNUP_RATE_LIMIT_PER_CLIENT: '100000000',
  // Per (account, address), and an attempt counts from before its password is checked: the
  // sessions scenario logs one account in over 10 connections from one address, which at the
  // default (10) is refused whenever all ten are in flight at once.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000000',
  ACCESS_TOKEN_TTL_SECONDS: '3600'
}

/** The embedded server's JVM heap for bench runs (EMBEDDED_MONGO_HEAP overrides it). */
const BENCH_EMBEDDED_MONGO_HEAP = '1g'

export async function startSystemUnderTest(
  { nodeArgs = {}, env = {}, log }: { nodeArgs?: Partial<Record<ServiceName, string[]>>; env?: NodeJS.ProcessEnv; log: (line: string) => void }
): Promise<SystemUnderTest> {
  // The embedded server keeps every document on its JVM heap: at the default 256 MB it spent the
  // later scenarios collecting garbage (batch ingestion 968 → 3,433 reports/s with 1 GB, same
  // build, same scenarios). A real server's cache is not what this bench measures.
  process.env.EMBEDDED_MONGO_HEAP ??= BENCH_EMBEDDED_MONGO_HEAP
  const database = await resolveDatabase(process.env.MONGO_URL, { persistent: false, log })
  const mongo = await new MongoClient(database.url).connect()
  // A clean slate each run, so counts after a scenario are that scenario's alone.
  await mongo.db(BENCH_DB.auth).dropDatabase()
  await mongo.db(BENCH_DB.event).dropDatabase()
  const buildInfo = await mongo.db('admin').command({ buildInfo: 1 }).catch(() => ({ version: 'unknown' }))

  let system: RunningSystem
  try {
    // Production mode signs only with a configured key (auth refuses to start without one).
    const signingKey = { JWT_PRIVATE_KEY: generateRsaKeyPair().privateKey }
    system = await startSystem({ mongoUrl: database.url, ports: 'free', runtime: 'built', env: { ...BENCH_ENV, ...signingKey, ...env }, nodeArgs, onLog: log })
  } catch (error) {
    await mongo.close()
    await database.stop()
    throw error
  }
  const gateway = system.url('gateway')
  const admin = await login(gateway, ADMIN.email, ADMIN.password)
  const staff = async (name: string, role: string) => {
    const email = `${name}@bench.test`
    await createAccount(gateway, email, `${name}-bench-password`, admin, [role])
    return login(gateway, email, `${name}-bench-password`)
  }
  const tokens = {
    admin,
    operator: await staff('operator', 'OPERATOR'),
    service: await staff('service', 'SERVICE'),
    player: (await createUsers(gateway, 1, 'reader'))[0]!.token
  }
  return {
    system,
    database,
    mongo,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      database: database.kind.startsWith('mongo-java-server') ? `${database.kind}, JVM heap ${process.env.EMBEDDED_MONGO_HEAP}` : database.kind,
      databaseVersion: String(buildInfo.version)
    },
    gateway,
    direct: { auth: system.url('auth'), event: system.url('event') },
    tokens,
    async stop() {
      await system.stop()
      await mongo.close()
      await database.stop()
    }
  }
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  { token, body }: { token?: string; body?: unknown } = {}
): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

async function expectOk<T>(what: string, reply: Promise<{ status: number; body: T }>): Promise<T> {
  const { status, body } = await reply
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`)
  return body
}

export async function login(gateway: string, email: string, password: string): Promise<string> {
  const body = await expectOk(`login ${email}`, call(gateway, 'POST', '/auth/login', { body: { email, password } }))
  return (body as { accessToken: string }).accessToken
}

async function createAccount(gateway: string, email: string, password: string, adminToken?: string, roles?: string[]): Promise<string> {
  const body = await expectOk(
    `create ${email}`,
    call(gateway, 'POST', '/auth/users', { ...(adminToken ? { token: adminToken } : {}), body: { email, password, ...(roles ? { roles } : {}) } })
  )
  return (body as { id: string }).id
}

export interface Player {
  id: string
  token: string
}

/**
 * Signs up and logs in `count` players, a few at a time: each costs two argon2 operations,
 * so this is the slow part of seeding.
 */
export async function createUsers(gateway: string, count: number, prefix: string): Promise<Player[]> {
  const players: Player[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      const email = `${prefix}-${index}@bench.test`
      const id = await createAccount(gateway, email, 'player-bench-password')
      players[index] = { id, token: await login(gateway, email, 'player-bench-password') }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return players
}

const DAY_MS = 24 * 60 * 60 * 1000

/** An active event (window: yesterday → next week) with one reward bundle; returns both ids. */
export async function createEventWithReward(
  gateway: string,
  operatorToken: string,
  { name, contents, requireApproval = false }: { name: string; contents: object[]; requireApproval?: boolean }
): Promise<{ eventId: string; rewardId: string }> {
  const event = await expectOk(`create event ${name}`, call(gateway, 'POST', '/event-gateway/event', {
    token: operatorToken,
    body: {
      name, activate: true, requireApproval, contents,
      startedAt: new Date(Date.now() - DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString()
    }
  }))
  const eventId = (event as { id: string }).id
  const reward = await expectOk(`create reward for ${name}`, call(gateway, 'POST', '/event-gateway/rewards', {
    token: operatorToken,
    body: { eventId, contents: [{ type: 'point', amount: 100 }] }
  }))
  return { eventId, rewardId: (reward as { id: string }).id }
}

/**
 * A tiered attendance event, the way live-ops runs them: one event, a bundle per milestone
 * (day 1, day 2 … day `days`: attendance ≥ k), each claimable once per player.
 */
export async function createTieredAttendanceEvent(
  gateway: string,
  operatorToken: string,
  { name, days }: { name: string; days: number }
): Promise<{ eventId: string; rewardIds: string[] }> {
  const event = await expectOk(`create event ${name}`, call(gateway, 'POST', '/event-gateway/event', {
    token: operatorToken,
    body: {
      name, activate: true, contents: [{ type: 'attendance', count: 1 }],
      startedAt: new Date(Date.now() - (days + 1) * DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString()
    }
  }))
  const eventId = (event as { id: string }).id
  const rewardIds: string[] = []
  for (let day = 1; day <= days; day++) {
    const reward = await expectOk(`create day-${day} bundle for ${name}`, call(gateway, 'POST', '/event-gateway/rewards', {
      token: operatorToken,
      body: { eventId, name: `Day ${day}`, conditions: [{ type: 'attendance', count: day }], contents: [{ type: 'point', amount: 10 * day }] }
    }))
    rewardIds.push((reward as { id: string }).id)
  }
  return { eventId, rewardIds }
}

/** Resident set size per service from its own Prometheus metrics (the process, not a wrapper). */
export async function serviceMemory(system: RunningSystem): Promise<Record<ServiceName, { rssMiB: number; heapUsedMiB: number }>> {
  const entries = await Promise.all([...system.services.values()].map(async (service) => {
    const text = await (await fetch(`${service.adminUrl}/metrics`)).text()
    const metric = (suffix: string) => {
      const line = text.split('\n').find((candidate) => !candidate.startsWith('#') && candidate.split(' ')[0]!.endsWith(suffix))
      return line ? Number(line.split(' ')[1]) / 2 ** 20 : Number.NaN
    }
    return [service.name, {
      rssMiB: Math.round(metric('process_resident_memory_bytes') * 10) / 10,
      heapUsedMiB: Math.round(metric('nodejs_heap_size_used_bytes') * 10) / 10
    }] as const
  }))
  return Object.fromEntries(entries) as Record<ServiceName, { rssMiB: number; heapUsedMiB: number }>
}

/** The embedded database's JVM, found by its port; null for an external MongoDB or off Linux. */
export function embeddedDatabasePid(databaseUrl: string): number | null {
  const port = new URL(databaseUrl).port
  try {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (commandLine.some((part) => part.includes('EmbeddedMongo')) && commandLine.includes(port)) return Number(pid)
    }
  } catch {
    // no /proc, or a process went away while we looked
  }
  return null
}

export function rssMiBOf(pid: number | null): number | null {
  if (pid === null) return null
  try {
    const rssKiB = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return rssKiB ? Math.round(Number(rssKiB) / 102.4) / 10 : null
  } catch {
    return null
  }
}

const CLOCK_TICKS_PER_SECOND = 100

/** CPU seconds (user + system) a process has used so far, from /proc; null where unknown. */
export function cpuSecondsOf(pid: number | null | undefined): number | null {
  if (pid === null || pid === undefined) return null
  try {
    // Fields after the command name (which may contain spaces) start at the closing paren.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return null
  }
}
