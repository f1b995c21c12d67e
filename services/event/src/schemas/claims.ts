import { Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { RewardContent } from './rewards.js'
import { discriminatedUnion } from './union.js'

export const CLAIM_STATUSES = ['pending', 'processing', 'completed', 'rejected', 'failed'] as const
export type ClaimStatus = (typeof CLAIM_STATUSES)[number]
export const ClaimStatusSchema = Type.Unsafe<ClaimStatus>({ type: 'string', enum: [...CLAIM_STATUSES], title: 'ClaimStatus', examples: ['pending'] })
/** Why a failed claim failed: `refused` — the receiver said no for good; `unknown` — the budget ran out, it may have been granted. */
export const DELIVERY_OUTCOMES = ['refused', 'unknown'] as const
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]
const NullableDateTime = Type.Union([DateTimeString, Type.Null()])

export const CreateClaimBody = Type.Object(
  {
    /** Yourself only; present because the seed's body carries it. */
    userId: Type.Optional(ObjectIdString),
    rewardsId: ObjectIdString
  },
  { additionalProperties: false, title: 'ClaimInput', examples: [{ userId: '682c1aaa6fb6c7f00ae8ae33', rewardsId: '682c1ccc6fb6c7f00ae8ae51' }] }
)
export type CreateClaimBody = Static<typeof CreateClaimBody>

export const RejectClaimBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, examples: ['Duplicate account'] }) },
  { additionalProperties: false, title: 'ClaimRejection', examples: [{ reason: 'Duplicate account' }] }
)
export type RejectClaimBody = Static<typeof RejectClaimBody>

const ReasonText = Type.String({ minLength: 1, maxLength: 1000, examples: ['Inventory full'] })
export const DeliveryConfirmationBody = discriminatedUnion(
  'status',
  [
    Type.Object({ status: Type.Literal('completed') }, { additionalProperties: false, title: 'DeliveryCompleted' }),
    Type.Object(
      {
        status: Type.Literal('failed'),
        reason: Type.Optional(ReasonText),
        /** The first version's name for `reason`; accepted so existing delivery systems keep working. */
        error: Type.Optional({ ...ReasonText, deprecated: true, description: 'Deprecated: send `reason`' })
      },
      // `status` and one of `reason` / `error`: there are no other properties.
      { additionalProperties: false, title: 'DeliveryFailed', minProperties: 2 }
    )
  ],
  {
    title: 'DeliveryConfirmation',
    description: 'The delivery system confirms or refuses a grant it accepted earlier (answered 202)',
    examples: [{ status: 'completed' }, { status: 'failed', reason: 'Inventory full' }]
  }
)
export type DeliveryConfirmationBody = Static<typeof DeliveryConfirmationBody>

export const ResolveClaimBody = Type.Object(
  {
    note: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'How you confirmed the grant landed (kept in the audit trail)',
      examples: ['Checked the game ledger: 500 GOLD granted on 2026-11-30, ticket OPS-4411']
    })
  },
  { additionalProperties: false, title: 'ClaimResolution', examples: [{ note: 'Checked the game ledger: 500 GOLD granted, ticket OPS-4411' }] }
)
export type ResolveClaimBody = Static<typeof ResolveClaimBody>

const ClaimDelivery = Type.Object(
  {
    attempts: Type.Integer({ description: 'Requests sent to the delivery system so far' }),
    nextAttemptAt: Type.Union([DateTimeString, Type.Null()], { description: 'When the next attempt is due (null: none planned)' }),
    acceptedAt: Type.Union([DateTimeString, Type.Null()], {
      description: 'The delivery system accepted the grant and will confirm it through the callback'
    }),
    completedAt: NullableDateTime,
    queuedAt: Type.Optional(
      Type.Union([DateTimeString, Type.Null()], { description: 'Staff only: when the claim last entered `processing`' })
    ),
    lastError: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: "Staff only: the delivery system's last non-final answer" })
    ),
    outcome: Type.Optional(
      Type.Union([Type.Unsafe<DeliveryOutcome>({ type: 'string', enum: [...DELIVERY_OUTCOMES], title: 'DeliveryOutcome' }), Type.Null()], {
        description:
          'Staff only, on failed claims: `refused` — the delivery system refused it for good; `unknown` — retries ran ' +
          'out without a final answer, so it may have been granted (check before retrying or resolving)'
      })
    )
  },
  { additionalProperties: false, title: 'ClaimDelivery' }
)

export const Claim = Type.Object(
  {
    id: ObjectIdString,
    userId: ObjectIdString,
    kind: Type.Unsafe<'claim' | 'grant'>({
      type: 'string',
      enum: ['claim', 'grant'],
      title: 'ClaimKind',
      description: '`claim`: a player claimed a bundle; `grant`: a make-good grant by staff (no event or bundle), delivered the same way',
      examples: ['claim']
    }),
    eventId: Type.Union([ObjectIdString, Type.Null()], { description: 'null on a make-good grant' }),
    rewardId: Type.Union([ObjectIdString, Type.Null()], { description: 'null on a make-good grant' }),
    periodKey: Type.String({ description: 'The period claimed in: `all` for an event without recurrence', examples: ['all'] }),
    status: ClaimStatusSchema,
    /** The bundle as it was when claimed: what gets delivered. */
    rewards: Type.Array(RewardContent, {
      description: "What this claim grants, fixed when it was made: the bundle's contents, then what its random table rolled"
    }),
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why it was rejected or failed: to staff in the words given, to the player a generic sentence'
    }),
    delivery: ClaimDelivery,
    createdAt: DateTimeString,
    updatedAt: DateTimeString
  },
  { additionalProperties: false, title: 'Claim' }
)
export type Claim = Static<typeof Claim>

export const ClaimTransition = Type.Object(
  {
    from: Type.Union([ClaimStatusSchema, Type.Null()], { description: 'null: the claim was created' }),
    to: ClaimStatusSchema,
    by: Type.String({
      description:
        'User id of the actor, or `system:delivery` (the delivery worker). The player sees their own id and ' +
        '`system:delivery` as they are, and `staff` for every other account (operators, the delivery system\'s callback)',
      examples: ['682c1aaa6fb6c7f00ae8ae33']
    }),
    at: DateTimeString,
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Rejection reason, error or resolve note (staff only; null for the player)' })
  },
  { additionalProperties: false, title: 'ClaimTransition' }
)
export type ClaimTransition = Static<typeof ClaimTransition>

export const ClaimDetail = Type.Object(
  { ...Claim.properties, transitions: Type.Array(ClaimTransition, { description: 'Audit trail, oldest first' }) },
  { additionalProperties: false, title: 'ClaimDetail' }
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
export const ClaimPage = pageOf(Claim, 'ClaimPage')

export const DeliveryStatus = Type.Object(
  {
    mode: Type.Unsafe<'http' | 'ledger'>({
      type: 'string',
      enum: ['http', 'ledger'],
      title: 'DeliveryMode',
      description: '`http`: grants go to REWARD_DELIVERY_URL; `ledger`: to the built-in ledger'
    }),
    paused: Type.Boolean(),
    pausedAt: NullableDateTime,
    pausedBy: Type.Union([Type.String(), Type.Null()]),
    outboxDepth: Type.Integer({ description: 'Claims in `processing` (queued, waiting for a retry or a callback, or being sent)' }),
    oldestProcessingAgeSeconds: Type.Union([Type.Number(), Type.Null()], {
      description: 'How long the longest-waiting `processing` claim has waited (null: none)'
    }),
    circuit: Type.Unsafe<'closed' | 'open' | 'half-open'>({
      type: 'string',
      enum: ['closed', 'open', 'half-open'],
      title: 'CircuitState',
      description: "The answering instance's circuit breaker in front of the delivery system"
    })
  },
  { additionalProperties: false, title: 'DeliveryStatus' }
)
export type DeliveryStatus = Static<typeof DeliveryStatus>

export const SetDeliveryBody = Type.Object(
  { paused: Type.Boolean({ description: 'true: stop sending (claims queue as `processing`, budgets stop); false: resume' }) },
  { additionalProperties: false, title: 'DeliveryPause', examples: [{ paused: true }, { paused: false }] }
)
export type SetDeliveryBody = Static<typeof SetDeliveryBody>

/** How many claims one bulk decision may name. */
export const BULK_DECISION_MAX = 500
const BulkIds = Type.Array(ObjectIdString, {
  minItems: 1,
  maxItems: BULK_DECISION_MAX,
  uniqueItems: true,
  description: `Claims to decide, at most ${BULK_DECISION_MAX}, each once`,
  examples: [['682c1ddd6fb6c7f00ae8ae60', '682c1ddd6fb6c7f00ae8ae61']]
})

export const BulkApproveBody = Type.Object(
  { ids: BulkIds },
  { additionalProperties: false, title: 'BulkApproval', examples: [{ ids: ['682c1ddd6fb6c7f00ae8ae60', '682c1ddd6fb6c7f00ae8ae61'] }] }
)
export type BulkApproveBody = Static<typeof BulkApproveBody>

export const BulkRejectBody = Type.Object(
  { ids: BulkIds, reason: RejectClaimBody.properties.reason },
  { additionalProperties: false, title: 'BulkRejection', examples: [{ ids: ['682c1ddd6fb6c7f00ae8ae60'], reason: 'Duplicate account' }] }
)
export type BulkRejectBody = Static<typeof BulkRejectBody>

/** Refusals a bulk decision reports per claim (the single routes' 404 / 403 / 409 codes). */
export const BULK_REFUSAL_CODES = ['CLAIM_NOT_FOUND', 'SELF_APPROVAL', 'INVALID_TRANSITION'] as const
export type BulkRefusalCode = (typeof BULK_REFUSAL_CODES)[number]

export const BulkDecisionResult = Type.Object(
  {
    id: ObjectIdString,
    status: Type.Unsafe<ClaimStatus | 'not_found'>({
      type: 'string',
      enum: [...CLAIM_STATUSES, 'not_found'],
      title: 'BulkDecisionStatus',
      description:
        'The claim\'s status after this request: what the decision made of it (`processing`, `completed`, `failed` after ' +
        'an approval; `rejected`), or — with a `code` — the state it is in instead (after a lost race, the other decision\'s); ' +
        '`not_found` for an id that names no claim'
    }),
    code: Type.Optional(
      Type.Unsafe<BulkRefusalCode>({
        type: 'string',
        enum: [...BULK_REFUSAL_CODES],
        title: 'BulkRefusalCode',
        description: 'Present when this claim was not decided: `INVALID_TRANSITION` (not pending, or another decision won), `SELF_APPROVAL` (your own claim), `CLAIM_NOT_FOUND`'
      })
    )
  },
  { additionalProperties: false, title: 'BulkDecisionResult' }
)
export type BulkDecisionResult = Static<typeof BulkDecisionResult>

export const BulkDecisionReply = Type.Object(
  { results: Type.Array(BulkDecisionResult, { description: 'One per id, in the order of the request' }) },
  {
    additionalProperties: false,
    title: 'BulkDecisionResults',
    examples: [
      {
        results: [
          { id: '682c1ddd6fb6c7f00ae8ae60', status: 'completed' },
          { id: '682c1ddd6fb6c7f00ae8ae61', status: 'rejected', code: 'INVALID_TRANSITION' }
        ]
      }
    ]
  }
)
export type BulkDecisionReply = Static<typeof BulkDecisionReply>
