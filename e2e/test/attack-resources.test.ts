/**
 * OWASP API4 (unrestricted resource consumption), part one: what one request can ask for.
 * Oversized bodies (declared, chunked, and plain too large) are a 413; page sizes above the
 * maximum, deeply nested JSON, over-long strings, over-long arrays and out-of-range numbers are
 * a 400 — each within a second, through the gateway and at each service — and afterwards every
 * process is alive and answers at once. Rate limits and login throttling are in
 * attack-throttle.test.ts, which needs small limits of its own.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { createSuiteTally } from './suite-tally.js'
import {
  NO_SUCH_ID,
  assertProblem,
  assertUnchanged,
  openWindow,
  startAttackSystem,
  type AttackSystem,
  type Call,
  type Caller,
  type Reply
} from './attack-kit.js'

const tally = createSuiteTally('attack: API4 resource consumption')
/** The default (BODY_LIMIT unset): what production runs with. */
const BODY_LIMIT = 1024 * 1024
/**
 * A refusal that takes longer than this is itself a resource problem (a stack-deep parse or a
 * backtracking pattern takes seconds to minutes); generous enough for a busy CI machine.
 */
const PROMPT_MS = 2_000

let attack: AttackSystem
const fixture = { eventId: '', claimId: '' }

before(async () => {
  attack = await startAttackSystem()
  const event = await attack.gateway('POST', '/event-gateway/event', {
    token: attack.actors.OPERATOR.accessToken,
    body: { name: 'resources', ...openWindow(), requireApproval: true, contents: [{ type: 'attendance', count: 1 }] }
  })
  assert.equal(event.status, 201, event.text)
  fixture.eventId = event.body.id
})
after(() => attack?.stop())

/** Both ways in: the gateway path, and the owning service with its own path. */
function bothWays(path: string): Array<{ via: string; call: Call; path: string }> {
  return [
    { via: 'gateway', call: attack.gateway, path },
    path.startsWith('/event-gateway/')
      ? { via: 'event', call: attack.event, path: path.slice('/event-gateway'.length) }
      : { via: 'auth', call: attack.auth, path }
  ]
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: performance.now() - started }
}

/**
 * Sends the headers of a request declaring `declaredBytes` of body and only its first kilobyte,
 * then waits: the answer must not depend on the rest arriving. (Sending a whole oversized body
 * with fetch races the server's hang-up: the client then sees EPIPE instead of the 413.)
 */
function declaredBody(baseUrl: string, method: string, path: string, declaredBytes: number, headers: Record<string, string> = {}): Promise<Reply> {
  const base = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({
      host: base.hostname, port: base.port, method, path,
      headers: { 'content-type': 'application/json', 'content-length': String(declaredBytes), ...headers }
    }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        const replyHeaders = new Headers()
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') replyHeaders.set(name, value)
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode ?? 0, headers: replyHeaders, text, body })
        outgoing.destroy()
      })
    })
    outgoing.on('error', (error) => setTimeout(() => reject(error), 2_000).unref())
    outgoing.write(`{"name":"${'x'.repeat(1024)}`)
  })
}

/** Every route that takes a body, with a caller the route admits (so the body is read at all). */
const BODY_ROUTES: Array<[string, string, Caller]> = [
  ['POST', '/auth/users', 'anonymous'],
  ['POST', '/auth/login', 'anonymous'],
  ['POST', '/auth/refresh', 'anonymous'],
  ['POST', '/auth/logout', 'anonymous'],
  ['PATCH', `/auth/users/${NO_SUCH_ID}/roles`, 'ADMIN'],
  ['PATCH', `/auth/users/${NO_SUCH_ID}/status`, 'ADMIN'],
  ['PATCH', `/auth/users/${NO_SUCH_ID}/tags`, 'OPERATOR'],
  ['POST', '/auth/users/tags', 'OPERATOR'],
  ['POST', '/event-gateway/event', 'OPERATOR'],
  ['PATCH', `/event-gateway/event/${NO_SUCH_ID}`, 'OPERATOR'],
  ['POST', '/event-gateway/rewards', 'OPERATOR'],
  ['POST', '/event-gateway/user-events/process', 'SERVICE'],
  ['POST', '/event-gateway/user-events/check-in', 'USER'],
  ['POST', '/event-gateway/user-reward-claims', 'USER'],
  ['PATCH', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/approve`, 'OPERATOR'],
  ['PATCH', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/reject`, 'OPERATOR'],
  ['PATCH', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/resolve`, 'OPERATOR'],
  ['POST', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/delivery`, 'DELIVERY'],
  ['PATCH', '/event-gateway/delivery', 'ADMIN']
]

const LIST_ROUTES = [
  '/event-gateway/event',
  '/event-gateway/rewards',
  '/event-gateway/user-events',
  '/event-gateway/user-reward-claims',
  '/event-gateway/user-reward-claims/me',
  '/auth/audit',
  '/auth/users'
]

describe('API4: one request asking for too much', () => {
  test('bodies over BODY_LIMIT are a 413 at every body route, declared or chunked', async () => {
    const before = await attack.snapshot()
    const oversized = BODY_LIMIT + 1024
    for (const [method, path, caller] of BODY_ROUTES) {
      for (const { via, path: target } of bothWays(path)) {
        const token = attack.token(caller)
        await tally.check(`${method} ${path} (${via}): ${oversized} bytes declared → 413`, async () => {
          const base = attack.system.url(via === 'gateway' ? 'gateway' : via === 'auth' ? 'auth' : 'event')
          const { value: reply, ms } = await timed(() => declaredBody(base, method, target, oversized, token ? { authorization: `Bearer ${token}` } : {}))
          assertProblem(reply, 413, `${method} ${path} (${via})`, 'FST_ERR_CTP_BODY_TOO_LARGE')
          assert.ok(ms < PROMPT_MS, `took ${Math.round(ms)} ms`)
        })
      }
    }
    for (const { via, path } of bothWays('/event-gateway/event')) {
      await tally.check(`chunked body without a length (${via}) → 413`, async () => {
        const base = new URL(attack.system.url(via === 'gateway' ? 'gateway' : 'event'))
        const status = await new Promise<number>((resolve, reject) => {
          const outgoing = httpRequest({
            host: base.hostname, port: base.port, method: 'POST', path,
            headers: { authorization: `Bearer ${attack.actors.OPERATOR.accessToken}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }
          }, (response) => {
            response.resume()
            resolve(response.statusCode ?? 0)
            outgoing.destroy()
          })
          // Just past the limit, then stop and wait: the answer must come without the body ever
          // ending. (A client still writing when the server hangs up sees EPIPE, so an error only
          // counts when no answer follows it.)
          outgoing.on('error', (error) => setTimeout(() => reject(error), 2_000).unref())
          outgoing.write('{"name":[')
          const chunk = `"${'y'.repeat(4096)}",`
          let sent = 0
          const pump = () => {
            while (sent <= BODY_LIMIT) {
              sent += chunk.length
              if (!outgoing.write(chunk)) return void outgoing.once('drain', pump)
            }
          }
          pump()
        })
        assert.equal(status, 413)
      })
    }
    for (const { via, path } of bothWays('/auth/login')) {
      await tally.check(`a declared 5 MB body is turned away before it is sent (${via})`, async () => {
        const base = attack.system.url(via === 'gateway' ? 'gateway' : 'auth')
        const { value: reply, ms } = await timed(() => declaredBody(base, 'POST', path, 5 * 1024 * 1024))
        assertProblem(reply, 413, `5 MB (${via})`)
        assert.ok(ms < PROMPT_MS, `took ${Math.round(ms)} ms`)
      })
    }
    await tally.check('oversized bodies stored nothing', () => assertUnchanged(attack, before, '413s'))
  })

  test('page sizes above the maximum (and other bad limits) are a 400; the maximum itself is fine', async () => {
    for (const path of LIST_ROUTES) {
      for (const { via, call, path: target } of bothWays(path)) {
        for (const limit of ['101', '1000000', '9007199254740993', '0', '-1', '1.5', 'abc', '1e3', '']) {
          await tally.check(`${path}?limit=${limit} (${via}) → 400`, async () => {
            assertProblem(await call('GET', `${target}?limit=${encodeURIComponent(limit)}`, { token: attack.actors.ADMIN.accessToken }), 400, `${path} limit=${limit}`, 'VALIDATION_FAILED')
          })
        }
        await tally.check(`${path}?limit=100 (${via}) → 200`, async () => {
          const reply = await call('GET', `${target}?limit=100`, { token: attack.actors.ADMIN.accessToken })
          assert.equal(reply.status, 200, reply.text)
        })
        await tally.check(`${path} with a 10 KB cursor (${via}) → 400`, async () => {
          assertProblem(await call('GET', `${target}?cursor=${'A'.repeat(10_000)}`, { token: attack.actors.ADMIN.accessToken }), 400, `${path} cursor`)
        })
      }
    }
  })

  test('deeply nested JSON is a 400, promptly, and the process keeps answering', async () => {
    // As deep as fits in the body limit: a recursive parser or validator would overflow its stack.
    const depth = 160_000
    const shapes: Array<[string, string]> = [
      ['nested arrays', `${'['.repeat(depth)}${']'.repeat(depth)}`],
      ['nested objects', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
      ['nested in a field', `{"name":"x","description":${'['.repeat(depth)}${']'.repeat(depth)},"startedAt":"2025-01-01T00:00:00Z","endedAt":"2026-01-01T00:00:00Z","contents":[{"type":"attendance","count":1}]}`],
      ['nested conditions', `{"name":"x","startedAt":"2025-01-01T00:00:00Z","endedAt":"2026-01-01T00:00:00Z","contents":${'['.repeat(depth)}${']'.repeat(depth)}}`]
    ]
    for (const [name, raw] of shapes) {
      assert.ok(raw.length < BODY_LIMIT, 'within the body limit, so the parser and validator see it')
      for (const [method, path, caller] of [['POST', '/event-gateway/event', 'OPERATOR'], ['POST', '/auth/users', 'anonymous'], ['POST', '/event-gateway/user-events/process', 'SERVICE']] as const) {
        for (const { via, call, path: target } of bothWays(path)) {
          const token = attack.token(caller)
          await tally.check(`${name} → ${method} ${path} (${via})`, async () => {
            const { value: reply, ms } = await timed(() => call(method, target, { ...(token ? { token } : {}), raw }))
            assertProblem(reply, 400, `${name} ${path} (${via})`)
            assert.ok(ms < PROMPT_MS, `took ${Math.round(ms)} ms`)
          })
        }
      }
    }
  })

  test('strings, arrays and numbers beyond their bounds are a 400 naming the field', async () => {
    const event = (overrides: Record<string, unknown>) => ({ name: 'bounds', ...openWindow(), contents: [{ type: 'attendance', count: 1 }], ...overrides })
    const reward = (part: Record<string, unknown>) => ({ eventId: fixture.eventId, contents: [part] })
    const cases: Array<[string, string, string, Caller, unknown, string]> = [
      ['event name 201 chars', 'POST', '/event-gateway/event', 'OPERATOR', event({ name: 'n'.repeat(201) }), 'name'],
      ['event name 15 KB', 'POST', '/event-gateway/event', 'OPERATOR', event({ name: 'n'.repeat(15_000) }), 'name'],
      ['description 2001 chars', 'POST', '/event-gateway/event', 'OPERATOR', event({ description: 'd'.repeat(2001) }), 'description'],
      ['timezone 65 chars', 'POST', '/event-gateway/event', 'OPERATOR', event({ timezone: 'T'.repeat(65) }), 'timezone'],
      ['21 conditions', 'POST', '/event-gateway/event', 'OPERATOR', event({ contents: Array.from({ length: 21 }, () => ({ type: 'invite', count: 1 })) }), 'contents'],
      ['attendance over 366 days', 'POST', '/event-gateway/event', 'OPERATOR', event({ contents: [{ type: 'attendance', count: 367 }] }), 'count'],
      ['questId 65 chars', 'POST', '/event-gateway/event', 'OPERATOR', event({ contents: [{ type: 'quest', questId: 'q'.repeat(65) }] }), 'questId'],
      ['purchase beyond 2^53', 'POST', '/event-gateway/event', 'OPERATOR', event({ contents: [{ type: 'purchase', amount: 2 ** 53 + 2 }] }), 'amount'],
      ['update: description 2001 chars', 'PATCH', `/event-gateway/event/${NO_SUCH_ID}`, 'OPERATOR', { description: 'd'.repeat(2001) }, 'description'],
      ['itemName 101 chars', 'POST', '/event-gateway/rewards', 'OPERATOR', reward({ type: 'item', itemName: 'i'.repeat(101), quantity: 1 }), 'itemName'],
      ['quantity over a million', 'POST', '/event-gateway/rewards', 'OPERATOR', reward({ type: 'item', itemName: 'i', quantity: 1_000_001 }), 'quantity'],
      ['couponCode 65 chars', 'POST', '/event-gateway/rewards', 'OPERATOR', reward({ type: 'coupon', couponCode: 'C'.repeat(65), quantity: 1 }), 'couponCode'],
      ['currency 33 chars', 'POST', '/event-gateway/rewards', 'OPERATOR', reward({ type: 'currency', currency: 'G'.repeat(33), amount: 1 }), 'currency'],
      ['21 reward parts', 'POST', '/event-gateway/rewards', 'OPERATOR', { eventId: fixture.eventId, contents: Array.from({ length: 21 }, () => ({ type: 'point', amount: 1 })) }, 'contents'],
      ['report count over 10^12', 'POST', '/event-gateway/user-events/process', 'SERVICE', { eventType: 'purchase', userId: NO_SUCH_ID, count: 1e13 }, 'count'],
      ['report value 129 chars', 'POST', '/event-gateway/user-events/process', 'SERVICE', { eventType: 'quest', userId: NO_SUCH_ID, value: 'v'.repeat(129) }, 'value'],
      ['reject reason 501 chars', 'PATCH', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/reject`, 'OPERATOR', { reason: 'r'.repeat(501) }, 'reason'],
      ['delivery reason 1001 chars', 'POST', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/delivery`, 'DELIVERY', { status: 'failed', reason: 'e'.repeat(1001) }, 'reason'],
      ['resolve note 1001 chars', 'PATCH', `/event-gateway/user-reward-claims/${NO_SUCH_ID}/resolve`, 'OPERATOR', { note: 'n'.repeat(1001) }, 'note'],
      // Passwords are capped before they reach argon2: a megabyte "password" must not cost a hash.
      ['sign-up password 129 chars', 'POST', '/auth/users', 'anonymous', { email: 'long@attack.test', password: 'p'.repeat(129) }, 'password'],
      ['login password 129 chars', 'POST', '/auth/login', 'anonymous', { email: 'long@attack.test', password: 'p'.repeat(129) }, 'password'],
      ['email 255 chars', 'POST', '/auth/users', 'anonymous', { email: `${'e'.repeat(245)}@attack.test`, password: 'long-password' }, 'email'],
      ['refresh token 4097 chars', 'POST', '/auth/refresh', 'anonymous', { refreshToken: 't'.repeat(4097) }, 'refreshToken'],
      ['6 roles', 'PATCH', `/auth/users/${NO_SUCH_ID}/roles`, 'ADMIN', { roles: ['USER', 'OPERATOR', 'AUDITOR', 'ADMIN', 'SERVICE', 'USER'] }, 'roles'],
      ['21 tags', 'PATCH', `/auth/users/${NO_SUCH_ID}/tags`, 'OPERATOR', { tags: Array.from({ length: 21 }, (_, index) => `t${index}`) }, 'tags'],
      ['tag 33 chars', 'PATCH', `/auth/users/${NO_SUCH_ID}/tags`, 'OPERATOR', { tags: ['t'.repeat(33)] }, 'tags'],
      ['bulk tagging of 1,001 accounts', 'POST', '/auth/users/tags', 'OPERATOR', { ids: Array.from({ length: 1001 }, () => NO_SUCH_ID), add: ['vip'] }, 'ids'],
      ['bulk email 255 chars', 'POST', '/auth/users/tags', 'OPERATOR', { emails: [`${'e'.repeat(245)}@attack.test`], add: ['vip'] }, 'emails']
    ]
    const before = await attack.snapshot()
    for (const [name, method, path, caller, body, field] of cases) {
      for (const { via, call, path: target } of bothWays(path)) {
        const token = attack.token(caller)
        await tally.check(`${name} (${via}) → 400`, async () => {
          const reply = await call(method, target, { ...(token ? { token } : {}), body })
          assertProblem(reply, 400, `${name} (${via})`, 'VALIDATION_FAILED')
          assert.match(reply.body.detail ?? '', new RegExp(field), `${name}: names ${field}`)
        })
      }
    }
    for (const { via, call, path } of bothWays('/event-gateway/user-events/process')) {
      await tally.check(`Idempotency-Key of 129 chars (${via}) → 400`, async () => {
        const reply = await call('POST', path, {
          token: attack.actors.SERVICE.accessToken, body: { eventType: 'invite', userId: NO_SUCH_ID }, headers: { 'idempotency-key': 'k'.repeat(129) }
        })
        assertProblem(reply, 400, `idempotency key (${via})`, 'VALIDATION_FAILED')
      })
      await tally.check(`a count of 1e309 (Infinity) (${via}) → 400`, async () => {
        const reply = await call('POST', path, { token: attack.actors.SERVICE.accessToken, raw: `{"eventType":"invite","userId":"${NO_SUCH_ID}","count":1e309}` })
        assertProblem(reply, 400, `Infinity (${via})`)
      })
    }
    await tally.check('out-of-bounds bodies stored nothing', () => assertUnchanged(attack, before, 'bounds'))
  })

  test('afterwards every process is alive and answers at once', async () => {
    for (const name of ['auth', 'event', 'gateway'] as const) {
      await tally.check(`${name} still running and healthy`, async () => {
        assert.equal(attack.system.services.get(name)?.process.exitCode, null)
        const { value: health, ms } = await timed(() => fetch(`${attack.system.url(name)}/health`))
        assert.equal(health.status, 200)
        assert.ok(ms < PROMPT_MS, `took ${Math.round(ms)} ms`)
      })
    }
    await tally.check('a normal request through the gateway is served promptly', async () => {
      const { value: reply, ms } = await timed(() => attack.gateway('GET', `/event-gateway/event/${fixture.eventId}`, { token: attack.actors.USER.accessToken }))
      assert.equal(reply.status, 200)
      assert.ok(ms < PROMPT_MS, `took ${Math.round(ms)} ms`)
    })
  })
})
