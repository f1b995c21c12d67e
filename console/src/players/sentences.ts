/**
 * The look-up's plain words for what the API gives as codes and numbers: a condition's progress
 * ("check-in days: 3 of 7"), a bundle's `claimable`, and each reason of the eligibility dry run.
 */
import type { MessageKey } from '../messages.js'
import { useI18n } from '../i18n.js'
import type { BundleStanding, ConditionProgress, LeafConditionProgress } from './data.js'

/** A quest's progress is named `quest:<questId>`. */
const questOf = (name: string) => name.replace(/^quest:/, '')

export function useConditionText() {
  const { t, number } = useI18n()
  const leaf = (condition: LeafConditionProgress | ConditionProgress): string => {
    const vars = { current: number(condition.current), target: number(condition.target) }
    switch (condition.type) {
      case 'attendance':
        return t('players.cond.attendance', vars)
      case 'login_streak':
        return t('players.cond.login_streak', vars)
      case 'invite':
        return t('players.cond.invite', vars)
      case 'purchase':
        return t('players.cond.purchase', vars)
      case 'quest':
        return t(condition.holds ? 'players.cond.questDone' : 'players.cond.questOpen', { quest: questOf(condition.name) })
      case 'any':
        return t('players.cond.any', { members: (condition.of ?? []).map(leaf).join(t('players.cond.or')) })
    }
  }
  return leaf
}

/** What a condition counts, without its numbers (the conditions table gives them columns). */
export function useConditionName() {
  const { t } = useI18n()
  const name = (condition: LeafConditionProgress | ConditionProgress): string => {
    switch (condition.type) {
      case 'quest':
        return t('players.condName.quest', { quest: questOf(condition.name) })
      case 'any':
        return t('players.cond.any', { members: (condition.of ?? []).map(name).join(t('players.cond.or')) })
      default:
        return t(`players.condName.${condition.type}`)
    }
  }
  return name
}

/** A bundle refusal code's sentence (the codes without details of their own). */
export const REFUSAL_KEYS = {
  NOT_VISIBLE: 'players.reason.NOT_VISIBLE',
  ALREADY_CLAIMED: 'players.reason.ALREADY_CLAIMED',
  EVENT_INACTIVE: 'players.reason.EVENT_INACTIVE',
  EVENT_NOT_STARTED: 'players.reason.EVENT_NOT_STARTED',
  EVENT_ENDED: 'players.reason.EVENT_ENDED',
  REWARD_INACTIVE: 'players.reason.REWARD_INACTIVE',
  CONDITIONS_NOT_MET: 'players.reason.CONDITIONS_NOT_MET',
  OUT_OF_STOCK: 'players.reason.OUT_OF_STOCK'
} as const satisfies Record<string, MessageKey>

/**
 * A bundle's standing in the progress section as one sentence: claimable now, or why not — for
 * unmet conditions, each with its value and target (the event's own and the bundle's milestone).
 */
export function useStandingText() {
  const { t } = useI18n()
  const conditionText = useConditionText()
  return (bundle: BundleStanding, eventConditions: readonly ConditionProgress[]): string => {
    if (bundle.claimable === true) return t('players.claimable.yes')
    if (bundle.claimable === 'CONDITIONS_NOT_MET') {
      const unmet = [...eventConditions, ...bundle.conditions].filter((condition) => !condition.holds)
      return t('players.claimable.notMet', { unmet: unmet.map(conditionText).join(t('players.cond.and')) })
    }
    return t('players.claimable.no', { reason: t(REFUSAL_KEYS[bundle.claimable]) })
  }
}
