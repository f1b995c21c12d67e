/**
 * Runs the whole system as real processes — auth, event, gateway — against one database.
 * `npm start` uses it with fixed ports and inherited output; the end-to-end, fault and
 * benchmark suites use it with free ports, so they exercise exactly what production runs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './database.js'
import { freePort } from './embedded-mongo.js'

export type ServiceName = 'auth' | 'event' | 'gateway'

interface ServiceSpec {
  name: ServiceName
  dir: string
  portVariable: string
  defaultPort: number
}

/** Start order matters only for readiness messages: the gateway and event fetch JWKS lazily. */
export const SERVICE_SPECS: readonly ServiceSpec[] = [
  { name: 'auth', dir: 'services/auth', portVariable: 'AUTH_PORT', defaultPort: 3000 },
  { name: 'event', dir: 'services/event', portVariable: 'EVENT_PORT', defaultPort: 3002 },
  { name: 'gateway', dir: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 3001 }
]

export interface SystemOptions {
  mongoUrl: string
  /** 'env': ports from the environment (defaults 3000/3002/3001); 'free': ephemeral ports. */
  ports: 'env' | 'free'
  /** Extra variables for every service (e.g. small limits in tests). */
  env?: NodeJS.ProcessEnv
  /** 'inherit' shows the services' logs; 'ignore' keeps test output clean. */
  stdio?: 'inherit' | 'ignore'
  readyTimeoutMs?: number
  onLog?: (line: string) => void
}

export interface RunningService {
  name: ServiceName
  port: number
  url: string
  process: ChildProcess
}

export interface RunningSystem {
  services: Map<ServiceName, RunningService>
  url(name: ServiceName): string
  /** Stops one service (SIGTERM, or the given signal) and waits for it to exit. */
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>
  /** Starts a stopped service again on the same port and waits until it is healthy. */
  startService(name: ServiceName): Promise<void>
  stop(): Promise<void>
}

const serverEntry = (spec: ServiceSpec) => join(REPO_ROOT, spec.dir, 'src', 'server.ts')
const TSX_CLI = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')

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
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
  throw new Error(`${url} was not healthy within ${timeoutMs / 1000} s`)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()))
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { mongoUrl, ports, env = {}, stdio = 'ignore', readyTimeoutMs = 60_000, onLog = () => {} } = options
  const specs = SERVICE_SPECS.filter((spec) => existsSync(serverEntry(spec)))
  const portOf = new Map<ServiceName, number>()
  for (const spec of specs) {
    portOf.set(spec.name, ports === 'free' ? await freePort() : Number(process.env[spec.portVariable] ?? spec.defaultPort))
  }
  const local = (name: ServiceName) => `http://127.0.0.1:${portOf.get(name) ?? 0}`
  const sharedEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_SERVICE_URL: local('auth'),
    EVENT_SERVICE_URL: local('event'),
    AUTH_JWKS_URL: `${local('auth')}/.well-known/jwks.json`,
    ...env,
    MONGO_URL: mongoUrl
  }
  const services = new Map<ServiceName, RunningService>()

  async function launch(spec: ServiceSpec): Promise<void> {
    const port = portOf.get(spec.name)!
    const child = spawn(
      process.execPath,
      [TSX_CLI, '--conditions=@app/source', serverEntry(spec)],
      { cwd: join(REPO_ROOT, spec.dir), env: { ...sharedEnv, [spec.portVariable]: String(port) }, stdio: ['ignore', stdio, stdio] }
    )
    const service = { name: spec.name, port, url: local(spec.name), process: child }
    services.set(spec.name, service)
    await waitForHealth(service.url, child, readyTimeoutMs)
    onLog(`${spec.name} ready on ${service.url}`)
  }

  const system: RunningSystem = {
    services,
    url: (name) => {
      const service = services.get(name)
      if (!service) throw new Error(`${name} is not part of this system`)
      return service.url
    },
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
