import { calendarDay, longestConsecutiveRun } from './calendar.js'
import type { ConditionEvaluator } from './evaluator.js'

/** Login days in the event's time zone; holds once some run of consecutive days is long enough. */
export const loginStreak: ConditionEvaluator<'login_streak'> = {
  stateKey: () => 'login_streak',
  daysNeeded: (condition) => condition.days,
  apply: (_condition, report, timezone) => ({ key: 'login_streak', addDay: calendarDay(report.occurredAt, timezone) }),
  measure: (condition, state) => ({ current: longestConsecutiveRun(state?.days ?? []), target: condition.days })
}
