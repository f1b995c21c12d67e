import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { RewardContents } from './rewards.js'
import { discriminatedUnion } from './union.js'

export const CLAIM_STATUSES = ['pending', 'processing', 'completed', 'rejected', 'failed'] as const
export type ClaimStatus = (typeof CLAIM_STATUSES)[number]
export const ClaimStatusSchema = Type.Unsafe<ClaimStatus>({ type: 'string', enum: [...CLAIM_STATUSES], examples: ['pending'] })
const NullableDateTime = Type.Union([DateTimeString, Type.Null()])

export const CreateClaimBody = Type.Object(
  {
    /** Yourself only; present because the seed's body carries it. */
    userId: Type.Optional(ObjectIdString),
    rewardsId: ObjectIdString
  },
  { additionalProperties: false, examples: [{ userId: '682c1aaa6fb6c7f00ae8ae33', rewardsId: '682c1ccc6fb6c7f00ae8ae51' }] }
)
export type CreateClaimBody = Static<typeof CreateClaimBody>

export const RejectClaimBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, examples: ['Duplicate account'] }) },
  { additionalProperties: false, examples: [{ reason: 'Duplicate account' }] }
)
export type RejectClaimBody = Static<typeof RejectClaimBody>

export const DeliveryConfirmationBody = discriminatedUnion(
  'status',
  [
    Type.Object({ status: Type.Literal('completed') }, { additionalProperties: false, title: 'completed' }),
    Type.Object(
      { status: Type.Literal('failed'), error: Type.String({ minLength: 1, maxLength: 1000, examples: ['Inventory full'] }) },
      { additionalProperties: false, title: 'failed' }
    )
  ],
  {
    description: 'The delivery system confirms a grant it accepted earlier (answered 202)',
    examples: [{ status: 'completed' }, { status: 'failed', error: 'Inventory full' }]
  }
)
export type DeliveryConfirmationBody = Static<typeof DeliveryConfirmationBody>

const ClaimDelivery = Type.Object(
  {
    attempts: Type.Integer({ description: 'Delivery attempts made so far' }),
    nextAttemptAt: Type.Union([DateTimeString, Type.Null()], { description: 'When the next attempt is due (null: none planned)' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    acceptedAt: Type.Union([DateTimeString, Type.Null()], {
      description: 'The delivery system accepted the grant and will confirm it through the callback'
    }),
    completedAt: NullableDateTime
  },
  { additionalProperties: false }
)

export const Claim = Type.Object(
  {
    id: ObjectIdString,
    userId: ObjectIdString,
    eventId: ObjectIdString,
    rewardId: ObjectIdString,
    status: ClaimStatusSchema,
    /** The bundle as it was when claimed: what gets delivered. */
    rewards: RewardContents,
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it was rejected or failed' }),
    delivery: ClaimDelivery,
    createdAt: DateTimeString,
    updatedAt: DateTimeString
  },
  { additionalProperties: false }
)
export type Claim = Static<typeof Claim>

export const ClaimTransition = Type.Object(
  {
    from: Type.Union([ClaimStatusSchema, Type.Null()], { description: 'null: the claim was created' }),
    to: ClaimStatusSchema,
    by: Type.String({ description: 'User id of the actor, or `system:delivery`', examples: ['682c1aaa6fb6c7f00ae8ae33'] }),
    at: DateTimeString,
    reason: Type.Union([Type.String(), Type.Null()])
  },
  { additionalProperties: false }
)
export type ClaimTransition = Static<typeof ClaimTransition>

export const ClaimDetail = Type.Object(
  { ...Claim.properties, transitions: Type.Array(ClaimTransition, { description: 'Audit trail, oldest first' }) },
  { additionalProperties: false }
)
export type ClaimDetail = Static<typeof ClaimDetail>

const HistoryFilters = {
  eventId: Type.Optional(ObjectIdString),
  status: Type.Optional(ClaimStatusSchema),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Claimed at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Claimed before' })),
  ...PageQuery
}
export const ClaimListQuery = Type.Object(
  { userId: Type.Optional(ObjectIdString), ...HistoryFilters },
  { additionalProperties: false }
)
export type ClaimListQuery = Static<typeof ClaimListQuery>
export const MyClaimsQuery = Type.Object(HistoryFilters, { additionalProperties: false })
export type MyClaimsQuery = Static<typeof MyClaimsQuery>
export const ClaimPage = pageOf(Claim)
