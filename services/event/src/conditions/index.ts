import type { Condition, ConditionType } from '../schemas/conditions.js'
import type { ConditionProgress } from '../schemas/progress.js'
import { attendance } from './attendance.js'
import type { ConditionEvaluator, ProgressReport, ProgressState, StateChange } from './evaluator.js'
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

const stateKeyOf = (condition: Condition): string => evaluatorOf(condition.type).stateKey(condition)

/** Why the report could never count (→ 400), if so. */
export const reportProblem = (report: ProgressReport): string | undefined => evaluatorOf(report.eventType).rejectReport?.(report)

/**
 * What a report changes for one event: one change per state key, since conditions sharing a key
 * (say, two invite targets) must count the report once, not once each.
 */
export function changesFor(conditions: readonly Condition[], report: ProgressReport, timezone: string): StateChange[] {
  const byKey = new Map<string, StateChange>()
  for (const condition of conditions) {
    if (condition.type !== report.eventType) continue
    const change = evaluatorOf(condition.type).apply(condition, report, timezone)
    if (change && !byKey.has(change.key)) byKey.set(change.key, change)
  }
  return [...byKey.values()]
}

/** Each condition with the user's current value, its target and whether it holds. */
export function measureAll(conditions: readonly Condition[], state: ProgressState): ConditionProgress[] {
  return conditions.map((condition) => {
    const name = stateKeyOf(condition)
    const { current, target } = evaluatorOf(condition.type).measure(condition, state[name])
    return { name, type: condition.type, current, target, holds: current >= target }
  })
}
