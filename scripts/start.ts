/**
 * `npm start` / `npm run dev`: the whole system on one command. Starts the database (MONGO_URL
 * if set, otherwise the embedded server with its data under .data/), then every service that
 * exists — auth, event, gateway — each as its own process, waits until each is ready, and stops
 * them all (then the database) on Ctrl-C / SIGTERM.
 *
 *   tsx scripts/start.ts           run the services once
 *   tsx scripts/start.ts --watch   the same, restarting a service when its code changes
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, resolveDatabase } from '@app/platform'

interface ServiceSpec {
  name: string
  dir: string
  portVariable: string
  defaultPort: number
}

const SERVICES: ServiceSpec[] = [
  { name: 'auth', dir: 'services/auth', portVariable: 'AUTH_PORT', defaultPort: 3000 },
  { name: 'event', dir: 'services/event', portVariable: 'EVENT_PORT', defaultPort: 3002 },
  { name: 'gateway', dir: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 3001 }
]
const READY_TIMEOUT_MS = 60_000

const envFile = join(REPO_ROOT, '.env')
if (existsSync(envFile)) process.loadEnvFile(envFile)
const watch = process.argv.includes('--watch')
const host = process.env.HOST ?? '127.0.0.1'
const portOf = (spec: ServiceSpec) => Number(process.env[spec.portVariable] ?? spec.defaultPort)
const urlOf = (name: string) => {
  const spec = SERVICES.find((candidate) => candidate.name === name)!
  return `http://127.0.0.1:${portOf(spec)}`
}

const database = await resolveDatabase(process.env.MONGO_URL, { persistent: true, log: (line) => console.log(`[db] ${line}`) })
console.log(`[db] ${database.kind} at ${database.url.replace(/\/\/[^@]*@/, '//***@')}`)

const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  MONGO_URL: database.url,
  AUTH_SERVICE_URL: process.env.AUTH_SERVICE_URL ?? urlOf('auth'),
  EVENT_SERVICE_URL: process.env.EVENT_SERVICE_URL ?? urlOf('event'),
  AUTH_JWKS_URL: process.env.AUTH_JWKS_URL ?? `${urlOf('auth')}/.well-known/jwks.json`
}

const children: ChildProcess[] = []
let stopping = false

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code)
  stopping = true
  console.log('[start] stopping services…')
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit()
          child.once('exit', () => resolveExit())
          child.kill('SIGTERM')
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
        })
    )
  )
  await database.stop()
  console.log('[start] stopped')
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

async function waitUntilReady(spec: ServiceSpec, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with code ${child.exitCode}`)
    try {
      const response = await fetch(`http://127.0.0.1:${portOf(spec)}/health`, { signal: AbortSignal.timeout(1_000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200))
  }
  throw new Error(`${spec.name} was not ready within ${READY_TIMEOUT_MS / 1000} s`)
}

for (const spec of SERVICES) {
  const entry = join(REPO_ROOT, spec.dir, 'src', 'server.ts')
  if (!existsSync(entry)) continue
  const tsxArgs = watch ? ['watch', '--clear-screen=false'] : []
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...tsxArgs, '--conditions=@app/source', entry],
    { cwd: join(REPO_ROOT, spec.dir), env: { ...childEnv, HOST: host }, stdio: 'inherit' }
  )
  children.push(child)
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${spec.name} exited (${signal ?? code}); stopping everything`)
      void stopAll(1)
    }
  })
  await waitUntilReady(spec, child).catch((error: Error) => {
    console.error(`[start] ${error.message}`)
    return stopAll(1)
  })
  console.log(`[start] ${spec.name} ready on http://${host}:${portOf(spec)}`)
}
const gateway = SERVICES.find((spec) => spec.name === 'gateway')!
console.log(
  existsSync(join(REPO_ROOT, gateway.dir, 'src', 'server.ts'))
    ? `[start] all services up — public API http://${host}:${portOf(gateway)} (docs at /api-docs). Ctrl-C stops everything.`
    : '[start] all services up. Ctrl-C stops everything.'
)
