import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Role } from '@app/contracts'
import { eventFilterOf } from '../src/catalog/catalog.js'
import type { CatalogReader } from '../src/catalog/visibility.js'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const DAY = 24 * 3600_000
const operator = actor('OPERATOR')
const player = actor('USER')

/** Names chosen to catch a search that is case-sensitive, a prefix match, or a regex built from the text. */
const EVENTS: Record<string, Record<string, unknown>> = {
  'Spring Attendance': {},
  '7-day ATTENDANCE (KR)': {},
  'attendance, not yet active': { activate: false },
  'Weekly mission': {},
  '출석 이벤트 7일': {},
  'a.b*c': {},
  'axbbc': {}
}

// Once from the in-memory catalog, once straight from the database: the same answers.
for (const [source, cacheEnv] of [
  ['the catalog cache', {}],
  ['the database', { CATALOG_CACHE_MAX_EVENTS: '0' }]
] as const) describe(`GET /event?q= (name contains, ignoring case), served from ${source}`, () => {
  let service: TestService

  before(async () => {
    service = await startService({ env: { ...cacheEnv } })
    for (const [name, extra] of Object.entries(EVENTS)) {
      const window = { startedAt: new Date(Date.now() - DAY).toISOString(), endedAt: new Date(Date.now() + DAY).toISOString() }
      const created = await service.call('POST', '/event', { token: operator.token, body: eventBody({ name, ...window, ...extra }) })
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }
  })
  after(() => service.close())

  /** Every page (of 1, so the cursor carries the search along), names sorted. */
  const search = async (query: string, token = operator.token) => {
    const names: string[] = []
    let cursor: string | null = null
    do {
      const reply = await service.call('GET', `/event?limit=1&${query}${cursor ? `&cursor=${cursor}` : ''}`, { token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      names.push(...reply.body.items.map((event: { name: string }) => event.name))
      cursor = reply.body.nextCursor
    } while (cursor)
    return names.sort()
  }
  const q = (text: string) => `q=${encodeURIComponent(text)}`

  test('finds every event whose name contains the text, in any case, anywhere in the name', async () => {
    assert.deepEqual(await search(q('attend')), ['7-day ATTENDANCE (KR)', 'Spring Attendance', 'attendance, not yet active'])
    assert.deepEqual(await search(q('SPRING ATT')), ['Spring Attendance'])
    assert.deepEqual(await search(q('출석')), ['출석 이벤트 7일'])
    assert.deepEqual(await search(q('7')), ['7-day ATTENDANCE (KR)', '출석 이벤트 7일'])
    assert.deepEqual(await search(q('nothing like this')), [])
  })

  test('the text is taken literally: regex specials are no wildcards and cannot break the query', async () => {
    assert.deepEqual(await search(q('a.b')), ['a.b*c'])
    assert.deepEqual(await search(q('b*c')), ['a.b*c'])
    assert.deepEqual(await search(q('.')), ['a.b*c'])
    assert.deepEqual(await search(q('(KR)')), ['7-day ATTENDANCE (KR)'])
    assert.deepEqual(await search(q('(')), ['7-day ATTENDANCE (KR)'])
    assert.deepEqual(await search(q('[')), [])
    assert.deepEqual(await search(q('\\')), [])
    assert.deepEqual(await search(q('^Spring$')), [])
  })

  test('combines with the other filters, and a player finds only what they may see', async () => {
    assert.deepEqual(await search(`${q('attendance')}&status=inactive`), ['attendance, not yet active'])
    assert.deepEqual(await search(`${q('attendance')}&status=live`), ['7-day ATTENDANCE (KR)', 'Spring Attendance'])
    assert.deepEqual(await search(q('attendance'), player.token), ['7-day ATTENDANCE (KR)', 'Spring Attendance'])
  })

  test('an empty or over-long text, or a NUL, is a 400 naming q, not "everything"', async () => {
    for (const text of ['', 'x'.repeat(101), 'a\u0000b']) {
      const reply = await service.call('GET', `/event?${q(text)}`, { token: operator.token })
      assert.equal(reply.status, 400, JSON.stringify(reply.body))
      assert.match(JSON.stringify(reply.body), /q/)
    }
    assert.equal((await service.call('GET', `/event?${q('x'.repeat(100))}`, { token: operator.token })).status, 200)
  })
})

// The database path judges each document again in memory (the audience needs it), so the list
// answers above would hold even with a broken `$regex`: the query itself is checked here.
describe('the database query for q', () => {
  let service: TestService
  before(async () => {
    service = await startService({ env: { CATALOG_CACHE_MAX_EVENTS: '0' } })
    for (const name of ['a.b*c', 'axbbc', 'A.B*C upper', 'plain']) {
      const created = await service.call('POST', '/event', { token: operator.token, body: eventBody({ name }) })
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }
  })
  after(() => service.close())

  test('matches the literal text in any case, on the database itself', async () => {
    const staff: CatalogReader = { roles: [Role.OPERATOR] }
    const names = async (text: string) =>
      (await service.db.collection('events').find(eventFilterOf({ nameContains: text }, staff, new Date()) as Record<string, unknown>).toArray())
        .map((event) => event.name as string)
        .sort()
    assert.deepEqual(await names('a.b*c'), ['A.B*C upper', 'a.b*c'])
    assert.deepEqual(await names('.'), ['A.B*C upper', 'a.b*c'])
    assert.deepEqual(await names('b*'), ['A.B*C upper', 'a.b*c'])
    assert.deepEqual(await names('PLAIN'), ['plain'])
  })
})
