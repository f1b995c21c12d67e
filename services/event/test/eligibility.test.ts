/**
 * The claim checks and their order, written from SPEC v2 ("Claim checks, in this order"): the
 * slot first, then event and bundle state, then conditions, then stock. Pure judgement over
 * hand-made situations; the races (stock, slots) are tested over the wire in e2e.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { conditionsOf, refusalsOf, type ClaimSituation } from '../src/claims/eligibility.js'
import { measureAll, type ProgressState } from '../src/conditions/index.js'
import type { EventDoc } from '../src/repositories/events.js'
import type { RewardDoc } from '../src/repositories/rewards.js'

const now = new Date('2026-12-01T12:00:00.000Z')
const event: EventDoc = {
  _id: new ObjectId(),
  name: '7-day attendance',
  description: '',
  activate: true,
  startedAt: new Date('2026-11-28T00:00:00.000Z'),
  endedAt: new Date('2026-12-05T00:00:00.000Z'),
  timezone: 'UTC',
  requireApproval: false,
  exclusiveRewards: false,
  contents: [{ type: 'attendance', count: 1 }],
  createdBy: 'op',
  createdAt: now,
  updatedAt: now
}
const day7: RewardDoc = {
  _id: new ObjectId(),
  eventId: event._id,
  contents: [{ type: 'point', amount: 70 }],
  conditions: [{ type: 'attendance', count: 7 }],
  active: true,
  stock: 10,
  stockLeft: 10,
  createdBy: 'op',
  createdAt: now
}
const threeDays: ProgressState = { attendance: { days: ['2026-11-28', '2026-11-29', '2026-12-01'] } }

function situation({ event: e = event, reward = day7, holder = null as { _id: ObjectId } | null, state = threeDays } = {}): ClaimSituation {
  return {
    event: e,
    reward,
    periodKey: 'all',
    slot: `reward:${reward._id.toHexString()}:all`,
    holder,
    conditions: measureAll(conditionsOf(e, reward), state),
    now
  }
}
const codes = (s: ClaimSituation) => refusalsOf(s).map((refusal) => refusal.code)

describe('claim checks, in the SPEC order', () => {
  test('claimable: no reason at all', () => {
    assert.deepEqual(codes(situation({ reward: { ...day7, conditions: [{ type: 'attendance', count: 3 }] } })), [])
  })

  test("the bundle's milestone and the event's conditions are both judged (AND)", () => {
    const [refusal] = refusalsOf(situation())
    assert.equal(refusal?.code, 'CONDITIONS_NOT_MET')
    assert.deepEqual(refusal?.unmet?.map(({ name, current, target }) => ({ name, current, target })), [{ name: 'attendance', current: 3, target: 7 }])
    assert.deepEqual(codes(situation({ reward: { ...day7, conditions: [] }, state: {} })), ['CONDITIONS_NOT_MET'])
  })

  test('a taken slot comes first, with the holding claim, even when the event has ended and the stock is gone', () => {
    const holder = { _id: new ObjectId() }
    const ended = { ...event, endedAt: new Date('2026-11-30T00:00:00.000Z') }
    const refusals = refusalsOf(situation({ event: ended, reward: { ...day7, stockLeft: 0 }, holder }))
    assert.deepEqual(refusals.map((refusal) => refusal.code), ['ALREADY_CLAIMED', 'EVENT_ENDED', 'CONDITIONS_NOT_MET', 'OUT_OF_STOCK'])
    assert.equal(refusals[0]?.claimId, holder._id)
  })

  test('event and bundle state before conditions; stock last', () => {
    assert.deepEqual(codes(situation({ event: { ...event, activate: false }, reward: { ...day7, active: false, stockLeft: 0 } })), [
      'EVENT_INACTIVE',
      'REWARD_INACTIVE',
      'CONDITIONS_NOT_MET',
      'OUT_OF_STOCK'
    ])
    assert.deepEqual(codes(situation({ event: { ...event, startedAt: new Date('2026-12-02T00:00:00.000Z') } }))[0], 'EVENT_NOT_STARTED')
    assert.deepEqual(codes(situation({ reward: { ...day7, conditions: [{ type: 'attendance', count: 3 }], stockLeft: 0 } })), ['OUT_OF_STOCK'])
  })

  test('unlimited bundles and bundles written before the switch existed are never out of stock and active', () => {
    const legacy: RewardDoc = { _id: new ObjectId(), eventId: event._id, contents: [{ type: 'point', amount: 1 }], createdBy: 'op', createdAt: now }
    assert.deepEqual(codes(situation({ reward: legacy })), [])
  })
})
