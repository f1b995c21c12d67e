import { isGroup, leavesOf, type Condition, type ConditionType, type LeafCondition } from '../schemas/conditions.js'
import type { ConditionProgress, LeafConditionProgress } from '../schemas/progress.js'
import { attendance } from './attendance.js'
import type { ConditionEvaluator, ProgressReport, ProgressState, StateChange } from './evaluator.js'
import { SHORTEST_PERIOD_DAYS, type Recurrence } from './periods.js'
import { invite } from './invite.js'
import { loginStreak } from './login-streak.js'
import { purchase } from './purchase.js'
import { quest } from './quest.js'

export type { ConditionState, ProgressReport, ProgressState, StateChange } from './evaluator.js'

/** One evaluator per condition type; a type without one does not compile. */
const EVALUATORS: { readonly [T in ConditionType]: ConditionEvaluator<T> } = {
  attendance,
  login_streak: loginStreak,
  quest,
  invite,
  purchase
}

function evaluatorOf<T extends ConditionType>(type: T): ConditionEvaluator<ConditionType> {
  // The table pairs every type with its own evaluator, so handing it that type's conditions is sound.
  return EVALUATORS[type] as unknown as ConditionEvaluator<ConditionType>
}

const stateKeyOf = (condition: LeafCondition): string => evaluatorOf(condition.type).stateKey(condition)

/** Why the report could never count (→ 400), if so. */
export const reportProblem = (report: ProgressReport): string | undefined => evaluatorOf(report.eventType).rejectReport?.(report)

/**
 * What a report changes for one event: one change per state key, since conditions sharing a key
 * (say, two invite targets) must count the report once, not once each. Groups count their leaves.
 */
export function changesFor(conditions: readonly Condition[], report: ProgressReport, timezone: string): StateChange[] {
  const byKey = new Map<string, StateChange>()
  for (const condition of leavesOf(conditions)) {
    if (condition.type !== report.eventType) continue
    const change = evaluatorOf(condition.type).apply(condition, report, timezone)
    if (change && !byKey.has(change.key)) byKey.set(change.key, change)
  }
  return [...byKey.values()]
}

function measureLeaf(condition: LeafCondition, state: ProgressState): LeafConditionProgress {
  const name = stateKeyOf(condition)
  const { current, target } = evaluatorOf(condition.type).measure(condition, state[name])
  return { name, type: condition.type, current, target, holds: current >= target }
}

/**
 * Each condition with the user's current value, its target and whether it holds. A group
 * counts its members that hold against a target of one, and shows each member as well.
 */
export function measureAll(conditions: readonly Condition[], state: ProgressState): ConditionProgress[] {
  return conditions.map((condition) => {
    if (!isGroup(condition)) return measureLeaf(condition, state)
    const of = condition.of.map((member) => measureLeaf(member, state))
    const current = of.filter((member) => member.holds).length
    return { name: `any(${of.map((member) => member.name).join(',')})`, type: 'any', current, target: 1, holds: current >= 1, of }
  })
}

/**
 * Why these conditions cannot be met within one period of a recurring event (→ 400): the field
 * that fails (`path` is where the list sits in the body) and why; undefined when they fit.
 */
export function periodMisfit(
  conditions: readonly Condition[],
  recurrence: Recurrence | null | undefined,
  path: string
): { field: string; message: string } | undefined {
  if (!recurrence) return undefined
  const shortest = SHORTEST_PERIOD_DAYS[recurrence.every]
  for (const [index, condition] of conditions.entries()) {
    const members = isGroup(condition) ? condition.of.map((member, at) => ({ member, field: `${path}.${index}.of.${at}` })) : [{ member: condition, field: `${path}.${index}` }]
    for (const { member, field } of members) {
      const days = evaluatorOf(member.type).daysNeeded?.(member)
      if (days !== undefined && days > shortest) {
        return { field, message: `needs ${days} days, more than a ${recurrence.every} can hold (${shortest}); conditions are judged on one period alone` }
      }
    }
  }
  return undefined
}
