/**
 * Runs the whole system as real processes — auth, event, gateway — against one database.
 * `npm start` uses it with fixed ports and inherited output; the end-to-end, fault and
 * benchmark suites use it with free ports, so they exercise exactly what production runs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from '@app/platform'
import { freePort } from './embedded-mongo.js'

/** `event-2`, `event-3`…: further instances of the event service (`eventInstances`). */
export type ServiceName = 'auth' | 'event' | 'gateway' | `event-${number}`

interface ServiceSpec {
  name: ServiceName
  dir: string
  portVariable: string
  defaultPort: number
  /** The internal listener (/metrics, /ready; auth: the revocation feed). */
  adminPortVariable: string
  defaultAdminPort: number
  /** Process-level settings the service needs whoever starts it (compose.yaml sets the same). */
  env?: NodeJS.ProcessEnv
  /** Further instances of a service: added to its ports when they come from the environment. */
  portOffset?: number
  /** Node flags it needs whoever starts it, before any the caller adds (compose: the same in the command). */
  nodeArgs?: readonly string[]
}

const isEventInstance = (spec: ServiceSpec) => spec.name === 'event' || spec.name.startsWith('event-')

/** The specs with `count` event instances, the further ones right after the first (before the gateway). */
function withEventInstances(specs: readonly ServiceSpec[], count: number): ServiceSpec[] {
  return specs.flatMap((spec) =>
    spec.name !== 'event'
      ? [spec]
      : Array.from({ length: Math.max(1, count) }, (_, index) =>
          index === 0 ? spec : { ...spec, name: `event-${index + 1}` as const, portOffset: 10 * index }
        )
  )
}

/** Start order matters only for readiness messages: the gateway and event fetch JWKS lazily. */
export const SERVICE_SPECS: readonly ServiceSpec[] = [
  {
    name: 'auth', dir: 'services/auth', portVariable: 'AUTH_PORT', defaultPort: 3000, adminPortVariable: 'AUTH_ADMIN_PORT', defaultAdminPort: 9000,
    // argon2 allocates 19 MiB per hash; glibc would keep each thread's copy after the first
    // (its mmap threshold grows), ~80 MiB of idle RSS. A fixed threshold returns it at once.
    env: { MALLOC_MMAP_THRESHOLD_: '131072' }
  },
  {
    name: 'event', dir: 'services/event', portVariable: 'EVENT_PORT', defaultPort: 3002, adminPortVariable: 'EVENT_ADMIN_PORT', defaultAdminPort: 9002,
    // Batch bodies and driver buffers (tens of KiB each) raise glibc's dynamic mmap threshold the
    // same way: freed, they stay in the heap. Measured after the quick bench: 205 → 174 MiB settled.
    // V8's young generation commits up to 2 × 16 MiB by default; 4 MiB semi-spaces (`nodeArgs`): 174 → 161 MiB
    // settled (idle 117 → 98; 147.9 MiB in a later run), batch ingestion 2,143 → 2,155 reports/s (the service is 91 % idle
    // under the bench: the database is the bound, so the extra scavenges cost nothing measurable).
    env: { MALLOC_MMAP_THRESHOLD_: '131072' },
    nodeArgs: ['--max-semi-space-size=4']
  },
  {
    name: 'gateway', dir: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 3001, adminPortVariable: 'ADMIN_PORT', defaultAdminPort: 9001,
    // The event service's settings, for the same reasons: proxied bodies and undici's buffers in
    // glibc's heap, and V8's 2 × 16 MiB young generation (docs/memory.md).
    env: { MALLOC_MMAP_THRESHOLD_: '131072' },
    nodeArgs: ['--max-semi-space-size=4']
  }
]

export interface SystemOptions {
  mongoUrl: string
  /** 'env': ports from the environment (defaults 3000/3002/3001, internal 9000/9002/9001); 'free': ephemeral ports. */
  ports: 'env' | 'free'
  /** Extra variables for every service (e.g. small limits in tests). */
  env?: NodeJS.ProcessEnv
  /** 'inherit' shows the services' logs; 'ignore' keeps test output clean. */
  stdio?: 'inherit' | 'ignore'
  readyTimeoutMs?: number
  onLog?: (line: string) => void
  /**
   * 'source' (default) runs `src/server.ts` through tsx; 'built' runs `dist/server.js` with plain
   * node — what the container runs, so benchmarks and profiles measure production code.
   */
  runtime?: 'source' | 'built'
  /** Extra node flags per service, e.g. `--cpu-prof` for a profile of one of them. */
  nodeArgs?: Partial<Record<ServiceName, string[]>>
  /**
   * Event service instances on the one database (default 1): the first is `event`, the others
   * `event-2`…; the gateway is given all of them (EVENT_SERVICE_URL, comma-separated). With
   * `ports: 'env'` instance n listens on EVENT_PORT + 10·(n−1) and EVENT_ADMIN_PORT + 10·(n−1).
   */
  eventInstances?: number
}

export interface RunningService {
  name: ServiceName
  port: number
  url: string
  /** The internal listener: /metrics, /ready (auth: /internal/revocations). */
  adminUrl: string
  process: ChildProcess
  /** Spawn to first healthy `/health`, in milliseconds: the service's cold start. */
  readyInMs: number
}

export interface RunningSystem {
  services: Map<ServiceName, RunningService>
  url(name: ServiceName): string
  /** The service's internal listener. */
  adminUrl(name: ServiceName): string
  /** Stops one service (SIGTERM, or the given signal) and waits for it to exit. */
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>
  /** Starts a stopped service again on the same port and waits until it is healthy. */
  startService(name: ServiceName): Promise<void>
  stop(): Promise<void>
}

const sourceEntry = (spec: ServiceSpec) => join(REPO_ROOT, spec.dir, 'src', 'server.ts')
const builtEntry = (spec: ServiceSpec) => join(REPO_ROOT, spec.dir, 'dist', 'server.js')
/**
 * tsx as a loader inside the service's own process, not the tsx CLI: the CLI runs the service in
 * a child of its own, so a SIGKILL (which it cannot relay) would leave the real server running,
 * orphaned and holding its port — a fault test would kill nothing and a restart would not bind.
 */
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href

function commandLine(spec: ServiceSpec, runtime: 'source' | 'built', nodeArgs: string[]): string[] {
  return runtime === 'built'
    ? [...nodeArgs, builtEntry(spec)]
    : [...nodeArgs, '--conditions=@app/source', '--import', TSX_LOADER, sourceEntry(spec)]
}

export async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url} exited (${child.signalCode ?? child.exitCode}) before it was healthy`)
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    // Short polls: the runner's readyInMs is the services' reported cold start.
    await new Promise((resolveWait) => setTimeout(resolveWait, 20))
  }
  throw new Error(`${url} was not healthy within ${timeoutMs / 1000} s`)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()))
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { mongoUrl, ports, env = {}, stdio = 'ignore', readyTimeoutMs = 60_000, onLog = () => {}, runtime = 'source', nodeArgs = {}, eventInstances = 1 } = options
  const entry = runtime === 'built' ? builtEntry : sourceEntry
  const specs = withEventInstances(SERVICE_SPECS, eventInstances).filter((spec) => existsSync(entry(spec)))
  if (runtime === 'built' && specs.length < SERVICE_SPECS.length) {
    throw new Error('runtime "built" needs dist/server.js of every service: run `npm run build` first')
  }
  const portOf = new Map<ServiceName, { port: number; adminPort: number }>()
  const chosen = async (variable: string, fallback: number, offset: number) =>
    ports === 'free' ? await freePort() : Number(process.env[variable] ?? fallback) + offset
  for (const spec of specs) {
    const offset = spec.portOffset ?? 0
    portOf.set(spec.name, {
      port: await chosen(spec.portVariable, spec.defaultPort, offset),
      adminPort: await chosen(spec.adminPortVariable, spec.defaultAdminPort, offset)
    })
  }
  const local = (name: ServiceName) => `http://127.0.0.1:${portOf.get(name)?.port ?? 0}`
  const localAdmin = (name: ServiceName) => `http://127.0.0.1:${portOf.get(name)?.adminPort ?? 0}`
  const sharedEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_SERVICE_URL: local('auth'),
    EVENT_SERVICE_URL: specs.filter(isEventInstance).map((spec) => local(spec.name)).join(','),
    AUTH_JWKS_URL: `${local('auth')}/.well-known/jwks.json`,
    AUTH_REVOCATIONS_URL: `${localAdmin('auth')}/internal/revocations`,
    ...env,
    MONGO_URL: mongoUrl
  }
  const services = new Map<ServiceName, RunningService>()
  const serviceOf = (name: ServiceName): RunningService => {
    const service = services.get(name)
    if (!service) throw new Error(`${name} is not part of this system`)
    return service
  }

  async function launch(spec: ServiceSpec): Promise<void> {
    const { port, adminPort } = portOf.get(spec.name)!
    const spawnedAt = performance.now()
    const child = spawn(
      process.execPath,
      commandLine(spec, runtime, [...(spec.nodeArgs ?? []), ...(nodeArgs[spec.name] ?? [])]),
      {
        cwd: join(REPO_ROOT, spec.dir),
        env: { ...spec.env, ...sharedEnv, [spec.portVariable]: String(port), [spec.adminPortVariable]: String(adminPort) },
        stdio: ['ignore', stdio, stdio]
      }
    )
    const service: RunningService = { name: spec.name, port, url: local(spec.name), adminUrl: localAdmin(spec.name), process: child, readyInMs: 0 }
    services.set(spec.name, service)
    await waitForHealth(service.url, child, readyTimeoutMs)
    service.readyInMs = performance.now() - spawnedAt
    onLog(`${spec.name} ready on ${service.url} (pid ${child.pid})`)
  }

  const system: RunningSystem = {
    services,
    url: (name) => serviceOf(name).url,
    adminUrl: (name) => serviceOf(name).adminUrl,
    async stopService(name, signal = 'SIGTERM') {
      const child = services.get(name)?.process
      if (!child) return
      const done = exited(child)
      child.kill(signal)
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await done
      clearTimeout(force)
    },
    async startService(name) {
      const spec = specs.find((candidate) => candidate.name === name)
      if (!spec) throw new Error(`${name} is not part of this system`)
      await launch(spec)
    },
    async stop() {
      await Promise.all([...services.keys()].map((name) => system.stopService(name)))
    }
  }

  try {
    for (const spec of specs) await launch(spec)
  } catch (error) {
    await system.stop()
    throw error
  }
  return system
}

export interface RestartPolicyOptions {
  /** The first restart waits this long; each further one in a row twice as long… */
  baseDelayMs?: number
  /** …up to this. */
  maxDelayMs?: number
  /** This many crashes of one service within `windowMs` and the supervisor gives up. */
  maxCrashes?: number
  windowMs?: number
  /** A service that stayed up this long has recovered: its next crash waits `baseDelayMs` again. */
  recoveredAfterMs?: number
}

export type RestartDecision = { giveUp: false; delayMs: number } | { giveUp: true; crashesInWindow: number }

/**
 * When to restart a crashed service, as a restart policy would (compose's `restart:`,
 * Kubernetes' CrashLoopBackOff): 1 s doubling to 30 s while it keeps crashing, and give up at
 * 5 crashes within a minute. Pure bookkeeping over the times it is told, so tests run it on a
 * clock of their own.
 */
export function createRestartPolicy({
  baseDelayMs = 1_000,
  maxDelayMs = 30_000,
  maxCrashes = 5,
  windowMs = 60_000,
  recoveredAfterMs = 60_000
}: RestartPolicyOptions = {}) {
  const crashTimes: number[] = []
  let inARow = 0
  let upSince: number | undefined
  return {
    windowMs,
    /** The service is up (started, or restarted and healthy) as of `now`. */
    started(now: number): void {
      upSince = now
    },
    crashed(now: number): RestartDecision {
      if (upSince !== undefined && now - upSince >= recoveredAfterMs) inARow = 0
      upSince = undefined
      crashTimes.push(now)
      while (crashTimes.length > 0 && crashTimes[0]! <= now - windowMs) crashTimes.shift()
      if (crashTimes.length >= maxCrashes) return { giveUp: true, crashesInWindow: crashTimes.length }
      inARow += 1
      return { giveUp: false, delayMs: Math.min(maxDelayMs, baseDelayMs * 2 ** (inARow - 1)) }
    }
  }
}
export type RestartPolicy = ReturnType<typeof createRestartPolicy>

export interface SuperviseOptions {
  onLog: (line: string) => void
  /** A service crashed too often: the caller stops everything (with this message). */
  onGiveUp: (message: string) => void
  policy?: (name: ServiceName) => RestartPolicy
  clock?: () => number
}

/**
 * Keeps a running system running: a service that dies is restarted on its port after the
 * policy's backoff, the others are left alone. `stop()` stops supervising, then everything.
 */
export function superviseSystem(system: RunningSystem, { onLog, onGiveUp, policy = () => createRestartPolicy(), clock = Date.now }: SuperviseOptions) {
  let stopping = false
  const policies = new Map<ServiceName, RestartPolicy>()
  const pending = new Set<NodeJS.Timeout>()
  const wait = (ms: number) =>
    new Promise<void>((resolveWait) => {
      const timer = setTimeout(() => {
        pending.delete(timer)
        resolveWait()
      }, ms)
      pending.add(timer)
    })

  const watch = (service: RunningService) => {
    policies.get(service.name)!.started(clock())
    service.process.once('exit', (code, signal) => {
      if (!stopping) void recover(service.name, `exited (${signal ?? code})`)
    })
  }

  async function recover(name: ServiceName, what: string): Promise<void> {
    const policyOf = policies.get(name)!
    const decision = policyOf.crashed(clock())
    if (decision.giveUp) {
      stopping = true
      onGiveUp(`${name} ${what}: it crashed ${decision.crashesInWindow} times within ${policyOf.windowMs / 1000} s; giving up and stopping everything`)
      return
    }
    onLog(`${name} ${what}; restarting it in ${decision.delayMs / 1000} s`)
    await wait(decision.delayMs)
    if (stopping) return
    try {
      await system.startService(name)
    } catch (error) {
      if (stopping) return
      await system.stopService(name, 'SIGKILL') // one that never became healthy is not left running
      return recover(name, `did not come back (${(error as Error).message})`)
    }
    if (stopping) return
    watch(system.services.get(name)!)
  }

  for (const service of system.services.values()) {
    policies.set(service.name, policy(service.name))
    watch(service)
  }
  return {
    async stop(): Promise<void> {
      stopping = true
      for (const timer of pending) clearTimeout(timer)
      await system.stop()
    }
  }
}

export { consoleBuildNeeded, ensureConsoleBuilt } from './console-build.js'
