import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { RewardContent } from './rewards.js'

export const GrantBody = Type.Object(
  {
    userId: ObjectIdString,
    contents: Type.Array(RewardContent, { minItems: 1, maxItems: 20, description: 'What to grant' }),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why (kept for staff and in the audit log)', examples: ['Lost in the 2026-11-30 outage, ticket OPS-4410'] })
  },
  {
    additionalProperties: false,
    title: 'GrantInput',
    examples: [{ userId: '682c1aaa6fb6c7f00ae8ae33', contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }], reason: 'Lost in the 2026-11-30 outage, ticket OPS-4410' }]
  }
)
export type GrantBody = Static<typeof GrantBody>

/** Headers are open (Authorization and friends); only the one we read is described. */
export const GrantHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'Required. Scoped to the player granted to: the same key again (any operator, any time) is the same grant, never a second one',
    examples: ['ops-4410-682c1aaa']
  })
})

export const GrantedReward = Type.Object(
  {
    id: ObjectIdString,
    kind: Type.Unsafe<'claim' | 'grant'>({ type: 'string', enum: ['claim', 'grant'], description: '`claim`: a claimed bundle; `grant`: a make-good grant' }),
    eventId: Type.Union([ObjectIdString, Type.Null()], { description: 'null on a make-good grant' }),
    rewardId: Type.Union([ObjectIdString, Type.Null()], { description: 'null on a make-good grant' }),
    rewards: Type.Array(RewardContent, { description: 'What was granted' }),
    grantedAt: DateTimeString,
    reason: Type.Optional(Type.String({ description: "Staff only: a make-good grant's reason" }))
  },
  { additionalProperties: false, title: 'GrantedReward' }
)
export type GrantedReward = Static<typeof GrantedReward>
export const GrantedRewardPage = pageOf(GrantedReward, 'GrantedRewardPage')

export const MyGrantedRewardsQuery = Type.Object(PageQuery, { additionalProperties: false })
export const GrantedRewardsQuery = Type.Object({ userId: ObjectIdString, ...PageQuery }, { additionalProperties: false })
export type GrantedRewardsQuery = Static<typeof GrantedRewardsQuery>
