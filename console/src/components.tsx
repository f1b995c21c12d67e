import { useEffect, useRef, type ReactNode } from 'react'
import type { ClaimStatus, RewardContent } from './api.js'
import { sentenceOf } from './errors.js'
import { useI18n } from './i18n.js'

/** A screen's heading; it takes the focus when the screen opens, so a screen reader announces it. */
export function ScreenTitle({ children, id }: { children: ReactNode; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <h1 ref={ref} id={id} tabIndex={-1}>
      {children}
    </h1>
  )
}

export function StatusBadge({ status }: { status: ClaimStatus }) {
  const { t } = useI18n()
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>
}

/** An API error as a sentence, announced at once. */
export function ErrorNote({ error, currentStatus }: { error: unknown; currentStatus?: string | undefined }) {
  const i18n = useI18n()
  return (
    <p className="note note-error" role="alert">
      {sentenceOf(error, i18n, currentStatus)}
    </p>
  )
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="note note-ok" role="status">
      {children}
    </p>
  )
}

export function useRewardText() {
  const { t, number } = useI18n()
  return (reward: RewardContent): string => {
    switch (reward.type) {
      case 'item':
        return t('reward.item', { name: reward.itemName, quantity: number(reward.quantity) })
      case 'point':
        return t('reward.point', { amount: number(reward.amount) })
      case 'coupon':
        return t('reward.coupon', { code: reward.couponCode, quantity: number(reward.quantity) })
      case 'currency':
        return t('reward.currency', { amount: number(reward.amount), currency: reward.currency })
    }
  }
}

export const shortId = (id: string) => `…${id.slice(-6)}`
