import fp from 'fastify-plugin'
import type { FastifyBaseLogger } from 'fastify'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * For gauges read from the database at scrape time: a read that fails (the database is
 * unreachable) keeps the gauge's last value, so one failing gauge does not turn the whole of
 * /metrics into an error just when on-call needs the rest of it.
 */
export async function readOrKeepLast(log: FastifyBaseLogger, what: string, read: () => Promise<void>): Promise<void> {
  try {
    await read()
  } catch (error) {
    log.warn({ err: error }, `metrics: could not read ${what}; keeping the last value`)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry
  }
}

/**
 * Prometheus metrics: requests by route, method and status, a latency histogram, and the
 * process defaults, in `app.metrics` — served as `/metrics` by the internal listener (admin.ts),
 * never on the public port. A registry per instance keeps tests independent.
 */
export const metricsPlugin = fp<{ prefix?: string }>(
  async (app, { prefix = 'app_' }) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix })
    const requests = new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry]
    })
    const latency = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request latency',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    })
    app.decorate('metrics', registry)

    // The labelled series per (route, method[, status]), looked up by one string key: prom-client
    // would otherwise hash a label object (sorting its keys) twice per request.
    const counters = new Map<string, Counter.Internal>()
    const timers = new Map<string, Histogram.Internal<'route' | 'method'>>()
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern, never the raw URL: ids in paths would explode the label set.
      const route = request.routeOptions.url ?? 'unmatched'
      const timerKey = `${request.method} ${route}`
      const counterKey = `${reply.statusCode} ${timerKey}`
      let counter = counters.get(counterKey)
      if (!counter) counters.set(counterKey, (counter = requests.labels({ route, method: request.method, status: reply.statusCode })))
      let timer = timers.get(timerKey)
      if (!timer) timers.set(timerKey, (timer = latency.labels({ route, method: request.method })))
      counter.inc()
      timer.observe(reply.elapsedTime / 1000)
      done()
    })
  },
  { name: 'metrics', fastify: '5.x' }
)
