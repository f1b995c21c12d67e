import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { discriminatedUnion } from './union.js'

const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000, examples: [2] })
const Amount = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [1_000] })

const ItemReward = Type.Object(
  { type: Type.Literal('item'), itemName: Type.String({ minLength: 1, maxLength: 100, examples: ['슈퍼박스'] }), quantity: Quantity },
  { additionalProperties: false, title: 'ItemReward' }
)
const PointReward = Type.Object({ type: Type.Literal('point'), amount: Amount }, { additionalProperties: false, title: 'PointReward' })
const CouponReward = Type.Object(
  {
    type: Type.Literal('coupon'),
    couponCode: Type.String({ minLength: 1, maxLength: 64, examples: ['WELCOME-2025'] }),
    quantity: Quantity
  },
  { additionalProperties: false, title: 'CouponReward' }
)
const CurrencyReward = Type.Object(
  {
    type: Type.Literal('currency'),
    currency: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Game currency code', examples: ['GOLD'] }),
    amount: Amount
  },
  { additionalProperties: false, title: 'CurrencyReward' }
)

export const RewardContent = discriminatedUnion('type', [ItemReward, PointReward, CouponReward, CurrencyReward], {
  title: 'RewardContent',
  description: 'One part of a reward bundle, chosen by `type`'
})
export type RewardContent = Static<typeof RewardContent>
export const RewardContents = Type.Array(RewardContent, { minItems: 1, maxItems: 20 })

const SEED_REWARD = {
  eventId: '682c1bbb6fb6c7f00ae8ae40',
  userId: '682c1aaa6fb6c7f00ae8ae33',
  contents: [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }]
}

export const CreateRewardBody = Type.Object(
  {
    eventId: ObjectIdString,
    /** The seed sends the author; the token's `sub` is recorded instead. */
    userId: Type.Optional(ObjectIdString),
    contents: RewardContents
  },
  { additionalProperties: false, title: 'RewardInput', examples: [SEED_REWARD] }
)
export type CreateRewardBody = Static<typeof CreateRewardBody>

export const Reward = Type.Object(
  {
    id: ObjectIdString,
    eventId: ObjectIdString,
    contents: RewardContents,
    createdBy: Type.String(),
    createdAt: DateTimeString
  },
  { additionalProperties: false, title: 'Reward' }
)
export type Reward = Static<typeof Reward>

export const RewardListQuery = Type.Object(
  { eventId: Type.Optional(ObjectIdString), ...PageQuery },
  { additionalProperties: false }
)
export const RewardPage = pageOf(Reward, 'RewardPage')
