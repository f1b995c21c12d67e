/**
 * What clients are built from, checked against the live system: the committed combined OpenAPI
 * document, the TypeScript types of `@app/client` and the Postman collection are exactly what
 * `npm run generate` makes from the gateway's /api-docs/json right now; the document follows the
 * conventions (README, "Contributing"); and Redocly's recommended rules find no error in it.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { REPO_ROOT } from '@app/platform'
import { buildArtifacts, committedArtifact, type Artifact } from '../../scripts/api-artifacts.js'
import { startE2eSystem, type E2eSystem } from './helpers.js'

let system: E2eSystem
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let document: any
before(async () => {
  system = await startE2eSystem()
  document = await (await fetch(`${system.url('gateway')}/api-docs/json`)).json()
})
after(() => system?.stopAll())

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch']
const operations = () =>
  Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => HTTP_METHODS.includes(method)).map(([method, operation]) => ({ path, method, operation }))
  )

test('docs/openapi.json, packages/client/src/schema.ts and docs/postman_collection.json are current (regenerate: npm run generate)', async () => {
  const artifacts = await buildArtifacts(document)
  for (const artifact of Object.keys(artifacts) as Artifact[]) {
    assert.ok(committedArtifact(artifact) === artifacts[artifact], `${artifact} is stale: run npm run generate`)
  }
})

test('conventions: OpenAPI 3.1, a unique operationId per operation, domain schemas as named components, no clash between the services', () => {
  assert.equal(document.openapi, '3.1.0')
  assert.doesNotMatch(document.info.description, /Incomplete/)
  const ids = operations().map(({ method, path, operation }) => (operation.operationId as string | undefined) ?? `${method} ${path}`)
  assert.ok(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id)), `operationIds: ${ids.join(', ')}`)
  assert.equal(new Set(ids).size, ids.length, 'unique')
  const schemas = Object.keys(document.components.schemas)
  for (const name of ['Event', 'EventInput', 'Reward', 'Claim', 'ClaimTransition', 'Condition', 'AttendanceCondition', 'QuestCondition', 'RewardContent', 'ItemReward', 'Problem', 'EventPage', 'ClaimPage', 'TokenPair', 'User']) {
    assert.ok(schemas.includes(name), `component ${name}`)
  }
  assert.deepEqual(schemas.filter((name) => /^(auth|event)_/.test(name)), [], 'no name two services use for different schemas')
  // Every request and response body is a named component (lists are pages; errors are Problem).
  for (const { method, path, operation } of operations()) {
    const bodies = [
      ...Object.values((operation.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content ?? {}),
      ...Object.values(operation.responses as Record<string, { content?: Record<string, { schema: unknown }> }>).flatMap((response) => Object.values(response.content ?? {}))
    ]
    for (const body of bodies) assert.match(JSON.stringify(body.schema), /^\{"\$ref":"#\/components\/schemas\/[A-Za-z]+"\}$/, `${method} ${path}`)
  }
})

test('security: login needs no token; refresh and logout take one optionally (the refresh token as Bearer); the rest need one', () => {
  const security = (method: string, path: string) => document.paths[path][method].security
  assert.deepEqual(security('post', '/auth/login'), [])
  assert.deepEqual(security('post', '/auth/refresh'), [{}, { bearerAuth: [] }])
  assert.deepEqual(security('post', '/auth/logout'), [{}, { bearerAuth: [] }])
  assert.deepEqual(security('post', '/auth/users'), [{}, { bearerAuth: [] }])
  assert.deepEqual(security('get', '/event-gateway/user-reward-claims/me'), [{ bearerAuth: [] }])
  const login = document.paths['/auth/login'].post.requestBody.content['application/json']
  assert.notEqual(login.example?.password ?? login.examples, 'change-me-admin-password', 'Swagger pre-fills a placeholder, not a credential')
  assert.doesNotMatch(JSON.stringify(document), /change-me-admin-password/)
})

test('each error status documents its own example', () => {
  const examples = new Map<string, Set<number>>()
  for (const { operation } of operations()) {
    for (const [status, response] of Object.entries(operation.responses as Record<string, { content?: Record<string, { example?: { status: number } }> }>)) {
      if (Number(status) < 400) continue
      const example = response.content?.['application/problem+json']?.example
      assert.ok(example, `a ${status} example`)
      assert.equal(example.status, Number(status))
      examples.set(status, (examples.get(status) ?? new Set()).add(example.status))
    }
  }
  assert.ok(examples.size >= 9, [...examples.keys()].join(', '))
})

test('Redocly lint (recommended rules) finds no error in the combined document', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'redocly-')), 'openapi.json')
  writeFileSync(file, JSON.stringify(document))
  const lint = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'redocly'), ['lint', file, '--extends', 'recommended', '--format', 'stylish'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 120_000
  })
  const output = `${lint.stdout}\n${lint.stderr}`
  console.log(`# redocly: ${output.split('\n').filter((line) => /error|warning|valid/i.test(line)).slice(-3).join(' | ')}`)
  assert.equal(lint.status, 0, output.slice(-3000))
})
