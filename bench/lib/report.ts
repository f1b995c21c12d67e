/** Writes a run's figures as JSON (for tools) and as the Markdown tables the README shows. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { LoadFigures } from './load.js'
import type { BenchSize, ScenarioResult } from './scenario.js'
import type { MachineInfo } from './system-under-test.js'

export interface ProcessFigures {
  name: string
  idleRssMiB: number | null
  loadedRssMiB: number | null
  loadedHeapUsedMiB: number | null
  /** The same, after SETTLE_MS without load (services only). */
  settledRssMiB?: number | null
  settledHeapUsedMiB?: number | null
  coldStartMs: number | null
}

export interface BenchReport {
  generatedAt: string
  size: BenchSize
  machine: MachineInfo
  scenarios: ScenarioResult[]
  processes: ProcessFigures[]
  coldStartSamples: number
  durationSeconds: number
  /** Variables this run set on top of the benchmark defaults (the "before" side of --compare). */
  env: NodeJS.ProcessEnv
}

const CPU_COLUMNS = ['gateway', 'event', 'auth', 'database', 'autocannon']

const cell = (value: number | null | undefined, unit = '') => (value === null || value === undefined || Number.isNaN(value) ? '—' : `${value}${unit}`)

function loadLabel({ load }: LoadFigures): string {
  const amount = load.amount !== null ? `${load.amount} requests` : `${load.durationSeconds} s`
  return `${load.connections} conn, ${amount}${load.ratePerSecond !== null ? `, ${load.ratePerSecond}/s fixed` : ''}`
}

export function toMarkdown(report: BenchReport): string {
  const { machine } = report
  const lines = [
    `Run ${report.generatedAt} (${report.size.name}, ${Math.round(report.durationSeconds)} s) on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    `Database: **${machine.database}** (reports MongoDB ${machine.databaseVersion}). Services run from \`dist/\` with NODE_ENV=production; autocannon runs on the same machine.`,
    'Latency in ms from autocannon (1 ms resolution; runs at a fixed rate are corrected for coordinated omission).',
    'CPU s: CPU seconds each process used during the run (runs side by side share one window) — the busiest one is the bottleneck.',
    ''
  ]
  for (const scenario of report.scenarios) {
    lines.push(`#### ${scenario.title}`, '', scenario.setup, '')
    lines.push(
      `| run | load | req/s | p50 | p97.5 | p99 | max | errors | non-2xx | timeouts | CPU s: ${CPU_COLUMNS.join(' · ')} |`,
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'
    )
    for (const run of scenario.runs) {
      const { latencyMs: latency } = run
      const cpu = CPU_COLUMNS.map((name) => cell(run.cpuSeconds[name])).join(' · ')
      lines.push(`| ${run.title} | ${loadLabel(run)} | ${run.requestsPerSecond} | ${latency.p50} | ${latency.p97_5} | ${latency.p99} | ${latency.max} | ${run.errors} | ${run.non2xx} | ${run.timeouts} | ${cpu} |`)
    }
    lines.push('', '| check | goal | measured | |', '|---|---|---|---|')
    for (const goal of scenario.goals) lines.push(`| ${goal.name} | ${goal.target} | ${goal.actual} | ${goal.met ? 'met' : '**missed**'} |`)
    lines.push('', `Figures: ${Object.entries(scenario.figures).map(([key, value]) => `${key} ${value}`).join(' · ')}`, '')
  }
  lines.push(
    '#### 5. Memory and cold start',
    '',
    `RSS from each service's own \`process_resident_memory_bytes\`; idle = after start-up, after load = right after every scenario above, settled = 15 s later. Cold start = spawn to first healthy \`/health\`, median of ${report.coldStartSamples}.`,
    '',
    '| process | RSS idle | RSS after load (heap used) | RSS settled (heap used) | cold start | RSS goal ≤ 150 MB |',
    '|---|---:|---:|---:|---:|---|'
  )
  for (const process of report.processes) {
    const worst = Math.max(process.idleRssMiB ?? 0, process.loadedRssMiB ?? 0)
    const goal = process.name.startsWith('database') ? 'n/a' : worst * 1.048576 <= 150 ? 'met' : '**missed**'
    const withHeap = (rss: number | null | undefined, heap: number | null | undefined) => `${cell(rss, ' MiB')}${heap ? ` (${heap})` : ''}`
    lines.push(`| ${process.name} | ${cell(process.idleRssMiB, ' MiB')} | ${withHeap(process.loadedRssMiB, process.loadedHeapUsedMiB)} | ${withHeap(process.settledRssMiB, process.settledHeapUsedMiB)} | ${cell(process.coldStartMs, ' ms')} | ${goal} |`)
  }
  return `${lines.join('\n')}\n`
}

export function writeReport(report: BenchReport, jsonPath: string, markdownPath: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(markdownPath, toMarkdown(report))
}

/** The same scenarios with the optimisations off and on: each run's figures side by side. */
export function compareToMarkdown(before: BenchReport, after: BenchReport): string {
  const { machine } = after
  const lines = [
    '# Before / after, one run on one machine',
    '',
    `${after.generatedAt}, ${after.size.name} size, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, database ${machine.database}.`,
    `Before: ${Object.entries(before.env).map(([name, value]) => `${name}=${value}`).join(', ')}. After: the defaults.`,
    '',
    '| run | req/s before | req/s after | p50 before | p50 after | p99 before | p99 after | CPU s gateway · event · auth before | after |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|'
  ]
  const cpu = (run: LoadFigures) => ['gateway', 'event', 'auth'].map((name) => cell(run.cpuSeconds[name])).join(' · ')
  for (const scenario of after.scenarios) {
    const earlier = before.scenarios.find((candidate) => candidate.id === scenario.id)
    scenario.runs.forEach((run, index) => {
      const old = earlier?.runs[index]
      lines.push(`| ${run.title} | ${cell(old?.requestsPerSecond)} | ${run.requestsPerSecond} | ${cell(old?.latencyMs.p50)} | ${run.latencyMs.p50} | ${cell(old?.latencyMs.p99)} | ${run.latencyMs.p99} | ${old ? cpu(old) : '—'} | ${cpu(run)} |`)
    })
  }
  lines.push('', '| goal | before | after |', '|---|---|---|')
  for (const scenario of after.scenarios) {
    const earlier = before.scenarios.find((candidate) => candidate.id === scenario.id)
    for (const goal of scenario.goals) {
      const old = earlier?.goals.find((candidate) => candidate.name === goal.name)
      lines.push(`| ${goal.name} (${goal.target}) | ${old ? `${old.actual}${old.met ? '' : ' (missed)'}` : '—'} | ${goal.actual}${goal.met ? '' : ' (missed)'} |`)
    }
  }
  return `${lines.join('\n')}\n`
}
