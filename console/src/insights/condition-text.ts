import type { Translate } from '../i18n.js'
import type { Condition } from '../api.js'

/** A condition in a few words ("Check in on 3 days", "Any of: Finish quest q-1 or Spend 1000"). */
export function conditionText(condition: Condition, t: Translate, number: (value: number) => string): string {
  switch (condition.type) {
    case 'attendance':
      return condition.count === 1 ? t('cond.attendanceOnce') : t('cond.attendance', { n: number(condition.count) })
    case 'login_streak':
      return t('cond.login_streak', { n: number(condition.days) })
    case 'quest':
      return t('cond.quest', { quest: condition.questId })
    case 'invite':
      return t('cond.invite', { n: number(condition.count) })
    case 'purchase':
      return t('cond.purchase', { n: number(condition.amount) })
    case 'any':
      return t('cond.any', { list: condition.of.map((member) => conditionText(member, t, number)).join(t('cond.or')) })
  }
}
