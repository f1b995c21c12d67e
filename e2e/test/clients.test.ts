/**
 * Clients generated from the gateway's combined OpenAPI document run the seed's scenario against
 * the real system: the committed TypeScript client (`@app/client`: openapi-typescript types under
 * openapi-fetch, type-checked with the rest), and a Python client that openapi-python-client
 * generates from the live document, in a throw-away virtualenv (like the fuzzer's).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createApiClient, type Schemas } from '@app/client'
import { REPO_ROOT } from '@app/platform'
import { ADMIN, startE2eSystem, type E2eSystem } from './helpers.js'

let system: E2eSystem
let gateway = ''
before(async () => {
  system = await startE2eSystem()
  gateway = system.url('gateway')
})
after(() => system?.stopAll())

const DAY_MS = 24 * 60 * 60 * 1000
const run = () => randomBytes(4).toString('hex')

test('TypeScript (@app/client, openapi-fetch): the seed scenario, a 409 read as a Problem', async () => {
  let token: string | undefined
  const api = createApiClient(gateway, { token: () => token })
  const logIn = async (email: string, password: string) => {
    const { data, error } = await api.POST('/auth/login', { body: { email, password } })
    assert.ok(data, JSON.stringify(error))
    return data.accessToken
  }
  const adminToken = await logIn(ADMIN.email, ADMIN.password)
  const player = { email: `ts-${run()}@example.com`, password: 'typescript-password' }
  const signUp = await api.POST('/auth/users', { body: player })
  assert.equal(signUp.response.status, 201)
  const playerId = signUp.data!.id

  token = adminToken
  const body: Schemas['EventInput'] = {
    name: '이벤트1', activate: true, description: '이벤트입니다', requireApproval: true,
    startedAt: new Date(Date.now() - DAY_MS).toISOString(), endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString(),
    contents: [{ type: 'attendance', count: 1 }]
  }
  const event = await api.POST('/event-gateway/event', { body })
  assert.equal(event.response.status, 201, JSON.stringify(event.error))
  const reward = await api.POST('/event-gateway/rewards', { body: { eventId: event.data!.id, contents: [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }] } })
  assert.equal(reward.response.status, 201)
  const progress = await api.POST('/event-gateway/user-events/process', {
    body: { eventType: 'attendance', userId: playerId, count: 1 },
    params: { header: { 'idempotency-key': `ts-${run()}` } }
  })
  // Other tests' attendance events may count it too.
  assert.ok(progress.data?.updates.some((update) => update.eventId === event.data!.id))

  token = await logIn(player.email, player.password)
  const claim = await api.POST('/event-gateway/user-reward-claims', { body: { rewardsId: reward.data!.id } })
  assert.equal(claim.data?.status, 'pending')
  const mine = await api.GET('/event-gateway/user-reward-claims/me')
  assert.deepEqual(mine.data?.items.map((item) => item.id), [claim.data!.id])

  token = adminToken
  const approved = await api.PATCH('/event-gateway/user-reward-claims/{id}/approve', { params: { path: { id: claim.data!.id } } })
  assert.equal(approved.data?.status, 'completed')

  token = await logIn(player.email, player.password)
  const detail = await api.GET('/event-gateway/user-reward-claims/{id}', { params: { path: { id: claim.data!.id } } })
  assert.deepEqual(detail.data?.transitions.map((step) => [step.from, step.to]), [[null, 'pending'], ['pending', 'processing'], ['processing', 'completed']])

  const again = await api.POST('/event-gateway/user-reward-claims', { body: { rewardsId: reward.data!.id } })
  assert.equal(again.response.status, 409)
  const problem: Schemas['Problem'] | undefined = again.error
  assert.equal(problem?.code, 'ALREADY_CLAIMED')
  assert.equal(problem?.claimId, claim.data!.id)
  assert.equal(problem?.requestId, again.response.headers.get('x-request-id'))
})

/** A virtualenv with openapi-python-client and ruff, made once per requirements (kept in the temp folder). */
function pythonClientTools(): string {
  const requirements = join(REPO_ROOT, 'e2e', 'clients', 'requirements.txt')
  const digest = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12)
  const venv = join(tmpdir(), `openapi-python-client-${digest}`)
  if (!existsSync(join(venv, 'bin', 'openapi-python-client'))) {
    for (const [command, args] of [
      ['python3', ['-m', 'venv', venv]],
      [join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', '-r', requirements]]
    ] as const) {
      const done = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 })
      assert.equal(done.status, 0, `${command} ${args.join(' ')}: ${done.stderr}`)
    }
  }
  return venv
}

test('Python (openapi-python-client, generated from the live document): the seed scenario, a 409 read as a Problem', async () => {
  const venv = pythonClientTools()
  const work = join(tmpdir(), `python-client-${run()}`)
  mkdirSync(work, { recursive: true })
  const document = join(work, 'openapi.json')
  writeFileSync(document, await (await fetch(`${gateway}/api-docs/json`)).text())
  const env = { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}` }
  const generated = spawnSync(
    join(venv, 'bin', 'openapi-python-client'),
    ['generate', '--path', document, '--output-path', join(work, 'client'), '--config', join(REPO_ROOT, 'e2e', 'clients', 'python-config.yaml')],
    { encoding: 'utf8', env, timeout: 120_000 }
  )
  assert.equal(generated.status, 0, generated.stdout + generated.stderr)
  assert.doesNotMatch(generated.stdout + generated.stderr, /Warning|missing/i, 'generated whole')

  const seed = spawnSync(join(venv, 'bin', 'python'), [join(REPO_ROOT, 'e2e', 'clients', 'python_seed.py')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...env, PYTHONPATH: join(work, 'client'), BASE_URL: gateway, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RUN_ID: run() }
  })
  assert.equal(seed.status, 0, seed.stdout + seed.stderr)
  const outcome = JSON.parse(seed.stdout.trim().split('\n').at(-1)!)
  assert.equal(outcome.approved, 'completed')
  assert.deepEqual(outcome.trail, [[null, 'pending'], ['pending', 'processing'], ['processing', 'completed']])
  assert.equal(outcome.conflict, 'ALREADY_CLAIMED')
  assert.ok(outcome.progress.includes(outcome.event))
})
