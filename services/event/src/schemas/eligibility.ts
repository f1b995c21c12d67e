import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdString } from '@app/contracts'
import { BUNDLE_REFUSAL_CODES, ConditionProgress } from './progress.js'

export const EligibilityQuery = Type.Object(
  { userId: ObjectIdString },
  { additionalProperties: false, title: 'EligibilityQuery', examples: [{ userId: '682c1aaa6fb6c7f00ae8ae33' }] }
)
export type EligibilityQuery = Static<typeof EligibilityQuery>

/** Every code a dry run can give: a claim's refusals, plus the player not being in the event's audience. */
export const ELIGIBILITY_REASON_CODES = ['NOT_VISIBLE', ...BUNDLE_REFUSAL_CODES] as const
export type EligibilityReasonCode = (typeof ELIGIBILITY_REASON_CODES)[number]

export const EligibilityReason = Type.Object(
  {
    code: Type.Unsafe<EligibilityReasonCode>({ type: 'string', enum: [...ELIGIBILITY_REASON_CODES], title: 'EligibilityReasonCode' }),
    detail: Type.String({ examples: ['Conditions not met: attendance 1/3'] }),
    claimId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{24}$', description: 'ALREADY_CLAIMED: the claim holding the slot' })),
    unmet: Type.Optional(Type.Array(ConditionProgress, { description: 'CONDITIONS_NOT_MET: each condition that does not hold, with its value and target' }))
  },
  { additionalProperties: false, title: 'EligibilityReason' }
)

export const Eligibility = Type.Object(
  {
    rewardId: ObjectIdString,
    eventId: ObjectIdString,
    userId: ObjectIdString,
    periodKey: Type.String({ description: 'The period a claim made now would be in (`all`: the whole event)', examples: ['all', '2026-12-01'] }),
    claimable: Type.Boolean({ description: 'A claim made now would be accepted (the stock could still run out in between)' }),
    visible: Type.Union([Type.Boolean(), Type.Null()], {
      description: "Whether the event's audience admits the player, judged from the account's tags as auth holds them now (the player's token carries them from the next refresh on); null when it could not be judged — auth unreachable or no such account — and then no NOT_VISIBLE reason is given"
    }),
    reasons: Type.Array(EligibilityReason, {
      description: 'Every reason a claim would be refused, in the order the claim checks them: the first is the code the claim would answer with'
    }),
    conditions: Type.Array(ConditionProgress, { description: "The event's and the bundle's conditions, measured on the player's progress in this period" })
  },
  {
    additionalProperties: false,
    title: 'Eligibility',
    examples: [
      {
        rewardId: '682c1ccc6fb6c7f00ae8ae51',
        eventId: '682c1bbb6fb6c7f00ae8ae40',
        userId: '682c1aaa6fb6c7f00ae8ae33',
        periodKey: 'all',
        claimable: false,
        visible: true,
        reasons: [
          {
            code: 'CONDITIONS_NOT_MET',
            detail: 'Conditions not met: attendance 1/3',
            unmet: [{ name: 'attendance', type: 'attendance', current: 1, target: 3, holds: false }]
          }
        ],
        conditions: [{ name: 'attendance', type: 'attendance', current: 1, target: 3, holds: false }]
      }
    ]
  }
)
export type Eligibility = Static<typeof Eligibility>
