/**
 * One autocannon run, reduced to the figures every table reports: the exact load, req/s,
 * latency percentiles, and every way a request can fail (errors, timeouts, non-2xx).
 */
import type { EventEmitter } from 'node:events'
import autocannon, { type Request } from 'autocannon'

export interface LoadSpec {
  title: string
  url: string
  method?: Request['method']
  headers?: Record<string, string>
  body?: string
  /** A per-connection request sequence; `setupRequest` may rewrite each one. */
  requests?: Request[]
  connections: number
  durationSeconds?: number
  /** Stop after this many requests instead of after a duration. */
  amount?: number
  /** Fixed total rate (autocannon -R), so latency is corrected for coordinated omission. */
  ratePerSecond?: number
  /** Called for every reply, e.g. to collect the ids of created claims. */
  onReply?: (status: number, body: string) => void
}

export interface LoadFigures {
  title: string
  target: string
  load: { connections: number; durationSeconds: number | null; amount: number | null; ratePerSecond: number | null }
  requests: number
  requestsPerSecond: number
  /** autocannon's histogram of 2xx replies (1 ms resolution, corrected at a fixed rate). */
  latencyMs: { p50: number; p97_5: number; p99: number; max: number; mean: number }
  /** Percentiles of every raw reply time, to 0.01 ms: for differences smaller than 1 ms. */
  rawLatencyMs: { p50: number; p99: number }
  /** The same per status code (say, accepted 200s apart from shed 503s). */
  rawLatencyByStatusMs: Record<string, { count: number; p50: number; p99: number; max: number }>
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
  elapsedSeconds: number
  /** CPU seconds each process used during this run (runs side by side share a window). */
  cpuSeconds: Record<string, number | null>
}

type CpuProbe = () => Record<string, number | null>
let cpuProbe: CpuProbe = () => ({})

/** How the runner reads CPU time per process (gateway, services, database, itself). */
export function useCpuProbe(probe: CpuProbe): void {
  cpuProbe = probe
}

function cpuSpent(before: Record<string, number | null>, after: Record<string, number | null>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(after).map(([name, value]) => {
    const start = before[name]
    return [name, value === null || start === null || start === undefined ? null : round(value - start, 1)]
  }))
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!
}

const progressOut = process.stderr

/** Runs one load and returns its figures; prints a one-line progress ticker while it runs. */
export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const samples: number[] = []
  const samplesByStatus = new Map<number, number[]>()
  const cpuBefore = cpuProbe()
  const started = performance.now()
  let finish: (result: autocannon.Result) => void = () => {}
  let fail: (error: Error) => void = () => {}
  const finished = new Promise<autocannon.Result>((resolveRun, rejectRun) => { finish = resolveRun; fail = rejectRun })
  const instance = autocannon({
    title: spec.title,
    url: spec.url,
    connections: spec.connections,
    ...(spec.durationSeconds !== undefined ? { duration: spec.durationSeconds } : {}),
    ...(spec.amount !== undefined ? { amount: spec.amount } : {}),
    ...(spec.ratePerSecond !== undefined ? { overallRate: spec.ratePerSecond } : {}),
    ...(spec.method ? { method: spec.method } : {}),
    headers: { ...(spec.body !== undefined || spec.requests ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.requests
      ? {
          requests: spec.requests.map((request) => ({
            ...request,
            ...(spec.onReply && !request.onResponse ? { onResponse: (status: number, body: string) => spec.onReply!(status, body) } : {})
          }))
        }
      : spec.onReply
        ? { requests: [{ onResponse: (status: number, body: string) => spec.onReply!(status, body) }] }
        : {}),
    timeout: 10
  }, (error, result) => (error ? fail(error) : finish(result)))
  // @types/autocannon misdeclares these two events' arguments; the runtime passes what is used here.
  const events = instance as unknown as EventEmitter
  let seconds = 0
  events.on('tick', ({ counter }: { counter: number }) => {
    seconds += 1
    const line = `  … ${spec.title}: ${seconds}s, ${counter} req/s`
    if (progressOut.isTTY) progressOut.write(`\r${line.padEnd(78)}`)
    else if (seconds % 5 === 0) progressOut.write(`${line}\n`)
  })
  let lastReplyAt = started
  events.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    samples.push(responseTime)
    const ofStatus = samplesByStatus.get(status)
    if (ofStatus) ofStatus.push(responseTime)
    else samplesByStatus.set(status, [responseTime])
    lastReplyAt = performance.now()
  })
  const result = await finished
  if (progressOut.isTTY) progressOut.write(`\r${' '.repeat(78)}\r`)
  // Until the last reply, not until autocannon returns: with `amount` it returns on its next
  // one-second tick, which would round a 2.2 s run up to 3 s.
  const elapsedSeconds = (lastReplyAt - started) / 1000
  const cpuSeconds = cpuSpent(cpuBefore, cpuProbe())
  samples.sort((a, b) => a - b)
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, Number((stat as { count: number | string }).count)])
  )
  const requests = Object.values(statusCodes).reduce((sum, count) => sum + count, 0)
  return {
    title: spec.title,
    target: `${spec.method ?? spec.requests?.[0]?.method ?? 'GET'} ${new URL(spec.url).pathname}`,
    load: {
      connections: spec.connections,
      durationSeconds: spec.amount !== undefined ? null : (spec.durationSeconds ?? 10),
      amount: spec.amount ?? null,
      ratePerSecond: spec.ratePerSecond ?? null
    },
    requests,
    // Completed replies over the time to the last reply: with `amount`, autocannon's
    // per-second histogram is skewed by the last partial second.
    requestsPerSecond: round(requests / (spec.amount !== undefined ? elapsedSeconds : result.duration), 1),
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.average)
    },
    rawLatencyMs: { p50: round(percentile(samples, 0.5)), p99: round(percentile(samples, 0.99)) },
    rawLatencyByStatusMs: Object.fromEntries([...samplesByStatus].map(([status, values]) => {
      values.sort((a, b) => a - b)
      return [String(status), { count: values.length, p50: round(percentile(values, 0.5)), p99: round(percentile(values, 0.99)), max: round(values.at(-1) ?? 0) }]
    })),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    elapsedSeconds: round(elapsedSeconds, 1),
    cpuSeconds
  }
}

/** Runs loads at the same time (e.g. logins beside reads) and returns them in order. */
export function runTogether(specs: LoadSpec[]): Promise<LoadFigures[]> {
  return Promise.all(specs.map(runLoad))
}
