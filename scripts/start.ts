/**
 * `npm start` / `npm run dev`: the whole system on one command. Starts the database (MONGO_URL
 * if set, otherwise the embedded server with its data under .data/), then auth, event and the
 * gateway, and stops them all (then the database) on Ctrl-C / SIGTERM.
 *
 *   tsx scripts/start.ts           separate processes, each awaited until healthy (npm start),
 *                                  supervised: one that dies is restarted with backoff (1 s
 *                                  doubling to 30 s); 5 crashes of one within a minute stop all

 *                                  The operator console is built first when console/dist is
 *                                  missing or older than its source (the gateway serves it).
 *   tsx scripts/start.ts --watch   `turbo run dev`: each service in tsx watch mode, and the
 *                                  console's Vite dev server with hot reload (npm run dev)
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, resolveDatabase, type Database } from '@app/platform'
import { ensureConsoleBuilt, startSystem, superviseSystem } from '@app/devkit/system'

const envFile = join(REPO_ROOT, '.env')
if (existsSync(envFile)) process.loadEnvFile(envFile)

const database = await resolveDatabase(process.env.MONGO_URL, { persistent: true, log: (line) => console.log(`[start] ${line}`) })
console.log(`[start] database: ${database.kind}`)

if (process.argv.includes('--watch')) watchThroughTurbo(database)
else await runUntilStopped(database)

/**
 * Turbo runs the persistent `dev` tasks; its loose env mode hands every variable to them. It
 * gets a process group of its own, signalled as a whole the way a terminal's Ctrl-C would be:
 * turbo's npm wrapper does not forward a signal sent to it alone.
 */
function watchThroughTurbo(db: Database): void {
  const turbo = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'dev', '--env-mode=loose'], {
    cwd: REPO_ROOT,
    env: { ...process.env, MONGO_URL: db.url },
    stdio: 'inherit',
    detached: true
  })
  const stopGroup = () => {
    try {
      process.kill(-turbo.pid!, 'SIGINT')
    } catch {
      // already gone
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, stopGroup)
  console.log(`[start] operator console with hot reload: http://127.0.0.1:${process.env.CONSOLE_DEV_PORT ?? 5173}/console/ (its API calls go to the gateway)`)
  turbo.on('exit', async (code) => {
    await db.stop()
    process.exit(code ?? 0)
  })
}

async function runUntilStopped(db: Database): Promise<void> {
  let supervisor: ReturnType<typeof superviseSystem> | undefined
  let stopping = false
  const stopAll = async (code: number): Promise<never> => {
    if (stopping) process.exit(code)
    stopping = true
    console.log('[start] stopping…')
    await supervisor?.stop()
    await db.stop()
    process.exit(code)
  }
  process.on('SIGINT', () => void stopAll(0))
  process.on('SIGTERM', () => void stopAll(0))

  const log = (line: string) => console.log(`[start] ${line}`)
  try {
    // The gateway serves the built console: build it first when missing or older than its source.
    await ensureConsoleBuilt({ log, stdio: 'inherit' })
    const system = await startSystem({ mongoUrl: db.url, ports: 'env', stdio: 'inherit', onLog: log })
    supervisor = superviseSystem(system, {
      onLog: log,
      onGiveUp: (message) => {
        console.error(`[start] ${message}`)
        void stopAll(1)
      }
    })
    const gateway = system.services.get('gateway')
    log(`all up${gateway ? ` — public API ${gateway.url} (Swagger UI at ${gateway.url}/api-docs, operator console at ${gateway.url}/console)` : ''}. Ctrl-C stops everything.`)
  } catch (error) {
    console.error(`[start] ${(error as Error).message}`)
    await stopAll(1)
  }
}
