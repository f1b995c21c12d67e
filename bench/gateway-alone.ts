/**
 * `npm run bench:gateway` — the gateway on its own, against the bare proxy chain: the built
 * gateway (`dist/`) in front of the bare server that answers a fixed event list, with a stub
 * JWKS/revocation feed, so every cost measured is the gateway's own (no event service, no
 * database). Prints max req/s of the gateway and of the bare proxy in front of the same bare
 * server, both at 500 req/s (added p99), the CPU each of the two proxies spends per request at a
 * fixed 3,000 req/s (steadier than max req/s on a shared machine: it counts only the process's
 * own CPU), and with `--profile` the gateway's CPU profile as shares of its busy time.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { REPO_ROOT } from '@app/platform'
import { createTestTokenIssuer, listenOnFreePort } from '@app/devkit/testkit'
import { freePort } from '@app/devkit'
import { waitForHealth } from '@app/devkit/system'
import { runLoad, type LoadFigures } from './lib/load.js'
import { cpuSecondsOf } from './lib/system-under-test.js'
import { startReferences } from './lib/references.js'
import { summarizeProfile } from './lib/cpu-profile.js'

const args = process.argv.slice(2)
const profile = args.includes('--profile')
const seconds = Number(args.find((arg) => arg.startsWith('--seconds='))?.slice(10) ?? 5)
const connections = 10
/** Well below either's limit, so CPU per request is not bent by saturation (or by the machine's other load). */
const CPU_PROBE_RATE = 3_000
/** V8's default (1 ms) leaves a few hundred busy samples in a run: too coarse to rank small costs. */
const PROFILE_INTERVAL_US = 200

const issuer = createTestTokenIssuer()
const auth = Fastify({ logger: false })
auth.get('/health', async () => ({ status: 'ok' }))
auth.get('/.well-known/jwks.json', async () => issuer.jwks())
auth.get('/internal/revocations', async () => ({ entries: [], generatedAt: new Date().toISOString() }))
const authUrl = await listenOnFreePort(auth)

const events = Array.from({ length: 10 }, (_, index) => ({
  id: `68${String(index).padStart(22, '0')}`, name: `catalog-${index}`, description: 'bench', activate: true,
  startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2027-01-01T00:00:00.000Z', requireApproval: index % 2 === 0,
  contents: [{ type: 'attendance', count: 3 }], timezone: 'UTC', version: 1
}))
const references = await startReferences(Buffer.from(JSON.stringify({ items: events, nextCursor: null })))
const bareOrigin = new URL(references.bareServer).origin

const port = await freePort()
const profileDir = mkdtempSync(join(tmpdir(), 'gateway-profile-'))
const gateway = spawn(process.execPath, [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : []), join(REPO_ROOT, 'gateway', 'dist', 'server.js')], {
  cwd: join(REPO_ROOT, 'gateway'),
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    NODE_ENV: 'production',
    // Requests cut off when the last run stops are logged as warnings: noise here.
    LOG_LEVEL: 'error',
    GATEWAY_PORT: String(port),
    ADMIN_PORT: String(await freePort()),
    AUTH_SERVICE_URL: authUrl,
    EVENT_SERVICE_URL: bareOrigin,
    AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
    AUTH_REVOCATIONS_URL: `${authUrl}/internal/revocations`,
    RATE_LIMIT_MAX: '100000000'
  }
})
const gatewayUrl = `http://127.0.0.1:${port}`
const pidOf = { gateway: gateway.pid, bareProxy: references.pids.bareProxy }
/** Each run's CPU seconds of the proxying process, unrounded (the runner's tables round to 0.1 s: 7 µs/req here). */
const cpuOfRun = new Map<LoadFigures, number>()
/** CPU µs the proxying process (the gateway, or the bare proxy) spent per request in this run. */
const cpuMicrosPerRequest = (run: LoadFigures) => Math.round(((cpuOfRun.get(run) ?? Number.NaN) * 1e6) / run.requests)
try {
  await waitForHealth(gatewayUrl, gateway, 20_000)
  const headers = { authorization: `Bearer ${issuer.accessToken({ sub: '682c1aaa6fb6c7f00ae8ae33', roles: ['USER'] })}` }
  const target = `${gatewayUrl}/event-gateway/event`
  const check = await fetch(target, { headers })
  if (check.status !== 200) throw new Error(`the gateway answered ${check.status}: ${await check.text()}`)
  const load = async (title: string, url: string, rate?: number) => {
    const proxying = url === target ? pidOf.gateway : url === references.bareProxy ? pidOf.bareProxy : undefined
    const before = cpuSecondsOf(proxying)
    const run = await runLoad({ title, url, headers, connections, durationSeconds: seconds, ...(rate ? { ratePerSecond: rate } : {}) })
    const after = cpuSecondsOf(proxying)
    if (before !== null && after !== null) cpuOfRun.set(run, after - before)
    return run
  }
  await load('warm-up bare proxy', references.bareProxy)
  await load('warm-up gateway', target)
  const bareMax = await load('bare proxy (max)', references.bareProxy)
  const gatewayMax = await load('gateway (max)', target)
  const serverFixed = await load('bare server (500/s)', references.bareServer, 500)
  const bareFixed = await load('bare proxy (500/s)', references.bareProxy, 500)
  const gatewayFixed = await load('gateway (500/s)', target, 500)
  const bareProbe = await load(`bare proxy (${CPU_PROBE_RATE}/s)`, references.bareProxy, CPU_PROBE_RATE)
  const gatewayProbe = await load(`gateway (${CPU_PROBE_RATE}/s)`, target, CPU_PROBE_RATE)
  for (const run of [bareMax, gatewayMax, serverFixed, bareFixed, gatewayFixed, bareProbe, gatewayProbe]) {
    const cpu = run === serverFixed ? '-' : cpuMicrosPerRequest(run)
    console.log(`${run.title.padEnd(20)} ${String(run.requestsPerSecond).padStart(8)} req/s  p50 ${run.latencyMs.p50} p99 ${run.latencyMs.p99} max ${run.latencyMs.max} (raw p50 ${run.rawLatencyMs.p50} p99 ${run.rawLatencyMs.p99})  non-2xx ${run.non2xx}  CPU ${cpu} µs/req`)
  }
  console.log(`CPU per request at ${CPU_PROBE_RATE} req/s, gateway / bare proxy: ${Math.round((cpuMicrosPerRequest(gatewayProbe) / cpuMicrosPerRequest(bareProbe)) * 100) / 100}`)
  console.log(`gateway / bare proxy chain: ${Math.round((gatewayMax.requestsPerSecond / bareMax.requestsPerSecond) * 1000) / 10} %`)
  const addedP99 = (run: LoadFigures, base: LoadFigures) =>
    `${run.latencyMs.p99 - base.latencyMs.p99} ms (raw ${Math.round((run.rawLatencyMs.p99 - base.rawLatencyMs.p99) * 100) / 100} ms)`
  console.log(`added p99 at 500 req/s: gateway over the bare proxy ${addedP99(gatewayFixed, bareFixed)}; the bare proxy's hop itself, over the bare server ${addedP99(bareFixed, serverFixed)}`)
} finally {
  const exited = new Promise((resolveExit) => gateway.once('exit', resolveExit))
  gateway.kill('SIGTERM')
  await exited
  await references.stop()
  await auth.close()
}
if (profile) {
  for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'))) {
    const summary = summarizeProfile(join(profileDir, file), 25)
    const busy = 100 - summary.idlePercent
    console.log(`\ngateway profile (${join(profileDir, file)}): ${summary.sampledSeconds} s, ${summary.idlePercent} % idle; shares of busy time:`)
    for (const spot of summary.packages) console.log(`  ${String(Math.round((spot.selfPercent / busy) * 1000) / 10).padStart(5)} %  ${spot.name}`)
    console.log('')
    for (const spot of summary.functions) console.log(`  ${String(Math.round((spot.selfPercent / busy) * 1000) / 10).padStart(5)} %  ${spot.name}`)
  }
}
