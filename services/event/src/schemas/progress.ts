import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { CONDITION_TYPES, type ConditionType } from './conditions.js'
import { discriminatedUnion } from './union.js'

const Count = Type.Integer({
  minimum: 1,
  maximum: 1_000_000_000_000,
  default: 1,
  description: 'invite: friends invited; purchase: amount spent in minor units; attendance, login_streak, quest: ignored'
})
const QuestValue = Type.String({ minLength: 1, maxLength: 128, description: 'quest: the completed questId', examples: ['q-17'] })
const OccurredAt = Type.String({ format: 'date-time', description: 'When it happened (default: now, as first received)' })

/** One branch per condition type, so what each needs is in the schema: a quest report needs `value`. */
function reportOf<const T extends ConditionType>(eventType: T, title: string, { needsValue = false } = {}) {
  return Type.Object(
    {
      eventType: Type.Literal(eventType),
      userId: ObjectIdString,
      count: Type.Optional(Count),
      ...(needsValue ? { value: QuestValue } : { value: Type.Optional({ ...QuestValue, description: 'Ignored for this type' }) }),
      occurredAt: Type.Optional(OccurredAt)
    },
    { additionalProperties: false, title }
  )
}

export const ProgressReportBody = discriminatedUnion(
  'eventType',
  [
    reportOf('attendance', 'AttendanceReport'),
    reportOf('login_streak', 'LoginStreakReport'),
    reportOf('quest', 'QuestReport', { needsValue: true }),
    reportOf('invite', 'InviteReport'),
    reportOf('purchase', 'PurchaseReport')
  ],
  {
    title: 'ProgressReport',
    description: 'A progress report, chosen by `eventType`',
    examples: [
      { eventType: 'attendance', userId: '682c1aaa6fb6c7f00ae8ae33', count: 1 },
      { eventType: 'quest', userId: '682c1aaa6fb6c7f00ae8ae33', value: 'q-17', occurredAt: '2025-05-12T10:00:00.000Z' }
    ]
  }
)
export type ProgressReportBody = Static<typeof ProgressReportBody>

/** A batch report's `id`: its idempotency key, in the same key space as the single report's `Idempotency-Key`. */
const BatchReportId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7E]+$',
  description: "The report's idempotency key, in the same key space as `Idempotency-Key` on a single report (scoped to your account and the user)",
  examples: ['login-682c1aaa-2025-05-12']
})

/** The branches of a batch item: a single report's fields plus its `id`. */
const batchReportOf = <const T extends ConditionType>(eventType: T, title: string, options: { needsValue?: boolean } = {}) => {
  const single = reportOf(eventType, title, options)
  return Type.Object({ id: BatchReportId, ...single.properties }, { additionalProperties: false, title })
}

/** One report of a batch, chosen by `eventType`; each item is validated on its own (a bad one is `invalid`, not a 400). */
export const BatchProgressReport = discriminatedUnion(
  'eventType',
  [
    batchReportOf('attendance', 'BatchAttendanceReport'),
    batchReportOf('login_streak', 'BatchLoginStreakReport'),
    batchReportOf('quest', 'BatchQuestReport', { needsValue: true }),
    batchReportOf('invite', 'BatchInviteReport'),
    batchReportOf('purchase', 'BatchPurchaseReport')
  ],
  {
    title: 'BatchProgressReport',
    description: 'A progress report in a batch, chosen by `eventType`: the single report\'s fields plus its `id`',
    examples: [{ id: 'checkin-682c1aaa-2025-05-12', eventType: 'attendance', userId: '682c1aaa6fb6c7f00ae8ae33' }]
  }
)
export type BatchProgressReport = Static<typeof BatchProgressReport>

export const MAX_BATCH_REPORTS = 500

const batchBodyOf = (item: TSchema) =>
  Type.Object(
    { reports: Type.Array(item, { minItems: 1, maxItems: MAX_BATCH_REPORTS, description: `1–${MAX_BATCH_REPORTS} reports; each is judged on its own` }) },
    {
      additionalProperties: false,
      title: 'ProgressReportBatch',
      examples: [
        {
          reports: [
            { id: 'checkin-682c1aaa-2025-05-12', eventType: 'attendance', userId: '682c1aaa6fb6c7f00ae8ae33' },
            { id: 'quest-682c1aaa-q-17', eventType: 'quest', userId: '682c1aaa6fb6c7f00ae8ae33', value: 'q-17' }
          ]
        }
      ]
    }
  )

/** The batch as documented: every item's shape (OpenAPI, clients). */
export const ProgressReportBatchBody = batchBodyOf(BatchProgressReport)
export type ProgressReportBatchBody = Static<typeof ProgressReportBatchBody>
/**
 * The batch as the route validates it: the envelope strictly, each item only as "some value",
 * since a bad item must be answered `invalid` in its place rather than fail the whole batch.
 */
export const ProgressReportBatchEnvelope = batchBodyOf(Type.Unknown())

export const BATCH_REPORT_STATUSES = ['applied', 'duplicate', 'ignored', 'invalid'] as const
export type BatchReportStatus = (typeof BATCH_REPORT_STATUSES)[number]

export const BatchReportResult = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Null()], { description: "The report's `id` as sent (null: the item had none that could be read)" }),
    status: Type.Unsafe<BatchReportStatus>({
      type: 'string',
      enum: [...BATCH_REPORT_STATUSES],
      description:
        'applied: counted toward at least one event; duplicate: this id was received before (or earlier in this batch), nothing counted again; ' +
        'ignored: stored, but no active event counts it; invalid: not a valid report (see `detail`), nothing stored'
    }),
    detail: Type.Optional(Type.String({ description: 'Why it is invalid or a duplicate', examples: ['reports.3.value: must have required property \'value\''] }))
  },
  { additionalProperties: false, title: 'BatchReportResult' }
)
export type BatchReportResult = Static<typeof BatchReportResult>

export const ProgressReportBatchReply = Type.Object(
  { results: Type.Array(BatchReportResult, { description: 'One per report, in the order sent' }) },
  { additionalProperties: false, title: 'ProgressReportBatchResult' }
)
export type ProgressReportBatchReply = Static<typeof ProgressReportBatchReply>

/** Headers are open (Authorization and friends); only the one we read is described. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Scoped to your account and the user reported on: the same key counts once (within the retention window); a repeat returns the first outcome',
      examples: ['login-682c1aaa-2025-05-12']
    })
  )
})

export const ProgressReportReply = Type.Object(
  {
    reportId: ObjectIdString,
    /** True when this key was seen before: nothing was counted again. */
    duplicate: Type.Boolean(),
    occurredAt: DateTimeString,
    updates: Type.Array(
      Type.Object(
        {
          eventId: ObjectIdString,
          periodKey: Type.String({ description: 'The period the report counted toward: the one containing its `occurredAt`', examples: ['2026-12-01', 'all'] }),
          conditions: Type.Array(Type.String({ examples: ['attendance'] }))
        },
        { additionalProperties: false, title: 'ProgressUpdate' }
      ),
      { description: 'The events whose progress this report counted toward, with the condition states it touched' }
    )
  },
  { additionalProperties: false, title: 'ProgressReportResult' }
)
export type ProgressReportReply = Static<typeof ProgressReportReply>

const conditionProgressFields = {
  name: Type.String({ examples: ['attendance', 'quest:q-17'], description: 'What is tracked; a group is `any(<its members>)`' }),
  current: Type.Number({ examples: [1], description: 'The value so far (a group: how many of its members hold)' }),
  target: Type.Number({ examples: [3] }),
  holds: Type.Boolean()
}
export const LeafConditionProgress = Type.Object(
  { ...conditionProgressFields, type: Type.Unsafe<ConditionType>({ type: 'string', enum: [...CONDITION_TYPES] }) },
  { additionalProperties: false, title: 'LeafConditionProgress' }
)
export const ConditionProgress = Type.Object(
  {
    ...conditionProgressFields,
    type: Type.Unsafe<ConditionType | 'any'>({ type: 'string', enum: [...CONDITION_TYPES, 'any'] }),
    of: Type.Optional(Type.Array(LeafConditionProgress, { description: 'A group (`any`): each member' }))
  },
  { additionalProperties: false, title: 'ConditionProgress' }
)
export type ConditionProgress = Static<typeof ConditionProgress>
export type LeafConditionProgress = Static<typeof LeafConditionProgress>

/** Why a bundle cannot be claimed now: the code a claim would be refused with. */
export const BUNDLE_REFUSAL_CODES = [
  'ALREADY_CLAIMED',
  'EVENT_INACTIVE',
  'EVENT_NOT_STARTED',
  'EVENT_ENDED',
  'REWARD_INACTIVE',
  'CONDITIONS_NOT_MET',
  'OUT_OF_STOCK'
] as const
export type BundleRefusalCode = (typeof BUNDLE_REFUSAL_CODES)[number]

export const BundleStanding = Type.Object(
  {
    rewardId: ObjectIdString,
    name: Type.Union([Type.String(), Type.Null()]),
    conditions: Type.Array(ConditionProgress, { description: "The bundle's own milestone conditions, measured (empty: none)" }),
    claimable: Type.Unsafe<true | BundleRefusalCode>({
      anyOf: [
        { type: 'boolean', enum: [true] },
        { type: 'string', enum: [...BUNDLE_REFUSAL_CODES] }
      ],
      description: 'true, or the code a claim would be refused with now (the first, in the order claims are checked)',
      examples: [true, 'CONDITIONS_NOT_MET']
    }),
    claimId: Type.Optional(Type.Union([ObjectIdString, Type.Null()], { description: 'ALREADY_CLAIMED: the claim holding the slot' })),
    stockLeft: Type.Union([Type.Integer(), Type.Null()], { description: 'Units left (null: unlimited)' })
  },
  { additionalProperties: false, title: 'BundleStanding' }
)
export type BundleStanding = Static<typeof BundleStanding>

export const UserEvent = Type.Object(
  {
    userId: ObjectIdString,
    eventId: ObjectIdString,
    eventName: Type.String(),
    periodKey: Type.String({
      description: 'The period shown: `all` (the whole event), or `2026-11-26`, `2026-W48`, `2026-11` for recurring events',
      examples: ['2026-11-26', 'all']
    }),
    resetsAt: Type.Union([DateTimeString, Type.Null()], { description: 'When this period ends and the next starts over (null: never)' }),
    /** Every condition holds (the reward may be claimed while the event runs). */
    satisfied: Type.Boolean({ description: "Every one of the event's own conditions holds" }),
    conditions: Type.Array(ConditionProgress, { description: "The event's own conditions, measured in this period" }),
    bundles: Type.Optional(
      Type.Array(BundleStanding, {
        description: "For one player's view (a USER, or staff naming `userId`): each bundle of the event and whether it can be claimed now"
      })
    ),
    updatedAt: Type.Union([DateTimeString, Type.Null()])
  },
  { additionalProperties: false, title: 'UserEvent' }
)
export type UserEvent = Static<typeof UserEvent>

export const UserEventsQuery = Type.Object(
  {
    /** Default: yourself. Staff may name anyone. */
    userId: Type.Optional(ObjectIdString),
    eventId: Type.Optional(ObjectIdString),
    ...PageQuery
  },
  { additionalProperties: false }
)
export type UserEventsQuery = Static<typeof UserEventsQuery>
export const UserEventPage = pageOf(UserEvent, 'UserEventPage')
