import fp from 'fastify-plugin'
import CircuitBreaker from 'opossum'
import { Counter, Gauge } from 'prom-client'
import type { BreakerSettings, UpstreamName } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Per upstream: its instances, each with a breaker of its own. */
    upstreamPools: Record<UpstreamName, UpstreamPool>
  }
}

/** One exchange with an upstream instance: resolves when it answered below 500, rejects otherwise. */
export type UpstreamAttempt = () => Promise<void>

export type BreakerState = 'closed' | 'halfOpen' | 'open'

export interface UpstreamInstance {
  /** The instance's origin, e.g. `http://event-1:3002`. */
  readonly url: string
  /** Runs the attempt, or rejects at once without running it while the breaker is open. */
  run(attempt: UpstreamAttempt): Promise<void>
  state(): BreakerState
  /** Exchanges in flight right now (what least-outstanding balancing compares). */
  outstanding(): number
  /** Whole seconds until the breaker lets a trial request through (at least 1). */
  retryAfterSeconds(): number
  /**
   * What the instance last answered: a 503 with Retry-After (it sheds load, or its password-hash
   * queue is full) → prefer the others for that long (its breaker is not fed, see
   * `countsAsFailure`); any other answer (`undefined`) → it takes its share again.
   */
  answered(retryAfterSeconds: number | undefined): void
  /** Is the instance inside such a Retry-After? */
  isShedding(): boolean
}

export interface UpstreamPool {
  readonly name: UpstreamName
  readonly instances: readonly UpstreamInstance[]
  /**
   * The instance the next exchange should go to, none of `tried`: a closed breaker before a
   * half-open one (which admits a single trial), one not shedding load before one that is, the
   * fewest exchanges in flight, ties broken in turn so equal instances share the load. Open
   * breakers are skipped; none left → undefined.
   */
  pick(tried?: ReadonlySet<UpstreamInstance>): UpstreamInstance | undefined
  /** All instances refuse (open): seconds until the first trial. */
  retryAfterSeconds(): number
  /** Counts a request answered 503 because no instance would take it. */
  refused(): void
}

/** The breaker refused to run the attempt (open, or shut down while the gateway closes). */
export function isBreakerRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'EOPENBREAKER' || code === 'ESHUTDOWN'
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 }
/**
 * A Retry-After longer than this is not believed for balancing: an instance that sheds answers
 * fast, so without the mark it would have the fewest in flight and draw most of the traffic.
 */
const MAX_SHEDDING_MS = 30_000
/** Ranks in `pick`: a half-open breaker after any shedding instance, which is after any healthy one. */
const SHEDDING_RANK = 1e6
const HALF_OPEN_RANK = 1e9

export interface BreakersOptions {
  upstreams: Readonly<Record<UpstreamName, readonly string[]>>
  settings: BreakerSettings
}

/**
 * One opossum breaker per upstream instance, fed by the proxy: connection errors, timeouts and
 * 5xx are failures, 4xx are the caller's business. State changes are logged and exported as
 * metrics labelled by upstream and instance.
 */
export const breakersPlugin = fp<BreakersOptions>(
  async (app, { upstreams, settings }) => {
    const labelNames = ['upstream', 'instance'] as const
    const stateGauge = new Gauge({
      name: 'gateway_upstream_breaker_state',
      help: 'Circuit breaker state per upstream instance: 0 closed, 1 half-open, 2 open',
      labelNames,
      registers: [app.metrics]
    })
    const opened = new Counter({
      name: 'gateway_upstream_breaker_opened_total',
      help: 'Times the circuit breaker of an upstream instance opened',
      labelNames,
      registers: [app.metrics]
    })
    const refused = new Counter({
      name: 'gateway_upstream_breaker_refused_total',
      help: 'Requests answered 503 at once because the breaker of every instance of their upstream was open',
      labelNames: ['upstream'],
      registers: [app.metrics]
    })
    // Read at scrape time: setting it twice per exchange hashed its labels twice per request.
    const inFlight = new Gauge({
      name: 'gateway_upstream_outstanding',
      help: 'Exchanges in flight per upstream instance',
      labelNames,
      registers: [app.metrics],
      collect() {
        for (const pool of Object.values(pools)) {
          for (const instance of pool.instances) this.set({ upstream: pool.name, instance: instance.url }, instance.outstanding())
        }
      }
    })

    const pools = {} as Record<UpstreamName, UpstreamPool>
    for (const [upstream, urls] of Object.entries(upstreams) as Array<[UpstreamName, readonly string[]]>) {
      const instances = urls.map((url) => {
        const labels = { upstream, instance: url }
        const breaker = new CircuitBreaker((attempt: UpstreamAttempt) => attempt(), {
          name: `${upstream} ${url}`,
          // The proxy's own timeout aborts the upstream request; opossum's would only stop waiting.
          timeout: false,
          errorThresholdPercentage: settings.errorThresholdPercentage,
          resetTimeout: settings.resetTimeoutMs,
          volumeThreshold: settings.volumeThreshold,
          // Only fires and failures decide; with these on (opossum's defaults) every success kept
          // its latency and a timer concatenated and sorted the whole 10 s window each second —
          // ≈ 150,000 numbers at full load, a 16–24 ms stall of the event loop every second.
          rollingPercentilesEnabled: false,
          enableSnapshots: false
        })
        let openedAt = 0
        let outstanding = 0
        let sheddingUntil = 0
        const log = app.log.child(labels)
        stateGauge.set(labels, STATE_VALUE.closed)
        opened.inc(labels, 0)

        breaker.on('open', () => {
          openedAt = Date.now()
          stateGauge.set(labels, STATE_VALUE.open)
          opened.inc(labels)
          log.warn({ resetTimeoutMs: settings.resetTimeoutMs }, 'circuit breaker opened: requests to this instance are refused')
        })
        breaker.on('halfOpen', () => {
          stateGauge.set(labels, STATE_VALUE.halfOpen)
          log.info('circuit breaker half-open: letting one trial request through')
        })
        breaker.on('close', () => {
          stateGauge.set(labels, STATE_VALUE.closed)
          log.info('circuit breaker closed: instance healthy again')
        })
        // Its rolling-window and reset timers would otherwise keep the process alive.
        app.addHook('onClose', async () => breaker.shutdown())

        const instance: UpstreamInstance = {
          url,
          run: async (attempt) => {
            outstanding += 1
            try {
              await breaker.fire(attempt)
            } finally {
              outstanding -= 1
            }
          },
          state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed'),
          outstanding: () => outstanding,
          retryAfterSeconds: () =>
            breaker.opened ? Math.max(1, Math.ceil((openedAt + settings.resetTimeoutMs - Date.now()) / 1000)) : 1,
          answered: (retryAfterSeconds) => {
            if (retryAfterSeconds === undefined) {
              sheddingUntil = 0
              return
            }
            const seconds = Number.isFinite(retryAfterSeconds) ? Math.max(1, retryAfterSeconds) : 1
            sheddingUntil = Date.now() + Math.min(seconds * 1000, MAX_SHEDDING_MS)
          },
          isShedding: () => sheddingUntil > Date.now()
        }
        return instance
      })

      let turn = 0
      refused.inc({ upstream }, 0)
      pools[upstream] = {
        name: upstream,
        instances,
        pick(tried) {
          let best: UpstreamInstance | undefined
          let bestRank = Infinity
          // Start one further each call: among equals, the first seen wins, so the turn rotates.
          turn = (turn + 1) % instances.length
          for (let offset = 0; offset < instances.length; offset += 1) {
            const candidate = instances[(turn + offset) % instances.length]!
            if (tried?.has(candidate)) continue
            const state = candidate.state()
            if (state === 'open') continue
            const rank = (state === 'halfOpen' ? HALF_OPEN_RANK : 0) + (candidate.isShedding() ? SHEDDING_RANK : 0) + candidate.outstanding()
            if (rank < bestRank) {
              best = candidate
              bestRank = rank
            }
          }
          return best
        },
        retryAfterSeconds: () => Math.min(...instances.map((instance) => instance.retryAfterSeconds())),
        refused: () => refused.inc({ upstream })
      }
    }
    app.decorate('upstreamPools', pools)
  },
  { name: 'breakers', dependencies: ['metrics'], fastify: '5.x' }
)
