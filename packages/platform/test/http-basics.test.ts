import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Type } from '@sinclair/typebox'
import { createAdminServer } from '../src/admin.js'
import { createServer, requestIdPlugin } from '../src/server.js'
import { errorHandlerPlugin, conflict } from '../src/errors.js'
import { healthPlugin } from '../src/health.js'
import { metricsPlugin } from '../src/metrics.js'
import { jsonOf, listenOnFreePort } from '@app/devkit/testkit'

const app = createServer({ name: 'test', logLevel: 'silent', bodyLimit: 2048 })
const admin = createAdminServer({ service: app, name: 'test-admin', logLevel: 'silent', bodyLimit: 2048 })
let base = ''
let adminBase = ''
let dependencyUp = true

before(async () => {
  await app.register(requestIdPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(metricsPlugin)
  await app.register(healthPlugin, {
    checks: { dependency: async () => { if (!dependencyUp) throw new Error('down') } }
  })
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer() }, { additionalProperties: false })
      }
    },
    async (request) => request.body
  )
  app.get('/conflict', async () => { throw conflict('already there', 'DUPLICATE') })
  app.get('/boom', async () => { throw new Error('secret internals at /srv/app.js:12') })
  base = await listenOnFreePort(app)
  adminBase = await listenOnFreePort(admin)
})
after(async () => {
  await admin.close()
  await app.close()
})

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

test('validation errors are problem details naming the field', async () => {
  const response = await post(JSON.stringify({ name: 'a', count: 'many' }))
  assert.equal(response.status, 400)
  assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/)
  const body = await jsonOf(response)
  assert.equal(body.code, 'VALIDATION_FAILED')
  assert.equal(body.errors[0].field, 'body.count')
  assert.equal(body.requestId, response.headers.get('x-request-id'))
})

test('an unknown field is refused, not silently dropped', async () => {
  const response = await post(JSON.stringify({ name: 'a', count: 1, role: 'ADMIN' }))
  assert.equal(response.status, 400)
  assert.equal((await jsonOf(response)).errors[0].field, 'body.role')
})

test('an operator object where a string belongs is a 400', async () => {
  const response = await post(JSON.stringify({ name: { $ne: null }, count: 1 }))
  assert.equal(response.status, 400)
})

test('malformed JSON is a 400 that says so', async () => {
  const response = await post('{"name": "a",')
  assert.equal(response.status, 400)
  assert.equal((await jsonOf(response)).detail, 'Malformed JSON body')
})

test('an oversized body is a 413', async () => {
  const response = await post(JSON.stringify({ name: 'x'.repeat(4096), count: 1 }))
  assert.equal(response.status, 413)
  assert.equal((await jsonOf(response)).status, 413)
})

test('a deliberate problem keeps its status and code', async () => {
  const response = await fetch(`${base}/conflict`)
  assert.equal(response.status, 409)
  const body = await jsonOf(response)
  assert.equal(body.code, 'DUPLICATE')
  assert.equal(body.detail, 'already there')
})

test('an unexpected error is a 500 without internals or a stack', async () => {
  const response = await fetch(`${base}/boom`)
  assert.equal(response.status, 500)
  const text = await response.text()
  assert.doesNotMatch(text, /secret internals|\/srv\/app\.js|at /)
})

test('an unknown route is a JSON 404', async () => {
  const response = await fetch(`${base}/nope`)
  assert.equal(response.status, 404)
  assert.equal((await jsonOf(response)).code, 'ROUTE_NOT_FOUND')
})

test('a safe incoming request id is echoed, an unsafe one replaced', async () => {
  const kept = await fetch(`${base}/health`, { headers: { 'x-request-id': 'trace-abc_123' } })
  assert.equal(kept.headers.get('x-request-id'), 'trace-abc_123')
  const replaced = await fetch(`${base}/health`, { headers: { 'x-request-id': 'evil\tid with spaces' } })
  assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
})

test('/ready (internal listener) follows its checks', async () => {
  assert.equal((await fetch(`${adminBase}/ready`)).status, 200)
  dependencyUp = false
  const down = await fetch(`${adminBase}/ready`)
  assert.equal(down.status, 503)
  assert.equal(down.headers.get('retry-after'), '1')
  assert.deepEqual((await jsonOf(down)).checks, { dependency: 'down' })
  dependencyUp = true
})

test('/metrics and /ready are served by the internal listener only: 404 on the public port', async () => {
  for (const path of ['/metrics', '/ready']) {
    const response = await fetch(`${base}${path}`)
    assert.equal(response.status, 404, path)
    assert.equal((await jsonOf(response)).code, 'ROUTE_NOT_FOUND')
  }
  assert.equal((await fetch(`${adminBase}/health`)).status, 404, '/health is the public port\'s')
})

test('/metrics (internal listener) counts the public port\'s requests by route pattern', async () => {
  const text = await (await fetch(`${adminBase}/metrics`)).text()
  assert.match(text, /app_http_requests_total\{route="\/things",method="POST",status="400"\} \d+/)
  assert.match(text, /app_http_request_duration_seconds_bucket/)
})
