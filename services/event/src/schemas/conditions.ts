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

/** One entry of `event.contents`; all of an event's conditions must hold (AND). */
export const Condition = discriminatedUnion(
  'type',
  [AttendanceCondition, LoginStreakCondition, QuestCondition, InviteCondition, PurchaseCondition],
  { title: 'Condition', description: 'A condition, chosen by `type`' }
)
export type Condition = Static<typeof Condition>
export type ConditionType = Condition['type']
export type ConditionOf<T extends ConditionType> = Extract<Condition, { type: T }>

export const CONDITION_TYPES = [
  'attendance',
  'login_streak',
  'quest',
  'invite',
  'purchase'
] as const satisfies readonly ConditionType[]
