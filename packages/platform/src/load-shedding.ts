import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import { Type } from '@sinclair/typebox'
import { Counter } from 'prom-client'
import type { FastifyRequest } from 'fastify'
import { serviceUnavailable } from './errors.js'

/** The shedding thresholds every process reads (see .env.example); 0 turns a threshold off. */
export const LoadSheddingEnv = {
  /** Mean event-loop delay (ms, over one sample) above which requests are refused. */
  SHED_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 200 }),
  /** Event-loop utilisation (0–1, over one sample) above which requests are refused; 0: off. */
  SHED_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** V8 heap in use (bytes) above which requests are refused; 0: off. */
  SHED_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0 }),
  /** Resident set size (bytes) above which requests are refused; 0: off. */
  SHED_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0 }),
  /**
   * How often the figures are sampled (ms): shedding starts and stops at most this late. Well
   * above the delay monitor's 10 ms resolution: a sample without a reading counts as a stall.
   */
  SHED_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 10_000, default: 250 }),
  /** The Retry-After a refused client is given (seconds). */
  SHED_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, maximum: 3_600, default: 1 })
}

export interface LoadSheddingOptions {
  maxEventLoopDelayMs: number
  maxEventLoopUtilization: number
  maxHeapUsedBytes: number
  maxRssBytes: number
  sampleIntervalMs: number
  retryAfterSeconds: number
  /** Paths never refused (default `/health`: a process that sheds is alive, and says so). */
  exemptPaths?: readonly string[]
  /** Metric name prefix (the service's, e.g. `event_`): refusals are counted in its registry. */
  metricsPrefix?: string
}

export function loadSheddingFromEnv(env: {
  SHED_MAX_EVENT_LOOP_DELAY_MS: number
  SHED_MAX_EVENT_LOOP_UTILIZATION: number
  SHED_MAX_HEAP_USED_BYTES: number
  SHED_MAX_RSS_BYTES: number
  SHED_SAMPLE_INTERVAL_MS: number
  SHED_RETRY_AFTER_SECONDS: number
}): LoadSheddingOptions {
  return {
    maxEventLoopDelayMs: env.SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: env.SHED_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: env.SHED_MAX_HEAP_USED_BYTES,
    maxRssBytes: env.SHED_MAX_RSS_BYTES,
    sampleIntervalMs: env.SHED_SAMPLE_INTERVAL_MS,
    retryAfterSeconds: env.SHED_RETRY_AFTER_SECONDS
  }
}

/** What each under-pressure reason is called in the 503 and the metric. */
const REASONS: Record<string, string> = {
  eventLoopDelay: 'event loop delay',
  eventLoopUtilization: 'event loop utilisation',
  heapUsedBytes: 'heap',
  rssBytes: 'resident memory',
  healthCheck: 'health check'
}

const pathOf = (request: FastifyRequest) => {
  const query = request.url.indexOf('?')
  return query === -1 ? request.url : request.url.slice(0, query)
}

/**
 * Sheds load before the event loop stalls (@fastify/under-pressure, as fastify/demo uses it):
 * while a sampled figure is over its threshold every request is answered at once with 503
 * `OVERLOADED` + Retry-After as problem details — cheaper than queueing it behind work the
 * process cannot finish. The check itself is a few comparisons per request; the figures are
 * sampled on a timer. `/health` stays answered.
 */
export const loadSheddingPlugin = fp<LoadSheddingOptions>(
  async (app, options) => {
    const exempt = new Set(options.exemptPaths ?? ['/health'])
    // Made at the first refusal: this plugin is registered with the server, before the service's
    // metrics plugin has decorated it with its registry.
    let shed: Counter<'reason'> | undefined
    const countShed = (request: FastifyRequest, reason: string) => {
      const registry = request.server.metrics as typeof request.server.metrics | undefined
      if (!registry) return
      shed ??= new Counter({
        name: `${options.metricsPrefix ?? 'app_'}load_shed_total`,
        help: 'Requests refused with 503 OVERLOADED, by the threshold that was exceeded',
        labelNames: ['reason'],
        registers: [registry]
      })
      shed.inc({ reason })
    }
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      maxEventLoopUtilization: options.maxEventLoopUtilization,
      // Over the last sample, not since start-up (the plugin's default), so it recovers.
      eventLoopUtilizationMode: 'interval',
      maxHeapUsedBytes: options.maxHeapUsedBytes,
      maxRssBytes: options.maxRssBytes,
      sampleInterval: options.sampleIntervalMs,
      retryAfter: options.retryAfterSeconds,
      pressureHandler: async (request, _reply, type) => {
        if (exempt.has(pathOf(request))) return
        const reason = REASONS[type] ?? type
        countShed(request, reason)
        throw serviceUnavailable(`The server is overloaded (${reason}); retry shortly`, options.retryAfterSeconds, 'OVERLOADED')
      }
    })
  },
  { name: 'load-shedding', fastify: '5.x' }
)
