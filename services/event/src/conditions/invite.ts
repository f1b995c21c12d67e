import { counted, type ConditionEvaluator } from './evaluator.js'

/** Friends invited, added up over the reports' `count`. */
export const invite: ConditionEvaluator<'invite'> = {
  stateKey: () => 'invite',
  apply: (_condition, report) => ({ key: 'invite', add: report.count }),
  measure: (condition, state) => ({ current: counted(state), target: condition.count })
}
