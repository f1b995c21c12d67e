import fp from 'fastify-plugin'
import CircuitBreaker from 'opossum'
import { Counter, Gauge } from 'prom-client'
import type { BreakerSettings, UpstreamName } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    breakers: Record<UpstreamName, UpstreamBreaker>
  }
}

/** One exchange with an upstream: resolves when it answered below 500, rejects otherwise. */
export type UpstreamAttempt = () => Promise<void>

export interface UpstreamBreaker {
  /** Runs the attempt, or rejects at once without running it while the breaker is open. */
  run(attempt: UpstreamAttempt): Promise<void>
  /** Whole seconds until the breaker lets a trial request through (at least 1). */
  retryAfterSeconds(): number
}

/** The breaker refused to run the attempt (open, or shut down while the gateway closes). */
export function isBreakerRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'EOPENBREAKER' || code === 'ESHUTDOWN'
}

const STATE = { closed: 0, halfOpen: 1, open: 2 } as const

export interface BreakersOptions {
  upstreams: readonly UpstreamName[]
  settings: BreakerSettings
}

/**
 * One opossum breaker per upstream, fed by the proxy: connection errors, timeouts and 5xx are
 * failures, 4xx are the caller's business. State changes are logged and exported as metrics.
 */
export const breakersPlugin = fp<BreakersOptions>(
  async (app, { upstreams, settings }) => {
    const state = new Gauge({
      name: 'gateway_upstream_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers: [app.metrics]
    })
    const opened = new Counter({
      name: 'gateway_upstream_breaker_opened_total',
      help: 'Times the circuit breaker of an upstream opened',
      labelNames: ['upstream'],
      registers: [app.metrics]
    })
    const refused = new Counter({
      name: 'gateway_upstream_breaker_refused_total',
      help: 'Requests answered 503 at once because the breaker of their upstream was open',
      labelNames: ['upstream'],
      registers: [app.metrics]
    })

    const breakers = {} as Record<UpstreamName, UpstreamBreaker>
    for (const upstream of upstreams) {
      const breaker = new CircuitBreaker((attempt: UpstreamAttempt) => attempt(), {
        name: upstream,
        // The proxy's own timeout aborts the upstream request; opossum's would only stop waiting.
        timeout: false,
        errorThresholdPercentage: settings.errorThresholdPercentage,
        resetTimeout: settings.resetTimeoutMs,
        volumeThreshold: settings.volumeThreshold
      })
      let openedAt = 0
      const log = app.log.child({ upstream })
      state.set({ upstream }, STATE.closed)
      opened.inc({ upstream }, 0)
      refused.inc({ upstream }, 0)

      breaker.on('open', () => {
        openedAt = Date.now()
        state.set({ upstream }, STATE.open)
        opened.inc({ upstream })
        log.warn({ resetTimeoutMs: settings.resetTimeoutMs }, 'circuit breaker opened: requests to this upstream are refused')
      })
      breaker.on('halfOpen', () => {
        state.set({ upstream }, STATE.halfOpen)
        log.info('circuit breaker half-open: letting one trial request through')
      })
      breaker.on('close', () => {
        state.set({ upstream }, STATE.closed)
        log.info('circuit breaker closed: upstream healthy again')
      })
      breaker.on('reject', () => refused.inc({ upstream }))

      breakers[upstream] = {
        run: (attempt) => breaker.fire(attempt),
        retryAfterSeconds: () =>
          breaker.opened ? Math.max(1, Math.ceil((openedAt + settings.resetTimeoutMs - Date.now()) / 1000)) : 1
      }
      // Its rolling-window and reset timers would otherwise keep the process alive.
      app.addHook('onClose', async () => breaker.shutdown())
    }
    app.decorate('breakers', breakers)
  },
  { name: 'breakers', dependencies: ['metrics'], fastify: '5.x' }
)
