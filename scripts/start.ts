/**
 * `npm start` / `npm run dev`: the whole system on one command. Starts the database (MONGO_URL
 * if set, otherwise the embedded server with its data under .data/), then auth, event and the
 * gateway as separate processes, waits until each is healthy, and stops them all (then the
 * database) on Ctrl-C / SIGTERM — or when any of them dies.
 *
 *   tsx scripts/start.ts           run the services
 *   tsx scripts/start.ts --watch   the same, restarting a service when its code changes
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, resolveDatabase } from '@app/platform'
import { startSystem, type RunningSystem } from '@app/platform/system'

const envFile = join(REPO_ROOT, '.env')
if (existsSync(envFile)) process.loadEnvFile(envFile)

const database = await resolveDatabase(process.env.MONGO_URL, { persistent: true, log: (line) => console.log(`[start] ${line}`) })
console.log(`[start] database: ${database.kind}`)

let system: RunningSystem | undefined
let stopping = false
async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code)
  stopping = true
  console.log('[start] stopping…')
  await system?.stop()
  await database.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

try {
  system = await startSystem({
    mongoUrl: database.url,
    ports: 'env',
    stdio: 'inherit',
    watch: process.argv.includes('--watch'),
    onLog: (line) => console.log(`[start] ${line}`)
  })
} catch (error) {
  console.error(`[start] ${(error as Error).message}`)
  await stopAll(1)
}
for (const service of system!.services.values()) {
  service.process.on('exit', (code, signal) => {
    if (stopping) return
    console.error(`[start] ${service.name} exited (${signal ?? code}); stopping everything`)
    void stopAll(1)
  })
}
const gateway = system!.services.get('gateway')
console.log(
  `[start] all up${gateway ? ` — public API ${gateway.url} (Swagger UI at ${gateway.url}/api-docs)` : ''}. Ctrl-C stops everything.`
)
