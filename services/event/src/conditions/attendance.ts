import { calendarDay } from './calendar.js'
import type { ConditionEvaluator } from './evaluator.js'

/** Distinct check-in days, counted in the event's time zone; a report's `count` is ignored. */
export const attendance: ConditionEvaluator<'attendance'> = {
  stateKey: () => 'attendance',
  daysNeeded: (condition) => condition.count,
  apply: (_condition, report, timezone) => ({ key: 'attendance', addDay: calendarDay(report.occurredAt, timezone) }),
  measure: (condition, state) => ({ current: state?.days?.length ?? 0, target: condition.count })
}
