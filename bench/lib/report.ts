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

/** One row of issue 19's goals table, as this run measured it. */
export interface IssueGoal {
  figure: string
  before: string
  goal: string
  measured: string
  /** null: the scenario that measures it was not part of this run. */
  met: boolean | null
}

const figureOf = (report: BenchReport, scenario: string, key: string): number | undefined => {
  const value = report.scenarios.find((candidate) => candidate.id === scenario)?.figures[key]
  return typeof value === 'number' && !Number.isNaN(value) ? value : undefined
}

const pct = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`

/**
 * The goals of issue 19, row for row, from this run's figures. Ratios are of runs in this one
 * run on this one machine; a row whose scenario did not run says so rather than guessing.
 */
export function issueGoals(report: BenchReport): IssueGoal[] {
  const row = (figure: string, before: string, goal: string, value: number | undefined, show: (value: number) => string, meets: (value: number) => boolean, absent = 'not measured in this run'): IssueGoal =>
    value === undefined ? { figure, before, goal, measured: absent, met: null } : { figure, before, goal, measured: show(value), met: meets(value) }
  const gatewayShare = figureOf(report, 'gateway-overhead', 'gatewayShareOfBareChain')
  const directShare = figureOf(report, 'gateway-overhead', 'directShareOfBareServer')
  const bare = (key: string) => figureOf(report, 'gateway-overhead', key)
  const settled = report.processes.filter((process) => !process.name.startsWith('database') && typeof process.settledRssMiB === 'number')
  const worstSettledMB = settled.length ? Math.max(...settled.map((process) => (process.settledRssMiB as number) * 1.048576)) : undefined
  const singleReports = figureOf(report, 'progress-ingestion', 'reportsPerSecond')
  return [
    row('authenticated event list through the gateway, % of the bare proxy chain', '≈ 20 %', '≥ 60 %', gatewayShare,
      (value) => `${pct(value)} (bare chain ${bare('bareProxyRps')} req/s)`, (value) => value >= 0.6),
    row('same, direct, % of the bare server', '≈ 6 %', '≥ 40 %', directShare,
      (value) => `${pct(value)} (bare server ${bare('bareServerRps')} req/s)`, (value) => value >= 0.4),
    row('batch ingestion through the gateway, reports/s', '105–176 (single)', '≥ 2,000', figureOf(report, 'batch-ingestion', 'reportsPerSecond'),
      (value) => `${value}`, (value) => value >= 2_000,
      singleReports === undefined ? 'not measured in this run' : `no batch run in this run (single reports: ${singleReports}/s)`),
    row('claim flow, claims/s (tiered event, ledger delivery)', '142', '≥ 300', figureOf(report, 'claim-flow', 'claimsPerSecond'),
      (value) => `${value}`, (value) => value >= 300),
    row('added p99 through the gateway at 500 req/s', '11–13 ms', '≤ 3 ms', figureOf(report, 'gateway-overhead', 'addedP99FixedMs'),
      (value) => `${value} ms`, (value) => value <= 3),
    row('settled RSS per service after the full bench', 'event 218 MB', '≤ 150 MB', report.size.name === 'full' ? worstSettledMB : undefined,
      (value) => `${settled.map((process) => `${process.name} ${Math.round((process.settledRssMiB as number) * 1.048576)} MB`).join(', ')}`, (value) => value <= 150,
      'only after the full bench'),
    row('p99 of accepted requests at 2× capacity', 'unbounded (no shedding)', '≤ 5× the p99 at capacity', figureOf(report, 'overload', 'acceptedP99OverCapacityP99'),
      (value) => `${value}× (${figureOf(report, 'overload', 'acceptedP99Ms')} vs ${figureOf(report, 'overload', 'capacityP99Ms')} ms); 503s p99 ${figureOf(report, 'overload', 'refusedP99Ms') ?? '—'} ms`, (value) => value <= 5)
  ]
}

export function issueGoalsMarkdown(report: BenchReport): string[] {
  const { machine } = report
  const lines = [
    `#### Goals (issue 19) — ${report.size.name} run, ${machine.cpus} × ${machine.cpuModel}, database ${machine.database} ${machine.databaseVersion}`,
    '',
    '| figure | before | goal | this run | |',
    '|---|---|---|---|---|'
  ]
  for (const goal of issueGoals(report)) {
    lines.push(`| ${goal.figure} | ${goal.before} | ${goal.goal} | ${goal.measured} | ${goal.met === null ? '—' : goal.met ? 'met' : '**missed**'} |`)
  }
  lines.push('')
  return lines
}

export function toMarkdown(report: BenchReport): string {
  const { machine } = report
  const lines = [
    `Run ${report.generatedAt} (${report.size.name}, ${Math.round(report.durationSeconds)} s) on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    `Database: **${machine.database}** (reports MongoDB ${machine.databaseVersion}). Services run from \`dist/\` with NODE_ENV=production; autocannon runs on the same machine.`,
    'Latency in ms from autocannon (1 ms resolution; runs at a fixed rate are corrected for coordinated omission).',
    'CPU s: CPU seconds each process used during the run (runs side by side share one window) — the busiest one is the bottleneck.',
    '',
    ...issueGoalsMarkdown(report)
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
