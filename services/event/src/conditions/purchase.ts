import { counted, type ConditionEvaluator } from './evaluator.js'

/** Money spent in minor units, added up over the reports' `count`. */
export const purchase: ConditionEvaluator<'purchase'> = {
  stateKey: () => 'purchase',
  apply: (_condition, report) => ({ key: 'purchase', add: report.count }),
  measure: (condition, state) => ({ current: counted(state), target: condition.amount })
}
