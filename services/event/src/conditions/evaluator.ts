import type { ConditionOf, ConditionType } from '../schemas/conditions.js'

/** What a user has accumulated toward one condition; each evaluator uses the fields it needs. */
export interface ConditionState {
  days?: string[]
  /** A counter as the first version kept it (`$inc`); frozen since, and added to the others. */
  total?: number
  /** A counter as reports of the previous version count it: the sum of their contributions (`progress_contributions`). */
  sum?: number
  /** A counter as reports of this version count it: each report's amount `$inc`ed once (see the progress repository). */
  added?: number
  done?: boolean
}

/** A counter's value, whichever version counted it. */
export const counted = (state: ConditionState | undefined): number => (state?.total ?? 0) + (state?.sum ?? 0) + (state?.added ?? 0)
/** A progress document's states, keyed by state key (see `stateKey`). */
export type ProgressState = Record<string, ConditionState>

/** A change to one state, in the few shapes the progress repository knows how to apply. */
export type StateChange = { key: string; addDay: string } | { key: string; add: number } | { key: string; mark: true }

/** A progress report, defaults applied. */
export interface ProgressReport {
  eventType: ConditionType
  count: number
  value?: string | undefined
  occurredAt: Date
}

/** Everything one condition type means; adding a type is one schema and one of these. */
export interface ConditionEvaluator<T extends ConditionType> {
  /**
   * Where the condition's state lives in the progress document. Conditions that track the same
   * thing share a key (two attendance targets count the same check-ins). Keys become Mongo
   * field names, so they never contain `.` or start with `$`.
   */
  stateKey(condition: ConditionOf<T>): string
  /**
   * How many calendar days the condition needs at least (a check-in or login per day), for the
   * conditions that count days: a recurring event's period must be able to hold them.
   */
  daysNeeded?(condition: ConditionOf<T>): number
  /** Why a report of this type could never count (→ 400), if so. */
  rejectReport?(report: ProgressReport): string | undefined
  /** The change a report of this type makes for `condition`, or null when it does not concern it. */
  apply(condition: ConditionOf<T>, report: ProgressReport, timezone: string): StateChange | null
  /** Where the user stands; the condition holds when `current ≥ target`. */
  measure(condition: ConditionOf<T>, state: ConditionState | undefined): { current: number; target: number }
}
