import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { actor, adjustableClock, eventBody, startService, stopTestMongo, taggedPlayer, type TestService } from './helpers.js'

after(stopTestMongo)

/**
 * Two instances of the service on one database, as a deployment runs them: each holds the
 * catalog in memory; a write on A reaches B's readers within B's check interval (on B's clock,
 * moved by hand here, so nothing waits for real time), at once on A itself, and a miss is never a 404.
 */
const operator = actor('OPERATOR')
const player = actor('USER')
const CHECK_MS = 2_000
const clockB = adjustableClock()
let a: TestService
let b: TestService
before(async () => {
  a = await startService()
  b = await startService({ dbName: a.db.databaseName, clock: clockB, env: { CATALOG_CACHE_CHECK_MS: String(CHECK_MS) } })
})
after(async () => {
  await b.close()
  await a.close()
})

const listIds = async (service: TestService, query = '') => {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const reply = await service.call('GET', `/event?limit=3${query}${cursor ? `&cursor=${cursor}` : ''}`, { token: player.token })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    ids.push(...reply.body.items.map((event: { id: string }) => event.id))
    cursor = reply.body.nextCursor
  } while (cursor)
  return ids
}
const create = async (service: TestService, overrides: Record<string, unknown> = {}) => {
  const reply = await service.call('POST', '/event', { token: operator.token, body: eventBody(overrides) })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.id as string
}

test("B's list shows A's new event after its check interval; its detail and bundle are no 404 even before", async () => {
  await listIds(b) // B holds the catalog now
  const id = await create(a)
  const bundle = await a.call('POST', '/rewards', { token: operator.token, body: { eventId: id, contents: [{ type: 'point', amount: 1 }] } })
  assert.ok(!(await listIds(b)).includes(id), 'within the interval B serves what it holds (the cache is in use)')
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).status, 200, 'a miss reads the database')
  assert.equal((await b.call('GET', `/rewards/${bundle.body.id}`, { token: player.token })).status, 200)
  clockB.advance(CHECK_MS)
  assert.ok((await listIds(b)).includes(id), 'seen once the interval has passed')
  const rewards = await b.call('GET', `/rewards?eventId=${id}`, { token: player.token })
  assert.deepEqual(rewards.body.items.map((reward: { id: string }) => reward.id), [bundle.body.id])
})

test("an edit on A (deactivation) reaches B's players within the interval; B's own writes show at once", async () => {
  const id = await create(a)
  clockB.advance(CHECK_MS)
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).body.name, '이벤트1')
  assert.equal((await a.call('PATCH', `/event/${id}`, { token: operator.token, body: { name: 'renamed on A', activate: false } })).status, 200)
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).status, 200, 'still the held copy within the interval')
  clockB.advance(CHECK_MS)
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).status, 404, 'inactive now: a player no longer sees it')
  assert.equal((await b.call('GET', `/event/${id}`, { token: operator.token })).body.name, 'renamed on A')

  const onB = await create(b)
  assert.ok((await listIds(b)).includes(onB), 'a write on B invalidates B at once')
  assert.equal((await b.call('PATCH', `/event/${onB}`, { token: operator.token, body: { name: 'edited on B' } })).status, 200)
  assert.equal((await b.call('GET', `/event/${onB}`, { token: player.token })).body.name, 'edited on B')
})

test('pages from the cache: every event once, newest first, and a new event between pages does not shift them', async () => {
  const made: string[] = []
  for (let i = 0; i < 7; i += 1) made.push(await create(b))
  const first = await b.call('GET', '/event?limit=3', { token: player.token })
  assert.deepEqual(first.body.items.map((event: { id: string }) => event.id), made.slice(-3).reverse())
  await create(b)
  const second = await b.call('GET', `/event?limit=3&cursor=${first.body.nextCursor}`, { token: player.token })
  assert.deepEqual(second.body.items.map((event: { id: string }) => event.id), made.slice(-6, -3).reverse())
  const all = await listIds(b)
  assert.equal(new Set(all).size, all.length)
  for (const id of made) assert.ok(all.includes(id))
  assert.deepEqual(all, [...all].sort().reverse(), 'newest first (ids grow with time)')
})

test("stockLeft shown from the cache is the database's, claim by claim", async () => {
  const id = await create(b, { requireApproval: false })
  const bundle = await b.call('POST', '/rewards', { token: operator.token, body: { eventId: id, stock: 5, contents: [{ type: 'point', amount: 1 }] } })
  await b.call('GET', `/rewards/${bundle.body.id}`, { token: player.token })
  const claimer = actor('USER')
  await a.call('POST', '/user-events/check-in', { token: claimer.token })
  assert.equal((await a.call('POST', '/user-reward-claims', { token: claimer.token, body: { rewardsId: bundle.body.id } })).status, 201)
  assert.equal((await b.call('GET', `/rewards/${bundle.body.id}`, { token: player.token })).body.stockLeft, 4)
  const listed = await b.call('GET', `/rewards?eventId=${id}`, { token: player.token })
  assert.equal(listed.body.items[0].stockLeft, 4)
})

test("an event A activates is no 404 on B within the interval: B confirms a refusal on the database", async () => {
  const id = await create(a, { activate: false })
  const bundle = await a.call('POST', '/rewards', { token: operator.token, body: { eventId: id, contents: [{ type: 'point', amount: 1 }] } })
  clockB.advance(CHECK_MS)
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).status, 404, 'inactive: hidden from players')
  assert.equal((await a.call('PATCH', `/event/${id}`, { token: operator.token, body: { activate: true } })).status, 200)
  // B still holds the inactive copy (no time has passed on its clock), yet answers from the database.
  assert.ok(!(await listIds(b)).includes(id), 'the list still serves what B holds')
  assert.equal((await b.call('GET', `/event/${id}`, { token: player.token })).status, 200)
  assert.equal((await b.call('GET', `/rewards/${bundle.body.id}`, { token: player.token })).status, 200)
})

test('a list page rendered once is served to whoever is shown the same events, never across what readers may see', async () => {
  const soon = clockB().getTime() + 3_600_000
  const open = await create(b, { name: 'open to all' })
  const vipOnly = await create(b, { name: 'vip only', audience: { anyTags: ['vip'] } })
  const later = await create(b, { name: 'starts later', startedAt: new Date(soon).toISOString() })
  const vip = taggedPlayer('vip')
  const plain = taggedPlayer()
  const mine = [open, vipOnly, later]
  const shown = async (token: string) => {
    const reply = await b.call('GET', '/event?limit=100', { token })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return (reply.body.items as Array<{ id: string; name: string; audience?: unknown }>).filter((event) => mine.includes(event.id))
  }
  // Each reader twice, interleaved: a second read is served from what the first rendered.
  for (let round = 0; round < 2; round += 1) {
    assert.deepEqual((await shown(vip.token)).map((event) => event.id), [vipOnly, open], `round ${round}: vip`)
    assert.deepEqual((await shown(plain.token)).map((event) => event.id), [open], `round ${round}: untagged`)
    const whole = await shown(operator.token)
    assert.deepEqual(whole.map((event) => event.id), [later, vipOnly, open], `round ${round}: staff see every event`)
    assert.deepEqual(whole[1]!.audience, { anyTags: ['vip'] }, 'staff see the audience')
    assert.ok((await shown(vip.token)).every((event) => !('audience' in event)), "a player's copy never carries it")
  }
  clockB.advance(soon + 1 - clockB().getTime()) // past its start; the snapshot stays (no write since)
  assert.deepEqual((await shown(plain.token)).map((event) => event.id), [later, open], 'an event that has started since shows: visibility is judged per request')
  assert.equal((await b.call('PATCH', `/event/${open}`, { token: operator.token, body: { name: 'renamed' } })).status, 200)
  assert.deepEqual((await shown(vip.token)).map((event) => event.name), ['starts later', 'vip only', 'renamed'], 'an edit drops what was rendered')
})
