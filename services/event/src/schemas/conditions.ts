import { Type, type Static } from '@sinclair/typebox'
import { discriminatedUnion } from './union.js'

/** The longest window any day-counting condition can ask for. */
const MAX_DAYS = 366

const AttendanceCondition = Type.Object(
  {
    type: Type.Literal('attendance'),
    count: Type.Integer({ minimum: 1, maximum: MAX_DAYS, description: 'Distinct check-in days needed', examples: [3] })
  },
  { additionalProperties: false, title: 'AttendanceCondition' }
)
const LoginStreakCondition = Type.Object(
  {
    type: Type.Literal('login_streak'),
    days: Type.Integer({ minimum: 1, maximum: MAX_DAYS, description: 'Consecutive login days needed', examples: [7] })
  },
  { additionalProperties: false, title: 'LoginStreakCondition' }
)
/** Quest ids become part of a state key in the progress document, hence the narrow alphabet. */
const QuestId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', examples: ['q-17'] })
const QuestCondition = Type.Object(
  { type: Type.Literal('quest'), questId: QuestId },
  { additionalProperties: false, title: 'QuestCondition' }
)
const InviteCondition = Type.Object(
  {
    type: Type.Literal('invite'),
    count: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Friends invited, in total', examples: [5] })
  },
  { additionalProperties: false, title: 'InviteCondition' }
)
const PurchaseCondition = Type.Object(
  {
    type: Type.Literal('purchase'),
    amount: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Total spent, in minor currency units',
      examples: [10_000]
    })
  },
  { additionalProperties: false, title: 'PurchaseCondition' }
)

/** Every leaf condition type: adding one is a schema here and an evaluator in `conditions/`. */
const LEAF_CONDITIONS = [AttendanceCondition, LoginStreakCondition, QuestCondition, InviteCondition, PurchaseCondition]

/** One condition that is tracked by itself (not a group). */
export const LeafCondition = discriminatedUnion('type', LEAF_CONDITIONS, {
  title: 'LeafCondition',
  description: 'A condition tracked by itself, chosen by `type`'
})
export type LeafCondition = Static<typeof LeafCondition>
export type ConditionType = LeafCondition['type']
export type ConditionOf<T extends ConditionType> = Extract<LeafCondition, { type: T }>

/** Groups are one level deep: their members are leaves, so "A and (B or C)" but no deeper nesting. */
const AnyCondition = Type.Object(
  {
    type: Type.Literal('any'),
    of: Type.Array(LeafCondition, { minItems: 2, maxItems: 10, description: 'Holds when at least one of these holds' })
  },
  {
    additionalProperties: false,
    title: 'AnyCondition',
    examples: [{ type: 'any', of: [{ type: 'quest', questId: 'q-1' }, { type: 'purchase', amount: 1000 }] }]
  }
)
export type ConditionGroup = Static<typeof AnyCondition>

/** One entry of `event.contents` or a bundle's `conditions`; the list is AND, an `any` group OR. */
export const Condition = discriminatedUnion('type', [...LEAF_CONDITIONS, AnyCondition], {
  title: 'Condition',
  description: 'A condition, chosen by `type`; `any` is a group that holds when one of its leaf conditions holds'
})
export type Condition = Static<typeof Condition>

export const CONDITION_TYPES = [
  'attendance',
  'login_streak',
  'quest',
  'invite',
  'purchase'
] as const satisfies readonly ConditionType[]

export const isGroup = (condition: Condition): condition is ConditionGroup => condition.type === 'any'

/** The leaf conditions of a list, groups opened: what the reports count toward. */
export const leavesOf = (conditions: readonly Condition[]): LeafCondition[] =>
  conditions.flatMap((condition) => (isGroup(condition) ? condition.of : [condition]))
