import type { ConditionEvaluator } from './evaluator.js'

/** One named quest, reported with `value` = its questId. */
export const quest: ConditionEvaluator<'quest'> = {
  stateKey: (condition) => `quest:${condition.questId}`,
  rejectReport: (report) => (report.value === undefined ? 'A quest report needs `value`: the completed questId' : undefined),
  apply: (condition, report) => (report.value === condition.questId ? { key: `quest:${condition.questId}`, mark: true } : null),
  measure: (_condition, state) => ({ current: state?.done ? 1 : 0, target: 1 })
}
