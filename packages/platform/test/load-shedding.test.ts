import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createAdminServer } from '../src/admin.js'
import { createServer, requestIdPlugin } from '../src/server.js'
import { errorHandlerPlugin } from '../src/errors.js'
import { healthPlugin } from '../src/health.js'
import { metricsPlugin } from '../src/metrics.js'
import { loadEnv } from '../src/env.js'
import { LoadSheddingEnv, loadSheddingFromEnv, type LoadSheddingOptions } from '../src/load-shedding.js'
import { listenOnFreePort } from '@app/devkit/testkit'

const OFF: LoadSheddingOptions = {
  maxEventLoopDelayMs: 0,
  maxEventLoopUtilization: 0,
  maxHeapUsedBytes: 0,
  maxRssBytes: 0,
  sampleIntervalMs: 10,
  retryAfterSeconds: 3
}

/** A service as the processes build it: createServer with shedding, then its plugins and a route. */
async function serviceWith(loadShedding: LoadSheddingOptions) {
  const app = createServer({ name: 'svc', logLevel: 'silent', bodyLimit: 2048, loadShedding })
  await app.register(requestIdPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(metricsPlugin, { prefix: 'svc_' })
  await app.register(healthPlugin, { checks: {} })
  app.get('/work', async () => ({ done: true }))
  const admin = createAdminServer({ service: app, name: 'svc-admin', logLevel: 'silent', bodyLimit: 2048 })
  const base = await listenOnFreePort(app)
  const adminBase = await listenOnFreePort(admin)
  return {
    app,
    base,
    adminBase,
    async stop() {
      await admin.close()
      await app.close()
    }
  }
}

/** Until the sampler has seen the figure over its threshold (a sample every 10 ms). */
async function underPressure(app: { isUnderPressure(): boolean }) {
  for (let i = 0; i < 100 && !app.isUnderPressure(); i += 1) await sleep(10)
  assert.ok(app.isUnderPressure(), 'the forced threshold took effect')
}

test('over a threshold (heap forced to 1 byte): 503 OVERLOADED problem details + Retry-After at once; /health and the internal listener still answer', async () => {
  const service = await serviceWith({ ...OFF, maxHeapUsedBytes: 1 })
  try {
    await underPressure(service.app)
    const started = performance.now()
    const refused = await fetch(`${service.base}/work`, { headers: { 'x-request-id': 'shed-1' } })
    const elapsed = performance.now() - started
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '3')
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/)
    const body = (await refused.json()) as Record<string, unknown>
    assert.deepEqual(body, {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The server is overloaded (heap); retry shortly',
      instance: '/work',
      requestId: 'shed-1',
      code: 'OVERLOADED'
    })
    assert.ok(elapsed < 200, `refused in ${elapsed} ms`)

    assert.equal((await fetch(`${service.base}/health`)).status, 200, 'liveness is exempt')
    assert.equal((await fetch(`${service.base}/health?probe=1`)).status, 200, 'with a query too')
    const metrics = await fetch(`${service.adminBase}/metrics`)
    assert.equal(metrics.status, 200, 'the internal listener does not shed')
    assert.match(await metrics.text(), /^svc_load_shed_total\{reason="heap"\} 1$/m)
  } finally {
    await service.stop()
  }
})

test('RSS forced over its threshold names the reason; thresholds off: nothing is refused', async () => {
  const rss = await serviceWith({ ...OFF, maxRssBytes: 1 })
  try {
    await underPressure(rss.app)
    const refused = await fetch(`${rss.base}/work`)
    assert.equal(refused.status, 503)
    assert.equal(((await refused.json()) as { detail: string }).detail, 'The server is overloaded (resident memory); retry shortly')
  } finally {
    await rss.stop()
  }
  const relaxed = await serviceWith({ ...OFF, sampleIntervalMs: 50, maxEventLoopDelayMs: 10_000, maxHeapUsedBytes: 64 * 1024 ** 3 })
  try {
    await sleep(200)
    assert.equal(relaxed.app.isUnderPressure(), false)
    assert.equal((await fetch(`${relaxed.base}/work`)).status, 200)
  } finally {
    await relaxed.stop()
  }
})

test('the thresholds come from SHED_* variables (0 turns one off)', () => {
  const env = loadEnv(LoadSheddingEnv, { SHED_MAX_EVENT_LOOP_DELAY_MS: '150', SHED_MAX_RSS_BYTES: '500000000', SHED_RETRY_AFTER_SECONDS: '2' })
  assert.deepEqual(loadSheddingFromEnv(env), {
    maxEventLoopDelayMs: 150,
    maxEventLoopUtilization: 0,
    maxHeapUsedBytes: 0,
    maxRssBytes: 500_000_000,
    sampleIntervalMs: 250,
    retryAfterSeconds: 2
  })
  assert.throws(() => loadEnv(LoadSheddingEnv, { SHED_MAX_EVENT_LOOP_UTILIZATION: '1.5' }), /SHED_MAX_EVENT_LOOP_UTILIZATION/)
})
