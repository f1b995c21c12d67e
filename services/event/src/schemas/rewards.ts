import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { Condition } from './conditions.js'
import { Version } from './events.js'
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

/** The most a table may roll per claim, and its size: a claim's rewards stay a reviewable list. */
export const MAX_ROLLS = 10
const MAX_TABLE_ENTRIES = 100
const MAX_WEIGHT = 1_000_000

const Weight = Type.Integer({
  minimum: 1,
  maximum: MAX_WEIGHT,
  description: "Relative chance: an entry's chance per roll is its weight ÷ the sum of the table's weights",
  examples: [70]
})
/** The example table: 70 %, 25 % and 5 % per roll. */
const LUCKY_TABLE = [
  { weight: 70, contents: [{ type: 'currency', currency: 'GOLD', amount: 100 }] },
  { weight: 25, contents: [{ type: 'item', itemName: 'Rare box', quantity: 1 }] },
  { weight: 5, contents: [{ type: 'item', itemName: 'Legendary sword', quantity: 1 }] }
]
const RandomEntryInput = Type.Object(
  { weight: Weight, contents: RewardContents },
  { additionalProperties: false, title: 'RandomEntryInput' }
)
const randomContentsOptions = {
  description:
    'A random table, rolled once when the claim is made (a cryptographic RNG), `rolls` times with replacement; ' +
    'the claim keeps what was rolled, and approval shows and delivery sends exactly that, on every retry. ' +
    'Chances are weight ÷ total weight: the example\'s weights 70, 25 and 5 (total 100) are 70 %, 25 % and 5 % per roll. ' +
    'The bundle as read shows each entry\'s `chance` in percent.'
}
export const RandomContentsInput = Type.Object(
  {
    rolls: Type.Integer({ minimum: 1, maximum: MAX_ROLLS, description: 'Entries drawn per claim (with replacement)', examples: [1] }),
    table: Type.Array(RandomEntryInput, { minItems: 1, maxItems: MAX_TABLE_ENTRIES })
  },
  {
    additionalProperties: false,
    title: 'RandomContentsInput',
    ...randomContentsOptions,
    examples: [
      {
        rolls: 1,
        table: LUCKY_TABLE
      }
    ]
  }
)
export type RandomContentsInput = Static<typeof RandomContentsInput>

const RandomEntry = Type.Object(
  {
    weight: Type.Integer(),
    chance: Type.Number({ description: 'Percent per roll: weight ÷ total weight × 100, to two decimals', examples: [70] }),
    contents: Type.Array(RewardContent)
  },
  { additionalProperties: false, title: 'RandomEntry' }
)
export const RandomContents = Type.Object(
  { rolls: Type.Integer(), table: Type.Array(RandomEntry) },
  { additionalProperties: false, title: 'RandomContents', ...randomContentsOptions }
)
export type RandomContents = Static<typeof RandomContents>

const SEED_REWARD = {
  eventId: '682c1bbb6fb6c7f00ae8ae40',
  userId: '682c1aaa6fb6c7f00ae8ae33',
  contents: [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }]
}

const BundleName = Type.String({ minLength: 1, maxLength: 100, description: 'What operators and players call the bundle', examples: ['Day 3'] })
const BundleConditions = Type.Array(Condition, {
  minItems: 1,
  maxItems: 20,
  description:
    "The bundle's own milestone: claimable when the event's conditions and all of these hold (AND). " +
    'The event counts reports of these types from the moment the bundle exists.'
})
const Stock = Type.Integer({
  minimum: 1,
  maximum: 100_000_000,
  description: 'How many times the bundle may be granted in total, across all players. Absent: unlimited.',
  examples: [1000]
})
const activeOptions = { description: 'Off → the bundle cannot be claimed (409 REWARD_INACTIVE); pending claims stay approvable' }

export const CreateRewardBody = Type.Object(
  {
    eventId: ObjectIdString,
    /** The seed sends the author; the token's `sub` is recorded instead. */
    userId: Type.Optional(ObjectIdString),
    name: Type.Optional(BundleName),
    contents: Type.Optional(
      Type.Array(RewardContent, { minItems: 1, maxItems: 20, description: 'Granted on every claim; a bundle needs these, `randomContents`, or both' })
    ),
    randomContents: Type.Optional(RandomContentsInput),
    conditions: Type.Optional(BundleConditions),
    stock: Type.Optional(Stock),
    active: Type.Optional(Type.Boolean({ ...activeOptions, default: true }))
  },
  {
    additionalProperties: false,
    title: 'RewardInput',
    examples: [
      SEED_REWARD,
      {
        eventId: '682c1bbb6fb6c7f00ae8ae40',
        name: 'Day 3',
        conditions: [{ type: 'attendance', count: 3 }],
        contents: [{ type: 'currency', currency: 'GOLD', amount: 300 }]
      },
      {
        eventId: '682c1bbb6fb6c7f00ae8ae40',
        name: 'First 1,000 players: a skin',
        stock: 1000,
        contents: [{ type: 'item', itemName: 'Founder skin', quantity: 1 }]
      },
      {
        eventId: '682c1bbb6fb6c7f00ae8ae40',
        name: 'Daily lucky box',
        contents: [{ type: 'point', amount: 10 }],
        randomContents: {
          rolls: 1,
          table: LUCKY_TABLE
        }
      }
    ]
  }
)
export type CreateRewardBody = Static<typeof CreateRewardBody>

export const UpdateRewardBody = Type.Object(
  {
    name: Type.Optional(BundleName),
    active: Type.Optional(Type.Boolean(activeOptions)),
    // A 3.1 type list, not a union with null: Ajv's coercion would turn a `0` into null (unlimited) in the null branch.
    stock: Type.Optional(
      Type.Unsafe<number | null>({
        ...Stock,
        type: ['integer', 'null'],
        description: 'New total (null: unlimited). Never below the claims not rejected (400); `stockLeft` moves by the same amount.',
        examples: [2000, null]
      })
    ),
    contents: Type.Optional(
      Type.Array(RewardContent, { maxItems: 20, description: 'Fixed contents (may be empty when the bundle has `randomContents`). Only while the bundle has no claim.' })
    ),
    randomContents: Type.Optional(Type.Union([RandomContentsInput, Type.Null()], { description: 'null: no random table. Only while the bundle has no claim.' })),
    conditions: Type.Optional(
      Type.Array(Condition, { maxItems: 20, description: "The milestone (empty: the event's conditions alone). Only while the bundle has no claim." })
    ),
    version: Type.Optional(Version)
  },
  {
    additionalProperties: false,
    minProperties: 1,
    title: 'RewardUpdate',
    description:
      'Only the fields given change. `contents`, `randomContents` and `conditions` are fixed once the bundle has a claim (409 REWARD_HAS_CLAIMS; ' +
      'sending the value it has is no change).',
    examples: [{ active: false }, { stock: 2000, version: 1 }, { name: 'Day 3 (fixed)', conditions: [{ type: 'attendance', count: 3 }], version: 2 }]
  }
)
export type UpdateRewardBody = Static<typeof UpdateRewardBody>

export const Reward = Type.Object(
  {
    id: ObjectIdString,
    eventId: ObjectIdString,
    name: Type.Union([Type.String(), Type.Null()]),
    contents: Type.Array(RewardContent, { description: 'Granted on every claim (may be empty when `randomContents` is set)' }),
    randomContents: Type.Union([RandomContents, Type.Null()]),
    conditions: Type.Array(Condition, { description: 'The milestone (empty: the event\'s conditions alone)' }),
    active: Type.Boolean(activeOptions),
    stock: Type.Union([Type.Integer(), Type.Null()], { description: 'Total grants allowed (null: unlimited)' }),
    stockLeft: Type.Union([Type.Integer(), Type.Null()], {
      description: 'stock − claims not rejected (null: unlimited). A rejection gives its unit back; nothing else does.'
    }),
    version: Type.Integer({ minimum: 1, description: 'Raised by every edit; send it back with the next one' }),
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
