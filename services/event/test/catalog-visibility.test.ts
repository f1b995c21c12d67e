import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { audienceAdmits, eventStatus, normalizedAudience, visibleTo } from '../src/catalog/visibility.js'
import { actor, adjustableClock, eventBody, startService, stopTestMongo, taggedPlayer, type TestService } from './helpers.js'

after(stopTestMongo)

const DAY = 24 * 3600_000
const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')

describe('audienceAdmits, by hand', () => {
  const cases: Array<[string, Parameters<typeof audienceAdmits>[0], string[] | undefined, boolean]> = [
    ['no audience: everyone', undefined, [], true],
    ['an empty audience: everyone', { anyTags: [], allTags: [], noneTags: [] }, undefined, true],
    ['anyTags: one of them is enough', { anyTags: ['vip', 'whale'] }, ['whale'], true],
    ['anyTags: none held', { anyTags: ['vip', 'whale'] }, ['returning'], false],
    ['anyTags: a token without tags', { anyTags: ['vip'] }, undefined, false],
    ['allTags: every one held', { allTags: ['vip', 'kr'] }, ['kr', 'vip', 'x'], true],
    ['allTags: one missing', { allTags: ['vip', 'kr'] }, ['vip'], false],
    ['noneTags: excluded', { noneTags: ['banned'] }, ['vip', 'banned'], false],
    ['noneTags: not held', { noneTags: ['banned'] }, ['vip'], true],
    ['all three together', { anyTags: ['a', 'b'], allTags: ['kr'], noneTags: ['banned'] }, ['b', 'kr'], true],
    ['all three, noneTags wins', { anyTags: ['a', 'b'], allTags: ['kr'], noneTags: ['banned'] }, ['b', 'kr', 'banned'], false]
  ]
  for (const [what, audience, tags, expected] of cases) test(what, () => assert.equal(audienceAdmits(audience, tags), expected))

  test('stored audiences drop empty lists; nothing left is everyone (null)', () => {
    assert.equal(normalizedAudience({ anyTags: [], noneTags: [] }), null)
    assert.deepEqual(normalizedAudience({ anyTags: ['b', 'a'], allTags: [] }), { anyTags: ['a', 'b'] })
  })

  test('status boundaries: startedAt is live, endedAt is ended', () => {
    const event = { activate: true, startedAt: new Date('2026-01-01T00:00:00Z'), endedAt: new Date('2026-01-02T00:00:00Z') }
    assert.equal(eventStatus(event, new Date('2025-12-31T23:59:59.999Z')), 'upcoming')
    assert.equal(eventStatus(event, new Date('2026-01-01T00:00:00Z')), 'live')
    assert.equal(eventStatus(event, new Date('2026-01-02T00:00:00Z')), 'ended')
    assert.equal(eventStatus({ ...event, activate: false }, new Date('2026-01-01T12:00:00Z')), 'inactive')
    const player = { roles: ['USER' as const], tags: [] }
    assert.equal(visibleTo(event, player, new Date('2026-01-03T00:00:00Z')), true, 'an ended event stays visible')
    assert.equal(visibleTo(event, player, new Date('2025-12-31T00:00:00Z')), false)
    assert.equal(visibleTo({ ...event, activate: false }, { roles: ['SERVICE' as const] }, new Date('2025-12-31T00:00:00Z')), true)
  })
})

// Once from the in-memory catalog, once straight from the database (a catalog too big to hold): the same answers.
for (const [source, cacheEnv] of [
  ['the catalog cache', {}],
  ['the catalog cache, serializing every reply', { CATALOG_RENDERED_PAGES: '0' }],
  ['the database', { CATALOG_CACHE_MAX_EVENTS: '0' }]
] as const) describe(`what players see, over HTTP, served from ${source}`, () => {
  const clock = adjustableClock()
  let service: TestService
  const ids: Record<string, string> = {}
  const bundles: Record<string, string> = {}
  const at = (from: number, to: number) => ({ startedAt: new Date(clock().getTime() + from).toISOString(), endedAt: new Date(clock().getTime() + to).toISOString() })
  const specs = {
    live: at(-DAY, DAY),
    ended: at(-3 * DAY, -2 * DAY),
    upcoming: at(2 * DAY, 3 * DAY),
    inactive: { ...at(-DAY, DAY), activate: false },
    inactiveFuture: { ...at(2 * DAY, 3 * DAY), activate: false },
    vipOnly: { ...at(-DAY, DAY), audience: { anyTags: ['vip', 'whale'] } },
    krVip: { ...at(-DAY, DAY), audience: { allTags: ['kr', 'vip'] } },
    notBanned: { ...at(-DAY, DAY), audience: { noneTags: ['banned'] } }
  }
  const vip = taggedPlayer('vip')
  const krVip = taggedPlayer('kr', 'vip')
  const banned = taggedPlayer('banned', 'vip')
  const untagged = taggedPlayer()
  const oldToken = actor('USER') // a token from before tags existed: no `tags` claim at all

  before(async () => {
    service = await startService({ clock, env: { ...cacheEnv } })
    for (const [name, extra] of Object.entries(specs)) {
      const created = await service.call('POST', '/event', { token: operator.token, body: eventBody({ name, requireApproval: false, ...extra }) })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      ids[name] = created.body.id
      const bundle = await service.call('POST', '/rewards', { token: operator.token, body: { eventId: created.body.id, contents: [{ type: 'point', amount: 1 }] } })
      assert.equal(bundle.status, 201, JSON.stringify(bundle.body))
      bundles[name] = bundle.body.id
    }
  })
  after(() => service.close())

  const namesFor = async (token: string, query = '') => {
    const names: string[] = []
    let cursor: string | null = null
    do {
      const reply = await service.call('GET', `/event?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`, { token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      names.push(...reply.body.items.map((event: { name: string }) => event.name))
      cursor = reply.body.nextCursor
    } while (cursor)
    return names.sort()
  }
  const bundleEventsFor = async (token: string) => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const reply = await service.call('GET', `/rewards?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      seen.push(...reply.body.items.map((reward: { eventId: string }) => Object.keys(ids).find((name) => ids[name] === reward.eventId)!))
      cursor = reply.body.nextCursor
    } while (cursor)
    return seen.sort()
  }

  test('each player lists exactly the active, started events of their audience (pages of 2), and only their bundles', async () => {
    const expected: Array<[string, string, string[]]> = [
      ['untagged', untagged.token, ['ended', 'live', 'notBanned']],
      ['old token', oldToken.token, ['ended', 'live', 'notBanned']],
      ['vip', vip.token, ['ended', 'live', 'notBanned', 'vipOnly']],
      ['kr+vip', krVip.token, ['ended', 'krVip', 'live', 'notBanned', 'vipOnly']],
      ['banned vip', banned.token, ['ended', 'live', 'vipOnly']]
    ]
    for (const [who, token, names] of expected) {
      assert.deepEqual(await namesFor(token), names, who)
      assert.deepEqual(await bundleEventsFor(token), names, `${who}: bundles`)
    }
  })

  test('staff and game servers list everything; status filters return exactly their set', async () => {
    const all = Object.keys(specs).sort()
    assert.deepEqual(await namesFor(auditor.token), all)
    assert.deepEqual(await namesFor(gameServer.token), all)
    assert.deepEqual(await bundleEventsFor(gameServer.token), all)
    assert.deepEqual(await namesFor(operator.token, '&status=live'), ['krVip', 'live', 'notBanned', 'vipOnly'])
    assert.deepEqual(await namesFor(operator.token, '&status=upcoming'), ['upcoming'])
    assert.deepEqual(await namesFor(operator.token, '&status=ended'), ['ended'])
    assert.deepEqual(await namesFor(operator.token, '&status=inactive'), ['inactive', 'inactiveFuture'])
    assert.equal((await service.call('GET', '/event?status=paused', { token: operator.token })).status, 400)
  })

  test('a player passing status gets the visible part of it', async () => {
    assert.deepEqual(await namesFor(vip.token, '&status=live'), ['live', 'notBanned', 'vipOnly'])
    assert.deepEqual(await namesFor(vip.token, '&status=ended'), ['ended'])
    assert.deepEqual(await namesFor(vip.token, '&status=upcoming'), [])
    assert.deepEqual(await namesFor(vip.token, '&status=inactive'), [])
  })

  test('outside the audience, or not yet visible: 404 on the event, its bundle, its bundle list and the claim', async () => {
    const hidden: Array<[string, string]> = [
      ['untagged', 'vipOnly'],
      ['untagged', 'krVip'],
      ['vip', 'krVip'],
      ['banned', 'notBanned'],
      ['vip', 'upcoming'],
      ['vip', 'inactive']
    ]
    const players = { untagged, vip, banned }
    for (const [who, name] of hidden) {
      const player = players[who as keyof typeof players]
      assert.equal((await service.call('GET', `/event/${ids[name]}`, { token: player.token })).status, 404, `${who} ${name}`)
      const bundle = await service.call('GET', `/rewards/${bundles[name]}`, { token: player.token })
      assert.equal(bundle.status, 404, `${who} ${name} bundle`)
      assert.equal(bundle.body.code, 'REWARD_NOT_FOUND')
      const list = await service.call('GET', `/rewards?eventId=${ids[name]}`, { token: player.token })
      assert.deepEqual(list.body.items, [], `${who} ${name} bundle list`)
      const progress = await service.call('GET', `/user-events?eventId=${ids[name]}`, { token: player.token })
      assert.equal(progress.status, 404, `${who} ${name} user-events`)
    }
    // Audience refusals on a claim are 404s, like a bundle that does not exist.
    for (const [player, name] of [[untagged, 'vipOnly'], [banned, 'notBanned'], [vip, 'krVip']] as const) {
      const claim = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: bundles[name] } })
      assert.equal(claim.status, 404, `${name}: ${JSON.stringify(claim.body)}`)
      assert.equal(claim.body.code, 'REWARD_NOT_FOUND')
    }
    // Staff read them all.
    for (const name of Object.keys(specs)) {
      assert.equal((await service.call('GET', `/event/${ids[name]}`, { token: auditor.token })).status, 200)
      assert.equal((await service.call('GET', `/rewards/${bundles[name]}`, { token: gameServer.token })).status, 200)
    }
  })

  test('inside the audience the player sees and claims; GET /user-events lists only what they may see', async () => {
    for (const player of [vip, krVip]) {
      assert.equal((await service.call('GET', `/event/${ids.vipOnly}`, { token: player.token })).status, 200)
      assert.equal((await service.call('GET', `/rewards/${bundles.vipOnly}`, { token: player.token })).status, 200)
      // Attendance 1: the player checks in, then claims.
      assert.equal((await service.call('POST', '/user-events/check-in', { token: player.token })).status, 200)
      const claim = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: bundles.vipOnly } })
      assert.equal(claim.status, 201, JSON.stringify(claim.body))
    }
    const view = async (token: string) =>
      (await service.call('GET', '/user-events?limit=100', { token })).body.items.map((item: { eventId: string }) => Object.keys(ids).find((name) => ids[name] === item.eventId)).sort()
    assert.deepEqual(await view(untagged.token), ['live', 'notBanned'])
    assert.deepEqual(await view(krVip.token), ['krVip', 'live', 'notBanned', 'vipOnly'])
  })

  test("who an audience admits or excludes is for staff and game servers: a player's copy has no audience", async () => {
    const detail = await service.call('GET', `/event/${ids.notBanned}`, { token: vip.token })
    assert.equal(detail.status, 200)
    assert.equal('audience' in detail.body, false, JSON.stringify(detail.body))
    const listed = (await service.call('GET', '/event?limit=100', { token: vip.token })).body.items
    assert.ok(listed.length > 0 && listed.every((event: Record<string, unknown>) => !('audience' in event)))
    for (const reader of [operator, auditor, gameServer]) {
      assert.deepEqual((await service.call('GET', `/event/${ids.notBanned}`, { token: reader.token })).body.audience, { noneTags: ['banned'] })
    }
  })

  test('an upcoming event appears to players once it starts (the service clock decides)', async () => {
    assert.ok(!(await namesFor(vip.token)).includes('upcoming'))
    clock.advance(2 * DAY + 1000)
    try {
      assert.ok((await namesFor(vip.token)).includes('upcoming'))
      assert.equal((await service.call('GET', `/rewards/${bundles.upcoming}`, { token: vip.token })).status, 200)
      assert.ok(!(await namesFor(vip.token)).includes('inactiveFuture'))
    } finally {
      clock.advance(-(2 * DAY + 1000))
    }
  })
})
