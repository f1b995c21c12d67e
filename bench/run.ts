/**
 * `npm run bench` — starts the built system (embedded database unless MONGO_URL), runs every
 * scenario with autocannon, and writes bench/results/latest.{json,md}.
 *
 *   npm run bench                       the full run (≈ 4 min on 2 cores)
 *   npm run bench -- --quick            small loads (≤ 60 s) to check a change → results/quick.*
 *   npm run bench -- --profile          scenarios 1 and 3 with `node --cpu-prof` on the gateway
 *                                       and the event service → results/profile.md
 *   npm run bench -- --compare          scenarios 1–3 with the optimisations switched off, then
 *                                       on, in one run → results/compare.md
 *   npm run bench -- --compare --before=CATALOG_RENDERED_PAGES=0 --only=gateway-overhead
 *                                       one optimisation off, then on → results/compare-CATALOG_RENDERED_PAGES.md
 *   npm run bench -- --heap             also, once settled: each service collects its garbage and
 *                                       writes a heap snapshot (SIGUSR2 to a preloaded probe,
 *                                       bench/lib/heap-probe.mjs) → results/heap.md
 *   npm run bench -- --only=claim-flow  one scenario (ids: gateway-overhead, login-under-argon2,
 *                                       claim-flow, progress-ingestion, batch-ingestion, sessions, overload)
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@app/platform'
import type { ServiceName } from '@app/devkit/system'
import { profileToMarkdown, summarizeProfile } from './lib/cpu-profile.js'
import { heapSummaryToMarkdown, summarizeHeapSnapshot } from './lib/heap-snapshot.js'
import { useCpuProbe } from './lib/load.js'
import { compareToMarkdown, toMarkdown, writeReport, type BenchReport, type ProcessFigures } from './lib/report.js'
import { SIZES, type BenchSize, type Scenario, type ScenarioContext, type ScenarioResult } from './lib/scenario.js'
import { cpuSecondsOf, embeddedDatabasePid, rssMiBOf, serviceMemory, startSystemUnderTest } from './lib/system-under-test.js'
import { claimFlow } from './scenarios/claim-flow.js'
import { gatewayOverhead } from './scenarios/gateway-overhead.js'
import { loginUnderArgon2 } from './scenarios/login-under-argon2.js'
import { overload } from './scenarios/overload.js'
import { progressIngestion } from './scenarios/progress-ingestion.js'
import { batchIngestion } from './scenarios/batch-ingestion.js'
import { sessions } from './scenarios/sessions.js'

const SCENARIOS: Record<string, Scenario> = {
  'gateway-overhead': gatewayOverhead,
  'login-under-argon2': loginUnderArgon2,
  'claim-flow': claimFlow,
  'progress-ingestion': progressIngestion,
  'batch-ingestion': batchIngestion,
  sessions,
  overload
}
const PROFILED_SCENARIOS = ['gateway-overhead', 'claim-flow']
const PROFILED_SERVICES: ServiceName[] = ['gateway', 'event']
const COMPARED_SCENARIOS = ['gateway-overhead', 'login-under-argon2', 'claim-flow']
const SETTLE_MS = 15_000
/**
 * What the profile found, switched off: full RS256 verification on every request, argon2
 * free to take the whole libuv pool (4 threads) as it did before PASSWORD_HASH_CONCURRENCY, and
 * every event-list reply built and serialized anew.
 */
const BEFORE_OPTIMISATIONS: NodeJS.ProcessEnv = { ACCESS_TOKEN_CACHE_SIZE: '0', PASSWORD_HASH_CONCURRENCY: '4', CATALOG_RENDERED_PAGES: '0' }

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const profile = args.includes('--profile')
const compare = args.includes('--compare')
const heap = args.includes('--heap')
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',')
/** `--before=NAME=value,…`: compare against these settings alone (one optimisation at a time) → results/compare-NAME….md. */
const beforeArg = args.find((arg) => arg.startsWith('--before='))?.slice('--before='.length)
const before: NodeJS.ProcessEnv = beforeArg
  ? Object.fromEntries(beforeArg.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
  : BEFORE_OPTIMISATIONS
const unknown = (only ?? []).filter((id) => !SCENARIOS[id])
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`)
  process.exit(2)
}
const size = SIZES[quick ? 'quick' : 'full']
const selected = only ?? (profile ? PROFILED_SCENARIOS : compare ? COMPARED_SCENARIOS : Object.keys(SCENARIOS))
const resultsDir = join(REPO_ROOT, 'bench', 'results')
const profileDir = join(resultsDir, 'profiles')
const heapDir = join(resultsDir, 'heap')
const started = performance.now()
const log = (line: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`)

interface RunOptions {
  size: BenchSize
  scenarios: string[]
  env?: NodeJS.ProcessEnv
  nodeArgs?: Partial<Record<ServiceName, string[]>>
  coldStartSamples: number
  /** Heap snapshots once settled, into this directory (the services run with the heap probe). */
  heapSnapshotsTo?: string
}

/** What a service's heap probe wrote: memory right after a forced full GC, and its snapshot. */
interface HeapProbeResult {
  name: string
  settledRssMiB: number | null
  afterGc: NodeJS.MemoryUsage
  snapshot: string
  /** RSS just before and after glibc was asked to return its free pages (`malloc_trim(0)` through gdb, where gdb exists): what the arenas kept. */
  mallocTrim: { beforeMiB: number | null; afterMiB: number | null } | null
}

const rssMiBFromProc = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((candidate) => candidate.startsWith('VmRSS:'))
  return line ? Math.round((Number(line.split(/\s+/)[1]) / 1024) * 10) / 10 : null
}

/** Asks glibc in `pid` to hand free memory back (a diagnostic: Node never calls malloc_trim); null without gdb. */
function mallocTrimOf(pid: number): HeapProbeResult['mallocTrim'] {
  const beforeMiB = rssMiBFromProc(pid)
  const trimmed = spawnSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], { stdio: 'ignore', timeout: 60_000 })
  return trimmed.status === 0 ? { beforeMiB, afterMiB: rssMiBFromProc(pid) } : null
}

/** Sends the probe its next step and waits for the file that says it is done. */
async function probeStep(pid: number, done: string, name: string): Promise<void> {
  process.kill(pid, 'SIGUSR2')
  const deadline = Date.now() + 120_000
  while (!existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`${name}: the heap probe did not answer within 120 s`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 250))
  }
}

/**
 * Per service, one at a time: a forced GC, then (gdb permitting) malloc_trim, then a heap
 * snapshot — the trim before the snapshot, whose own buffers would otherwise be what it frees.
 */
async function takeHeapSnapshots(sut: Awaited<ReturnType<typeof startSystemUnderTest>>, dir: string, settled: Map<string, ProcessFigures>): Promise<HeapProbeResult[]> {
  const results: HeapProbeResult[] = []
  for (const service of sut.system.services.values()) {
    const pid = service.process.pid!
    const base = join(dir, String(pid))
    await probeStep(pid, `${base}-gc.json`, service.name)
    const { afterGc } = JSON.parse(readFileSync(`${base}-gc.json`, 'utf8')) as { afterGc: NodeJS.MemoryUsage }
    const mallocTrim = mallocTrimOf(pid)
    await probeStep(pid, `${base}-snapshot.json`, service.name)
    results.push({ name: service.name, settledRssMiB: settled.get(service.name)?.settledRssMiB ?? null, afterGc, snapshot: `${base}.heapsnapshot`, mallocTrim })
  }
  return results
}

function heapToMarkdown(report: BenchReport, probes: HeapProbeResult[]): string {
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10
  const lines = [
    '# Heap after the bench: what each service holds once settled, after a forced full GC',
    '',
    `Run ${report.generatedAt} (${report.size.name}, scenarios: ${report.scenarios.map((result) => result.id).join(', ')}) on ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}; database ${report.machine.database} ${report.machine.databaseVersion}.`,
    'Settled = 15 s after the last scenario (from /metrics); then each service collected its garbage twice (`--expose-gc`) (bench/lib/heap-probe.mjs); then, where gdb exists, glibc was asked to return its free pages (`malloc_trim(0)`: the drop is memory freed but kept by the allocator); last, a heap snapshot.',
    '',
    '| service | RSS settled | RSS after GC | heap used after GC | heap committed | external (array buffers) | RSS before → after malloc_trim |',
    '|---|---:|---:|---:|---:|---:|---:|'
  ]
  for (const probe of probes) {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = probe.afterGc
    const trimmed = probe.mallocTrim === null ? '— (no gdb)' : `${probe.mallocTrim.beforeMiB} → ${probe.mallocTrim.afterMiB} MiB`
    lines.push(`| ${probe.name} | ${probe.settledRssMiB ?? '—'} MiB | ${mib(rss)} MiB | ${mib(heapUsed)} MiB | ${mib(heapTotal)} MiB | ${mib(external)} (${mib(arrayBuffers)}) MiB | ${trimmed} |`)
  }
  lines.push('')
  for (const probe of probes) lines.push(heapSummaryToMarkdown(probe.name, summarizeHeapSnapshot(probe.snapshot, 15)))
  return lines.join('\n')
}

/** One system, the given scenarios in order, memory before and after, then cold starts. */
let heapProbes: HeapProbeResult[] = []

async function runOnce({ size, scenarios, env = {}, nodeArgs = {}, coldStartSamples, heapSnapshotsTo }: RunOptions): Promise<BenchReport> {
  const runStarted = performance.now()
  const sut = await startSystemUnderTest({ nodeArgs, env, log })
  log(`machine: ${sut.machine.cpus} CPUs, Node ${sut.machine.node}; database: ${sut.machine.database} ${sut.machine.databaseVersion}`)
  const processes = new Map<string, ProcessFigures>()
  const coldStarts = new Map<string, number[]>()
  for (const service of sut.system.services.values()) coldStarts.set(service.name, [Math.round(service.readyInMs)])
  // Let start-up work (index builds, JIT of the first requests) settle before calling it idle.
  await new Promise((resolveWait) => setTimeout(resolveWait, 2_000))
  for (const [name, memory] of Object.entries(await serviceMemory(sut.system))) {
    processes.set(name, { name, idleRssMiB: memory.rssMiB, loadedRssMiB: null, loadedHeapUsedMiB: null, coldStartMs: null })
  }
  const databaseName = `database (${sut.machine.database})`
  const databasePid = embeddedDatabasePid(sut.database.url)
  processes.set(databaseName, { name: databaseName, idleRssMiB: rssMiBOf(databasePid), loadedRssMiB: null, loadedHeapUsedMiB: null, coldStartMs: null })
  // CPU seconds per process around every load run: shows which process a scenario is bound by.
  useCpuProbe(() => {
    const usage = process.cpuUsage()
    return {
      ...Object.fromEntries([...sut.system.services.values()].map((service) => [service.name, cpuSecondsOf(service.process.pid)])),
      database: cpuSecondsOf(databasePid),
      autocannon: (usage.user + usage.system) / 1e6
    }
  })

  const context: ScenarioContext = { sut, size, log, shared: new Map() }
  const results: ScenarioResult[] = []
  try {
    for (const id of scenarios) {
      log(`scenario ${id}`)
      const result = await SCENARIOS[id]!(context)
      results.push(result)
      for (const goal of result.goals) log(`  ${goal.met ? 'met   ' : 'MISSED'} ${goal.name}: ${goal.actual} (goal ${goal.target})`)
    }
    for (const [name, memory] of Object.entries(await serviceMemory(sut.system))) {
      Object.assign(processes.get(name)!, { loadedRssMiB: memory.rssMiB, loadedHeapUsedMiB: memory.heapUsedMiB })
    }
    processes.get(databaseName)!.loadedRssMiB = rssMiBOf(databasePid)
    // V8 keeps garbage and grown heap pages until it is idle for a while; what a process holds
    // once settled tells a leak (stays up) from a heap that was merely busy (comes down).
    await new Promise((resolveWait) => setTimeout(resolveWait, SETTLE_MS))
    for (const [name, memory] of Object.entries(await serviceMemory(sut.system))) {
      Object.assign(processes.get(name)!, { settledRssMiB: memory.rssMiB, settledHeapUsedMiB: memory.heapUsedMiB })
    }
    if (heapSnapshotsTo) heapProbes = await takeHeapSnapshots(sut, heapSnapshotsTo, processes)
    // More cold starts, one service at a time, for a median rather than one sample.
    for (const service of sut.system.services.values()) {
      for (let sample = 1; sample < coldStartSamples; sample++) {
        await sut.system.stopService(service.name)
        try {
          await sut.system.startService(service.name)
        } catch (error) {
          // A figure of its own: the scenarios' results above stand; say so rather than lose them.
          log(`cold start ${sample + 1} of ${service.name} failed (${String(error)}); its median is of the samples before`)
          break
        }
        coldStarts.get(service.name)!.push(Math.round(sut.system.services.get(service.name)!.readyInMs))
      }
    }
  } finally {
    await sut.stop()
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  for (const [name, samples] of coldStarts) processes.get(name)!.coldStartMs = median(samples)
  return {
    generatedAt: new Date().toISOString(),
    size,
    machine: sut.machine,
    scenarios: results,
    processes: [...processes.values()],
    coldStartSamples,
    durationSeconds: (performance.now() - runStarted) / 1000,
    env
  }
}

const reports: BenchReport[] = []
try {
  if (profile) {
    rmSync(profileDir, { recursive: true, force: true })
    mkdirSync(profileDir, { recursive: true })
    const nodeArgs = Object.fromEntries(PROFILED_SERVICES.map((name) => [name, ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`]]))
    log(`${size.name} run under the profiler: ${selected.join(', ')}`)
    const report = await runOnce({ size, scenarios: selected, nodeArgs, coldStartSamples: 1 })
    reports.push(report)
    const sections = ['# CPU profiles under load', '', toMarkdown(report)]
    for (const service of PROFILED_SERVICES) {
      const dir = join(profileDir, service)
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
        sections.push(profileToMarkdown(`${service} (${file})`, summarizeProfile(join(dir, file))))
      }
    }
    writeFileSync(join(resultsDir, 'profile.md'), sections.join('\n'))
    log(`profiles in ${profileDir}; summary in bench/results/profile.md (open a .cpuprofile in Chrome DevTools for the flame graph)`)
  } else if (compare) {
    log(`${size.name} comparison, before then after: ${selected.join(', ')}`)
    const beforeReport = await runOnce({ size, scenarios: selected, env: before, coldStartSamples: 1 })
    const afterReport = await runOnce({ size, scenarios: selected, coldStartSamples: 1 })
    reports.push(beforeReport, afterReport)
    mkdirSync(resultsDir, { recursive: true })
    const file = beforeArg ? `compare-${Object.keys(before).join('-')}.md` : 'compare.md'
    writeFileSync(join(resultsDir, file), compareToMarkdown(beforeReport, afterReport))
    log(`wrote bench/results/${file}`)
  } else {
    log(`${size.name} run: ${selected.join(', ')}${heap ? ', heap snapshots once settled' : ''}`)
    let heapOptions: Pick<RunOptions, 'env' | 'nodeArgs' | 'heapSnapshotsTo'> = {}
    if (heap) {
      rmSync(heapDir, { recursive: true, force: true })
      mkdirSync(heapDir, { recursive: true })
      const probeArgs = ['--expose-gc', `--import=${join(REPO_ROOT, 'bench', 'lib', 'heap-probe.mjs')}`]
      heapOptions = { env: { HEAP_PROBE_DIR: heapDir }, nodeArgs: { auth: probeArgs, event: probeArgs, gateway: probeArgs }, heapSnapshotsTo: heapDir }
    }
    const report = await runOnce({ size, scenarios: selected, coldStartSamples: quick ? 2 : 5, ...heapOptions })
    reports.push(report)
    // A run with the probe is not a run to compare figures with: its report goes beside, not over, the last one.
    const base = join(resultsDir, heap ? 'heap-run' : quick ? 'quick' : 'latest')
    writeReport(report, `${base}.json`, `${base}.md`)
    log(`wrote ${base}.json and ${base}.md`)
    if (heap) {
      writeFileSync(join(resultsDir, 'heap.md'), heapToMarkdown(report, heapProbes))
      log(`wrote bench/results/heap.md (snapshots in ${heapDir}: open one in Chrome DevTools, Memory tab)`)
    }
  }
} catch (error) {
  console.error(error)
  process.exit(1)
}

const goals = reports.flatMap((report) => report.scenarios.flatMap((result) => result.goals.map((goal) => ({ id: result.id, goal }))))
const missed = goals.filter(({ goal }) => !goal.met).map(({ id, goal }) => `${id}: ${goal.name} (${goal.actual}, goal ${goal.target})`)
console.log(`\n${reports.reduce((sum, report) => sum + report.scenarios.length, 0)} scenario runs, ${goals.length} goals, ${missed.length} missed${missed.length ? `:\n  ${missed.join('\n  ')}` : ''}`)
