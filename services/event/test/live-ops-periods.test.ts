/**
 * Live-ops model II through the service (SPEC v2, "Events and reward bundles"): daily and weekly
 * events in Asia/Seoul under an adjustable clock, "any" groups, random bundles rolled once and
 * delivered unchanged, what the player view promises against what a claim then does, and the
 * 400s for what cannot work. No real waiting: the clock jumps over midnights and Mondays.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { pickEntry, rollContents } from '../src/claims/roll.js'
import { DeliveryReceiver, idempotentReceiver } from './delivery-receiver.js'
import { assertDryRunPredicts } from '@app/devkit/testkit'
import { actor, adjustableClock, eventually, startService, stopTestMongo, type Actor, type TestClock, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const gameServer = actor('SERVICE')
const HOUR = 3600_000

interface Bundle {
  rewardId: string
  name: string | null
  claimable: true | string
  claimId?: string | null
  conditions: { name: string; current: number; target: number; holds: boolean; of?: unknown[] }[]
}
interface UserEvent {
  eventId: string
  periodKey: string
  resetsAt: string | null
  satisfied: boolean
  conditions: { name: string; type: string; current: number; target: number; holds: boolean; of?: { name: string; holds: boolean }[] }[]
  bundles: Bundle[]
}

function harness(service: () => TestService) {
  const call = (method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }) =>
    service().call(method, path, options)
  return {
    async createEvent(body: Record<string, unknown>) {
      const reply = await call('POST', '/event', { token: operator.token, body: { requireApproval: false, exclusiveRewards: false, ...body } })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      return reply.body as { id: string; recurrence: unknown }
    },
    async createBundle(body: Record<string, unknown>) {
      const reply = await call('POST', '/rewards', { token: operator.token, body })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      return reply.body as { id: string; randomContents: { table: { chance: number }[] } | null }
    },
    report: (userId: string, body: Record<string, unknown>) =>
      call('POST', '/user-events/process', { token: gameServer.token, body: { userId, ...body } }),
    /** A claim, with the eligibility dry run asked just before it: it must predict the claim's answer. */
    async claim(player: Actor, rewardId: string) {
      const dryRun = await call('GET', `/rewards/${rewardId}/eligibility?userId=${player.id}`, { token: operator.token })
      const reply = await call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
      assertDryRunPredicts(dryRun, reply)
      return reply
    },
    async view(player: Actor, eventId: string): Promise<UserEvent> {
      const reply = await call('GET', `/user-events?eventId=${eventId}`, { token: player.token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      return reply.body.items[0]
    },
    /**
     * The player view's promise for every bundle, checked by claiming each: `claimable: true`
     * → 201, a code → that refusal. The view is read again after each claim (a claim can change
     * what the others say). Returns the claims made.
     */
    async claimEveryBundleAsTheViewSays(player: Actor, eventId: string): Promise<Record<string, unknown>[]> {
      const made: Record<string, unknown>[] = []
      const tried = new Set<string>()
      for (;;) {
        const bundle = (await this.view(player, eventId)).bundles.find((candidate) => !tried.has(candidate.rewardId))
        if (!bundle) return made
        tried.add(bundle.rewardId)
        const reply = await this.claim(player, bundle.rewardId)
        if (bundle.claimable === true) {
          assert.equal(reply.status, 201, `${bundle.name}: the view said claimable, the claim said ${JSON.stringify(reply.body)}`)
          made.push(reply.body)
        } else {
          assert.equal(reply.status, 409, `${bundle.name}: the view said ${bundle.claimable}`)
          assert.equal(reply.body.code, bundle.claimable, `${bundle.name}: the view and the claim agree on why`)
          if (bundle.claimable === 'ALREADY_CLAIMED') assert.equal(reply.body.claimId, bundle.claimId)
        }
      }
    }
  }
}

describe('a daily event in Asia/Seoul', () => {
  let service: TestService
  let clock: TestClock
  const api = harness(() => service)
  let eventId: string
  let rewardId: string
  before(async () => {
    // 1 December 2026, noon in Seoul (03:00 UTC).
    clock = adjustableClock(Date.parse('2026-12-01T12:00:00+09:00'))
    service = await startService({ clock })
    eventId = (
      await api.createEvent({
        name: 'Daily login reward',
        startedAt: '2026-11-25T00:00:00+09:00',
        endedAt: '2027-01-31T00:00:00+09:00',
        timezone: 'Asia/Seoul',
        recurrence: { every: 'day' },
        contents: [{ type: 'attendance', count: 1 }]
      })
    ).id
    rewardId = (await api.createBundle({ eventId, name: 'Daily gold', contents: [{ type: 'currency', currency: 'GOLD', amount: 100 }] })).id
  })
  after(() => service.close())

  test("yesterday's check-in does not count today; claim today, 409 again today, claim again after local midnight", async () => {
    const player = actor('USER')
    const yesterday = await api.report(player.id, { eventType: 'attendance', occurredAt: '2026-11-30T20:00:00+09:00' })
    assert.deepEqual(yesterday.body.updates, [{ eventId, periodKey: '2026-11-30', conditions: ['attendance'] }])

    const before = await api.view(player, eventId)
    assert.equal(before.periodKey, '2026-12-01')
    assert.equal(before.resetsAt, '2026-12-01T15:00:00.000Z', 'midnight in Seoul')
    assert.deepEqual(before.conditions, [{ name: 'attendance', type: 'attendance', current: 0, target: 1, holds: false }])
    assert.equal(before.bundles[0]!.claimable, 'CONDITIONS_NOT_MET')
    assert.equal((await api.claim(player, rewardId)).body.code, 'CONDITIONS_NOT_MET')

    const checkIn = await service.call('POST', '/user-events/check-in', { token: player.token })
    assert.deepEqual(checkIn.body.updates, [{ eventId, periodKey: '2026-12-01', conditions: ['attendance'] }])
    const [today] = await api.claimEveryBundleAsTheViewSays(player, eventId)
    assert.equal(today?.periodKey, '2026-12-01')
    const again = await api.claim(player, rewardId)
    assert.equal(again.status, 409)
    assert.equal(again.body.code, 'ALREADY_CLAIMED')
    assert.equal(again.body.claimId, today?.id)
    assert.equal((await api.view(player, eventId)).bundles[0]!.claimable, 'ALREADY_CLAIMED')

    // 00:00:30 on 2 December in Seoul — still 1 December in UTC.
    clock.advance(Date.parse('2026-12-02T00:00:30+09:00') - clock().getTime())
    const nextDay = await api.view(player, eventId)
    assert.equal(nextDay.periodKey, '2026-12-02')
    assert.equal(nextDay.resetsAt, '2026-12-02T15:00:00.000Z')
    assert.equal(nextDay.conditions[0]!.current, 0, 'a new day starts from nothing')
    assert.equal(nextDay.bundles[0]!.claimable, 'CONDITIONS_NOT_MET')
    await service.call('POST', '/user-events/check-in', { token: player.token })
    const [second] = await api.claimEveryBundleAsTheViewSays(player, eventId)
    assert.equal(second?.periodKey, '2026-12-02')
    assert.equal((await api.claim(player, rewardId)).body.code, 'ALREADY_CLAIMED')
  })

  test("a report of late on the 1st (local time) that arrives on the 2nd counts toward the 1st's period", async () => {
    clock.advance(Date.parse('2026-12-02T00:10:00+09:00') - clock().getTime())
    const player = actor('USER')
    const late = await api.report(player.id, { eventType: 'attendance', occurredAt: '2026-12-01T23:50:00+09:00' })
    assert.equal(late.status, 200, JSON.stringify(late.body))
    assert.deepEqual(late.body.updates, [{ eventId, periodKey: '2026-12-01', conditions: ['attendance'] }])
    assert.equal((await api.view(player, eventId)).conditions[0]!.current, 0, "today's period is untouched")
    // Staff reading the stored progress see it in the 1st's period, which ended at midnight.
    const stored = await service.call('GET', `/user-events?eventId=${eventId}&limit=100`, { token: operator.token })
    const mine = stored.body.items.filter((item: { userId: string }) => item.userId === player.id)
    assert.deepEqual(
      mine.map((item: UserEvent) => [item.periodKey, item.resetsAt, item.conditions[0]!.current]),
      [['2026-12-01', '2026-12-01T15:00:00.000Z', 1]]
    )
    assert.ok(mine.every((item: Partial<UserEvent>) => item.bundles === undefined), 'no bundles for stored documents')
  })
})

test('an exclusive daily event: one bundle of it per player per day', async () => {
  const clock = adjustableClock(Date.parse('2026-12-01T20:00:00+09:00'))
  const service = await startService({ clock })
  const api = harness(() => service)
  try {
    const { id: eventId } = await api.createEvent({
      name: 'Pick one a day',
      startedAt: '2026-11-25T00:00:00+09:00',
      endedAt: '2027-01-31T00:00:00+09:00',
      timezone: 'Asia/Seoul',
      recurrence: { every: 'day' },
      exclusiveRewards: true,
      contents: [{ type: 'attendance', count: 1 }]
    })
    const [gold, gems] = [
      await api.createBundle({ eventId, name: 'Gold', contents: [{ type: 'currency', currency: 'GOLD', amount: 100 }] }),
      await api.createBundle({ eventId, name: 'Gems', contents: [{ type: 'currency', currency: 'GEM', amount: 5 }] })
    ]
    const player = actor('USER')
    await service.call('POST', '/user-events/check-in', { token: player.token })
    const first = await api.claim(player, gold.id)
    assert.equal(first.status, 201)
    const other = await api.claim(player, gems.id)
    assert.equal(other.body.code, 'ALREADY_CLAIMED')
    assert.equal(other.body.claimId, first.body.id)
    assert.deepEqual((await api.view(player, eventId)).bundles.map((bundle) => bundle.claimable), ['ALREADY_CLAIMED', 'ALREADY_CLAIMED'])
    clock.advance(5 * HOUR) // 01:00 on the 2nd in Seoul
    await service.call('POST', '/user-events/check-in', { token: player.token })
    const [tomorrow] = await api.claimEveryBundleAsTheViewSays(player, eventId)
    assert.equal(tomorrow?.periodKey, '2026-12-02')
  } finally {
    await service.close()
  }
})

describe('a weekly mission with an "any" group', () => {
  let service: TestService
  let clock: TestClock
  const api = harness(() => service)
  let eventId: string
  before(async () => {
    // Thursday 3 December 2026 in Seoul: ISO week 2026-W49.
    clock = adjustableClock(Date.parse('2026-12-03T09:00:00+09:00'))
    service = await startService({ clock })
    eventId = (
      await api.createEvent({
        name: 'Weekly mission',
        startedAt: '2026-11-30T00:00:00+09:00',
        endedAt: '2027-03-01T00:00:00+09:00',
        timezone: 'Asia/Seoul',
        recurrence: { every: 'week' },
        contents: [
          { type: 'attendance', count: 2 },
          { type: 'any', of: [{ type: 'quest', questId: 'q-1' }, { type: 'purchase', amount: 1000 }] }
        ]
      })
    ).id
    await api.createBundle({ eventId, name: 'Weekly chest', contents: [{ type: 'item', itemName: 'Weekly chest', quantity: 1 }] })
  })
  after(() => service.close())

  const checkInTwice = async (player: Actor) => {
    await api.report(player.id, { eventType: 'attendance', occurredAt: new Date(clock().getTime() - 26 * HOUR).toISOString() })
    await api.report(player.id, { eventType: 'attendance' })
  }

  test('neither branch: 409 naming the group; the view shows the group with each member', async () => {
    const player = actor('USER')
    await checkInTwice(player)
    const view = await api.view(player, eventId)
    assert.equal(view.periodKey, '2026-W49')
    assert.equal(view.resetsAt, '2026-12-06T15:00:00.000Z', 'Monday 7 December, 00:00 in Seoul')
    const group = view.conditions[1]!
    assert.deepEqual(
      { name: group.name, type: group.type, current: group.current, target: group.target, holds: group.holds },
      { name: 'any(quest:q-1,purchase)', type: 'any', current: 0, target: 1, holds: false }
    )
    assert.deepEqual(group.of?.map((member) => [member.name, member.holds]), [['quest:q-1', false], ['purchase', false]])
    const refused = await api.claim(player, view.bundles[0]!.rewardId)
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'CONDITIONS_NOT_MET')
    assert.deepEqual(refused.body.unmet, [{ name: 'any(quest:q-1,purchase)', current: 0, target: 1 }])
    assert.match(refused.body.detail, /any\(quest:q-1,purchase\) 0\/1/)
    await api.claimEveryBundleAsTheViewSays(player, eventId)
  })

  for (const [branch, report] of [
    ['the quest alone', { eventType: 'quest', value: 'q-1' }],
    ['the purchase alone', { eventType: 'purchase', count: 1000 }]
  ] as const) {
    test(`${branch} satisfies the group`, async () => {
      const player = actor('USER')
      await checkInTwice(player)
      await api.report(player.id, report)
      const view = await api.view(player, eventId)
      assert.equal(view.conditions[1]!.holds, true)
      assert.equal(view.satisfied, true)
      const [claim] = await api.claimEveryBundleAsTheViewSays(player, eventId)
      assert.equal(claim?.periodKey, '2026-W49')
    })
  }

  test('Monday 00:00 in Seoul starts a new week: progress from nothing, the bundle claimable again once earned', async () => {
    const player = actor('USER')
    await checkInTwice(player)
    await api.report(player.id, { eventType: 'quest', value: 'q-1' })
    assert.equal((await api.claimEveryBundleAsTheViewSays(player, eventId)).length, 1)
    clock.advance(Date.parse('2026-12-06T23:59:00+09:00') - clock().getTime())
    assert.equal((await api.view(player, eventId)).periodKey, '2026-W49', 'Sunday night is the same week')
    clock.advance(2 * 60_000)
    const monday = await api.view(player, eventId)
    assert.equal(monday.periodKey, '2026-W50')
    assert.deepEqual(monday.conditions.map((condition) => condition.current), [0, 0])
    assert.equal(monday.bundles[0]!.claimable, 'CONDITIONS_NOT_MET')
    // Tuesday noon: a check-in on Monday and one today, both in the new week.
    clock.advance(36 * HOUR)
    await checkInTwice(player)
    await api.report(player.id, { eventType: 'purchase', count: 1500 })
    const [claim] = await api.claimEveryBundleAsTheViewSays(player, eventId)
    assert.equal(claim?.periodKey, '2026-W50')
  })

  test('milestone bundles, stock and an inactive bundle: the view agrees with the claims', async () => {
    const milestones = (
      await api.createEvent({
        name: 'Weekly milestones',
        startedAt: '2026-11-30T00:00:00+09:00',
        endedAt: '2027-03-01T00:00:00+09:00',
        timezone: 'Asia/Seoul',
        recurrence: { every: 'week' },
        contents: [{ type: 'attendance', count: 1 }]
      })
    ).id
    const gold = [{ type: 'currency', currency: 'GOLD', amount: 10 }]
    await api.createBundle({ eventId: milestones, name: 'Day 1', contents: gold })
    await api.createBundle({ eventId: milestones, name: 'Three days', contents: gold, conditions: [{ type: 'attendance', count: 3 }] })
    const scarce = await api.createBundle({ eventId: milestones, name: 'One left', contents: gold, stock: 1 })
    await api.createBundle({ eventId: milestones, name: 'Switched off', contents: gold, active: false })
    await api.createBundle({
      eventId: milestones,
      name: 'Quest or purchase',
      contents: gold,
      conditions: [{ type: 'any', of: [{ type: 'quest', questId: 'q-9' }, { type: 'invite', count: 2 }] }]
    })
    const first = actor('USER')
    await api.report(first.id, { eventType: 'attendance' })
    assert.equal((await api.claim(first, scarce.id)).status, 201, 'the last unit goes')
    const player = actor('USER')
    await api.report(player.id, { eventType: 'attendance' })
    await api.report(player.id, { eventType: 'invite', count: 2 })
    const view = await api.view(player, milestones)
    assert.deepEqual(
      Object.fromEntries(view.bundles.map((bundle) => [bundle.name, bundle.claimable])),
      { 'Day 1': true, 'Three days': 'CONDITIONS_NOT_MET', 'One left': 'OUT_OF_STOCK', 'Switched off': 'REWARD_INACTIVE', 'Quest or purchase': true }
    )
    const threeDays = view.bundles.find((bundle) => bundle.name === 'Three days')!
    assert.deepEqual(threeDays.conditions.map(({ name, current, target }) => [name, current, target]), [['attendance', 1, 3]])
    assert.equal((await api.claimEveryBundleAsTheViewSays(player, milestones)).length, 2)
  })
})

describe('random bundles', () => {
  /** mulberry32: a small seeded generator, for the test only (the service uses crypto.randomInt). */
  const seeded = (seed: number) => (maxExclusive: number) => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxExclusive)
  }
  const gold = (amount: number) => [{ type: 'currency' as const, currency: 'GOLD', amount }]

  test('10,000 rolls match the weights (chi-square, 3 degrees of freedom, p = 0.001)', () => {
    const table = [50, 30, 15, 5].map((weight) => ({ weight, contents: gold(weight) }))
    const random = seeded(20261201)
    const counts = [0, 0, 0, 0]
    for (let roll = 0; roll < 10_000; roll++) counts[pickEntry(table, random)]! += 1
    const chiSquare = counts.reduce((sum, observed, index) => {
      const expected = (10_000 * table[index]!.weight) / 100
      return sum + (observed - expected) ** 2 / expected
    }, 0)
    // The critical value of chi-square for 3 degrees of freedom at p = 0.001.
    assert.ok(chiSquare < 16.266, `chi-square ${chiSquare.toFixed(2)} for ${counts.join('/')}`)
    // And the test can fail: a table whose weights are ignored (uniform picks) is caught.
    const uniform = [0, 0, 0, 0]
    for (let roll = 0; roll < 10_000; roll++) uniform[random(4)]! += 1
    const skewed = uniform.reduce((sum, observed, index) => sum + (observed - 100 * table[index]!.weight) ** 2 / (100 * table[index]!.weight), 0)
    assert.ok(skewed > 16.266)
  })

  test('a claim grants the fixed contents, then each roll in order', () => {
    const rolled = rollContents({ rolls: 3, table: [{ weight: 1, contents: gold(1) }, { weight: 1, contents: [{ type: 'point', amount: 2 }] }] }, seeded(7))
    assert.equal(rolled.length, 3)
    assert.ok(rolled.every((content) => ['currency', 'point'].includes(content.type)))
  })

  test('the roll is made once: approval shows it and three failed deliveries, a refusal and an operator retry all send it unchanged', async () => {
    const receiver = new DeliveryReceiver()
    await receiver.start()
    const service = await startService({
      env: { REWARD_DELIVERY_URL: receiver.url, DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '40', DELIVERY_TIMEOUT_MS: '300', DELIVERY_LEASE_MS: '2000', SWEEPER_INTERVAL_MS: '50' }
    })
    const api = harness(() => service)
    try {
      const { id: eventId } = await api.createEvent({
        name: 'Lucky box',
        startedAt: new Date(Date.now() - HOUR).toISOString(),
        endedAt: new Date(Date.now() + 48 * HOUR).toISOString(),
        requireApproval: true,
        contents: [{ type: 'attendance', count: 1 }]
      })
      const bundle = await api.createBundle({
        eventId,
        name: 'Lucky box',
        contents: [{ type: 'point', amount: 10 }],
        randomContents: { rolls: 5, table: [1, 2, 3, 4, 5, 6].map((amount) => ({ weight: amount, contents: gold(amount) })) }
      })
      assert.deepEqual(bundle.randomContents?.table.map((entry) => entry.chance), [4.76, 9.52, 14.29, 19.05, 23.81, 28.57])
      const player = actor('USER')
      await api.report(player.id, { eventType: 'attendance' })
      const claim = await api.claim(player, bundle.id)
      assert.equal(claim.status, 201, JSON.stringify(claim.body))
      const rewards = claim.body.rewards
      assert.equal(rewards.length, 6, 'the fixed point, then five rolls')
      assert.deepEqual(rewards[0], { type: 'point', amount: 10 })
      const pending = await service.call('GET', `/user-reward-claims/${claim.body.id}`, { token: operator.token })
      assert.deepEqual(pending.body.rewards, rewards, 'what the operator approves')

      receiver.behaviour = (request, self) =>
        request.nth <= 3 ? { status: 500 } : request.nth === 4 ? { status: 422, text: '{"detail":"inventory full"}' } : idempotentReceiver(request, self)
      const approved = await service.call('PATCH', `/user-reward-claims/${claim.body.id}/approve`, { token: operator.token })
      assert.equal(approved.status, 200, JSON.stringify(approved.body))
      assert.deepEqual(approved.body.rewards, rewards)
      await eventually(async () => (await service.db.collection('claims').findOne({ _id: new ObjectId(claim.body.id) }))?.status === 'failed', 10_000, 'failed after the refusal')
      const retried = await service.call('PATCH', `/user-reward-claims/${claim.body.id}/retry`, { token: operator.token })
      assert.equal(retried.status, 200, JSON.stringify(retried.body))
      await eventually(async () => receiver.granted(claim.body.id) === 1, 10_000, 'granted after the retry')
      const sent = receiver.requestsFor(claim.body.id)
      assert.equal(sent.length, 5)
      for (const request of sent) assert.deepEqual(request.body.rewards, rewards, `attempt ${request.nth}`)
    } finally {
      await service.close()
      await receiver.stop()
    }
  })
})

describe('what cannot work is a 400 naming the field, and nothing is written', () => {
  let service: TestService
  before(async () => {
    service = await startService()
  })
  after(() => service.close())
  const window = { startedAt: new Date(Date.now() - HOUR).toISOString(), endedAt: new Date(Date.now() + 48 * HOUR).toISOString() }
  const attendance = [{ type: 'attendance', count: 1 }]
  const gold = [{ type: 'currency', currency: 'GOLD', amount: 1 }]

  test('events: unknown `every`, a time zone that is not IANA, groups too small or nested, a condition longer than a period', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['unknown every', { recurrence: { every: 'hour' } }, /recurrence\.every/],
      ['recurrence with more', { recurrence: { every: 'day', at: '09:00' } }, /recurrence/],
      ['an offset is not a time zone', { timezone: '+09:00' }, /timezone/],
      ['an unknown zone', { timezone: 'Mars/Olympus_Mons' }, /timezone/],
      ['any with one member', { contents: [{ type: 'any', of: [{ type: 'quest', questId: 'q-1' }] }] }, /contents\.0\.of/],
      [
        'a nested group',
        { contents: [{ type: 'any', of: [{ type: 'quest', questId: 'q-1' }, { type: 'any', of: [{ type: 'quest', questId: 'q-2' }, { type: 'quest', questId: 'q-3' }] }] }] },
        /contents\.0\.of\.1/
      ],
      ['attendance 8 on a weekly event', { recurrence: { every: 'week' }, contents: [{ type: 'attendance', count: 8 }] }, /contents\.0 needs 8 days/],
      [
        'a streak of 2 inside a group on a daily event',
        { recurrence: { every: 'day' }, contents: [{ type: 'any', of: [{ type: 'quest', questId: 'q-1' }, { type: 'login_streak', days: 2 }] }] },
        /contents\.0\.of\.1 needs 2 days/
      ],
      ['attendance 29 on a monthly event (February has 28 days)', { recurrence: { every: 'month' }, contents: [{ type: 'attendance', count: 29 }] }, /needs 29 days/]
    ]
    const before = await service.db.collection('events').countDocuments()
    for (const [what, overrides, field] of cases) {
      const reply = await service.call('POST', '/event', { token: operator.token, body: { name: what, ...window, contents: attendance, ...overrides } })
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`)
      assert.match(JSON.stringify(reply.body), field, what)
    }
    assert.equal(await service.db.collection('events').countDocuments(), before)
    const fits = await service.call('POST', '/event', {
      token: operator.token,
      body: { name: 'fits', ...window, recurrence: { every: 'week' }, contents: [{ type: 'attendance', count: 7 }] }
    })
    assert.equal(fits.status, 201, JSON.stringify(fits.body))
    assert.deepEqual(fits.body.recurrence, { every: 'week' })
  })

  test('bundles: weight ≤ 0, more than 10 rolls, an empty table, nothing to grant, a milestone longer than the period', async () => {
    const daily = await service.call('POST', '/event', { token: operator.token, body: { name: 'daily', ...window, recurrence: { every: 'day' }, contents: attendance } })
    const eventId = daily.body.id
    const table = [{ weight: 1, contents: gold }]
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['weight 0', { contents: gold, randomContents: { rolls: 1, table: [{ weight: 0, contents: gold }] } }, /randomContents\.table\.0\.weight/],
      ['weight -1', { contents: gold, randomContents: { rolls: 1, table: [{ weight: -1, contents: gold }] } }, /randomContents\.table\.0\.weight/],
      ['11 rolls', { randomContents: { rolls: 11, table } }, /randomContents\.rolls/],
      ['0 rolls', { randomContents: { rolls: 0, table } }, /randomContents\.rolls/],
      ['an empty table', { randomContents: { rolls: 1, table: [] } }, /randomContents\.table/],
      ['nothing to grant', {}, /body\.contents or body\.randomContents is required/],
      ['an empty contents list', { contents: [] }, /contents/],
      ['attendance 2 on a daily event', { contents: gold, conditions: [{ type: 'attendance', count: 2 }] }, /body\.conditions\.0 needs 2 days/]
    ]
    for (const [what, body, field] of cases) {
      const reply = await service.call('POST', '/rewards', { token: operator.token, body: { eventId, ...body } })
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`)
      assert.match(JSON.stringify(reply.body), field, what)
    }
    assert.equal(await service.db.collection('rewards').countDocuments({}), 0)
    const onlyRandom = await service.call('POST', '/rewards', { token: operator.token, body: { eventId, randomContents: { rolls: 10, table } } })
    assert.equal(onlyRandom.status, 201, JSON.stringify(onlyRandom.body))
    assert.deepEqual(onlyRandom.body.contents, [])
    assert.deepEqual(onlyRandom.body.randomContents, { rolls: 10, table: [{ weight: 1, chance: 100, contents: gold }] })
  })
})
