/**
 * What an event will do, in plain words, from the drafts as they stand (so the preview follows
 * every keystroke): the window and its days, recurrence, who may take part, approval, the
 * conditions, and one sentence per bundle ("Day 3 bundle: claimable after 3 check-in days, once
 * per player; 500 left"). Both languages come from `messages/events.ts`.
 */
import type { I18n } from '../i18n.js'
import type { MessageKey } from '../messages.js'
import {
  CONTENT_FIELDS,
  LEAF_PARAM,
  isGroupDraft,
  isoOfLocalInput,
  sharesOf,
  tagsOf,
  type ApiReward,
  type BundleDraft,
  type ConditionDraft,
  type ContentDraft,
  type EventDraft,
  type LeafDraft
} from './model.js'

type Words = Pick<I18n, 't' | 'lang' | 'number' | 'dateTime'>

const localeOf = (lang: I18n['lang']) => (lang === 'ko' ? 'ko-KR' : 'en-GB')
const listOf = (words: Words, items: string[], type: 'conjunction' | 'disjunction') =>
  new Intl.ListFormat(localeOf(words.lang), { style: 'long', type }).format(items)

/** A typed number in the operator's format, or "?" while it is not a positive whole number. */
function amountOf(words: Words, text: string): string {
  const trimmed = text.trim()
  return /^\d+$/.test(trimmed) && Number(trimmed) > 0 ? words.number(Number(trimmed)) : '?'
}

function leafPhrase(words: Words, leaf: LeafDraft): string {
  const { t } = words
  const raw = leaf.value.trim()
  if (LEAF_PARAM[leaf.type] === 'questId') return t('preview.cond.quest', { id: raw || '?' })
  const n = amountOf(words, raw)
  const one = raw === '1'
  switch (leaf.type) {
    case 'attendance':
      return one ? t('preview.cond.attendance.one') : t('preview.cond.attendance', { n })
    case 'login_streak':
      return t('preview.cond.login_streak', { n })
    case 'invite':
      return one ? t('preview.cond.invite.one') : t('preview.cond.invite', { n })
    default:
      return t('preview.cond.purchase', { amount: n })
  }
}

/** The conditions as one phrase: all of them (and), an "any of" group as alternatives (or). */
export function conditionsPhrase(words: Words, conditions: readonly ConditionDraft[]): string {
  return listOf(
    words,
    conditions.map((condition) =>
      isGroupDraft(condition) ? words.t('preview.cond.any', { list: listOf(words, condition.of.map((leaf) => leafPhrase(words, leaf)), 'disjunction') }) : leafPhrase(words, condition)
    ),
    'conjunction'
  )
}

export function contentPhrase(words: Words, content: ContentDraft): string {
  const { t } = words
  const amount = amountOf(words, content.number)
  const text = CONTENT_FIELDS[content.type].text ? content.text.trim() || '?' : ''
  switch (content.type) {
    case 'item':
      return t('reward.item', { name: text, quantity: amount })
    case 'point':
      return t('reward.point', { amount })
    case 'coupon':
      return t('reward.coupon', { code: text, quantity: amount })
    case 'currency':
      return t('reward.currency', { amount, currency: text })
  }
}

const PER: Record<EventDraft['recurrence'], { once: MessageKey; exclusive: MessageKey }> = {
  '': { once: 'preview.per.once', exclusive: 'preview.per.exclusive' },
  day: { once: 'preview.per.once.day', exclusive: 'preview.per.exclusive.day' },
  week: { once: 'preview.per.once.week', exclusive: 'preview.per.exclusive.week' },
  month: { once: 'preview.per.once.month', exclusive: 'preview.per.exclusive.month' }
}

/**
 * Units left as the bundle will be after saving: on a saved bundle its `stockLeft`, moved by the
 * same amount as an edited `stock` (the API's rule); before creation the stock itself.
 */
function stockPhrase(words: Words, draft: BundleDraft, saved: ApiReward | undefined): string | null {
  const { t, number } = words
  const typed = draft.stock.trim()
  if (!typed) return null
  if (!/^\d+$/.test(typed)) return t('preview.stock.new', { n: '?' })
  const stock = Number(typed)
  if (saved && saved.stock !== null && saved.stockLeft !== null) return t('preview.stock.left', { n: number(Math.max(0, saved.stockLeft + stock - saved.stock)) })
  // Unlimited until now: the API starts its count at the stock less the claims not rejected,
  // which the console does not know, so it does not name a number left.
  if (saved) return t('preview.stock.limited', { n: number(stock) })
  return t('preview.stock.new', { n: number(stock) })
}

export const bundleLabel = (words: Words, draft: BundleDraft, index: number) =>
  draft.name.trim() ? words.t('preview.bundle.named', { name: draft.name.trim() }) : words.t('preview.bundle.unnamed', { n: index + 1 })

/** The bundle's sentence, then what it grants. */
export function bundleSentences(words: Words, event: EventDraft, draft: BundleDraft, index: number, saved?: ApiReward): string[] {
  const { t } = words
  const when = draft.conditions.length > 0 ? t('preview.when.after', { conditions: conditionsPhrase(words, draft.conditions) }) : t('preview.when.event')
  const per = t(PER[event.recurrence][event.exclusiveRewards ? 'exclusive' : 'once'])
  const stock = stockPhrase(words, draft, saved)
  const label = bundleLabel(words, draft, index)
  const sentences = [stock ? t('preview.bundle.stocked', { bundle: label, when, per, stock }) : t('preview.bundle', { bundle: label, when, per })]
  if (!draft.active) sentences.push(t('preview.bundle.off'))
  if (draft.contents.length > 0) sentences.push(t('preview.grants', { list: listOf(words, draft.contents.map((content) => contentPhrase(words, content)), 'conjunction') }))
  if (draft.random) {
    const shares = sharesOf(draft.random.table.map((entry) => entry.weight))
    const entries = draft.random.table.map((entry, at) =>
      t('preview.random.entry', { chance: formatShare(words, shares[at] ?? 0), contents: listOf(words, entry.contents.map((content) => contentPhrase(words, content)), 'conjunction') })
    )
    const rolls = amountOf(words, draft.random.rolls)
    sentences.push(t(draft.random.rolls.trim() === '1' ? 'preview.random.one' : 'preview.random.many', { n: rolls, entries: entries.join('; ') }))
  }
  if (draft.contents.length === 0 && !draft.random) sentences.push(t('preview.grants.nothing'))
  return sentences
}

/** A chance as the console shows it everywhere: up to two decimals, with a percent sign. */
export const formatShare = (words: Pick<I18n, 'lang'>, percent: number) =>
  new Intl.NumberFormat(localeOf(words.lang), { maximumFractionDigits: 2 }).format(percent) + '%'

const RECURS: Record<Exclude<EventDraft['recurrence'], ''>, MessageKey> = {
  day: 'preview.event.recurs.day',
  week: 'preview.event.recurs.week',
  month: 'preview.event.recurs.month'
}

/** The event's sentences, in the order an operator checks them. */
export function eventSentences(words: Words, draft: EventDraft): string[] {
  const { t, dateTime } = words
  const sentences: string[] = []
  const start = isoOfLocalInput(draft.startedAt)
  const end = isoOfLocalInput(draft.endedAt)
  const zone = draft.timezone || 'UTC'
  if (!start || !end) sentences.push(t('preview.event.noWindow'))
  else if (end <= start) sentences.push(t('preview.event.badWindow'))
  else sentences.push(t('preview.event.window', { start: dateTime(start), end: dateTime(end), zone }))
  if (!draft.activate) sentences.push(t('preview.event.off'))
  sentences.push(draft.recurrence ? t(RECURS[draft.recurrence], { zone }) : t('preview.event.once'))
  sentences.push(draft.contents.length > 0 ? t('preview.event.conditions', { conditions: conditionsPhrase(words, draft.contents) }) : t('preview.event.noConditions'))
  const rules = [
    ...(tagsOf(draft.anyTags).length ? [t('preview.aud.any', { tags: tagsOf(draft.anyTags).join(', ') })] : []),
    ...(tagsOf(draft.allTags).length ? [t('preview.aud.all', { tags: tagsOf(draft.allTags).join(', ') })] : []),
    ...(tagsOf(draft.noneTags).length ? [t('preview.aud.none', { tags: tagsOf(draft.noneTags).join(', ') })] : [])
  ]
  sentences.push(rules.length > 0 ? t('preview.event.audience', { rules: listOf(words, rules, 'conjunction') }) : t('preview.event.everyone'))
  sentences.push(draft.requireApproval ? t('preview.event.approval') : t('preview.event.noApproval'))
  if (draft.exclusiveRewards) sentences.push(t('preview.event.exclusive'))
  return sentences
}
