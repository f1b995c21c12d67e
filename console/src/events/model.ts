/**
 * The event editor's drafts (what the form holds: strings as typed), how they come from what the
 * API returned, and the exact bodies they become: POST /event, POST /rewards, and PATCHes that
 * carry only what changed plus `version`. Pure functions, no React.
 */
import type { Schemas } from '@app/client'
import type { Condition, EventSummary, Reward } from '../api.js'

/** The API's event and bundle (one definition, in api.ts), as the editor names them. */
export type ApiEvent = EventSummary
export type ApiReward = Reward
export type { Condition }
export type LeafCondition = Schemas['LeafCondition']
export type RewardContent = Schemas['RewardContent']
export type EventInput = Schemas['EventInput']
export type EventUpdate = Schemas['EventUpdate']
export type RewardInput = Schemas['RewardInput']
export type RewardUpdate = Schemas['RewardUpdate']

export type LeafType = LeafCondition['type']
export const LEAF_TYPES: readonly LeafType[] = ['attendance', 'login_streak', 'quest', 'invite', 'purchase']
/** The one parameter each leaf condition type takes (the API's field name). */
export const LEAF_PARAM: Record<LeafType, 'count' | 'days' | 'questId' | 'amount'> = {
  attendance: 'count',
  login_streak: 'days',
  quest: 'questId',
  invite: 'count',
  purchase: 'amount'
}
export type ContentType = RewardContent['type']
export const CONTENT_TYPES: readonly ContentType[] = ['item', 'point', 'coupon', 'currency']
/** Each reward content type's text field (none for points) and number field. */
export const CONTENT_FIELDS: Record<ContentType, { text?: 'itemName' | 'couponCode' | 'currency'; number: 'quantity' | 'amount' }> = {
  item: { text: 'itemName', number: 'quantity' },
  point: { number: 'amount' },
  coupon: { text: 'couponCode', number: 'quantity' },
  currency: { text: 'currency', number: 'amount' }
}
export type Recurrence = '' | 'day' | 'week' | 'month'

let nextKey = 0
/** A React key for a row that has no id of its own. */
export const newKey = () => `k${(nextKey += 1)}`

export interface LeafDraft {
  key: string
  type: LeafType
  /** The parameter as typed (a number for all but quest). */
  value: string
}
export interface GroupDraft {
  key: string
  type: 'any'
  of: LeafDraft[]
}
export type ConditionDraft = LeafDraft | GroupDraft
export const isGroupDraft = (condition: ConditionDraft): condition is GroupDraft => condition.type === 'any'

export interface ContentDraft {
  key: string
  type: ContentType
  text: string
  number: string
}
export interface RandomEntryDraft {
  key: string
  weight: string
  contents: ContentDraft[]
}
export interface RandomDraft {
  rolls: string
  table: RandomEntryDraft[]
}

export interface BundleDraft {
  key: string
  name: string
  contents: ContentDraft[]
  conditions: ConditionDraft[]
  /** '' is unlimited. */
  stock: string
  active: boolean
  random: RandomDraft | null
}

export interface EventDraft {
  name: string
  description: string
  /** `datetime-local` values, in the operator's time zone. */
  startedAt: string
  endedAt: string
  activate: boolean
  requireApproval: boolean
  exclusiveRewards: boolean
  timezone: string
  recurrence: Recurrence
  /** Tags as typed: separated by commas or spaces. */
  anyTags: string
  allTags: string
  noneTags: string
  contents: ConditionDraft[]
}

export const leafDraft = (type: LeafType = 'attendance', value = '1'): LeafDraft => ({ key: newKey(), type, value })
export const contentDraft = (type: ContentType = 'item'): ContentDraft => ({ key: newKey(), type, text: '', number: '1' })
export const randomEntryDraft = (weight = '1'): RandomEntryDraft => ({ key: newKey(), weight, contents: [contentDraft()] })

/** A `datetime-local` value (minutes, the operator's zone) for an instant. */
export function localInputOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}
/** The instant a `datetime-local` value names in the operator's zone, as ISO; '' when empty or malformed. */
export function isoOfLocalInput(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return ''
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? '' : date.toISOString()
}

/** A new event: starts at the next midnight in the operator's zone, runs 7 days, counted in their zone. */
export function newEventDraft(now = new Date(), timezone = Intl.DateTimeFormat().resolvedOptions().timeZone): EventDraft {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1)
  const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + 7)
  return {
    name: '',
    description: '',
    startedAt: localInputOf(start),
    endedAt: localInputOf(end),
    activate: true,
    requireApproval: false,
    exclusiveRewards: false,
    timezone,
    recurrence: '',
    anyTags: '',
    allTags: '',
    noneTags: '',
    contents: [leafDraft('attendance', '1')]
  }
}

export const newBundleDraft = (): BundleDraft => ({
  key: newKey(),
  name: '',
  contents: [contentDraft()],
  conditions: [],
  stock: '',
  active: true,
  random: null
})

const leafDraftOf = (condition: LeafCondition): LeafDraft => {
  const param = LEAF_PARAM[condition.type]
  return leafDraft(condition.type, String((condition as Record<string, unknown>)[param] ?? ''))
}
export const conditionDraftsOf = (conditions: readonly Condition[]): ConditionDraft[] =>
  conditions.map((condition) => (condition.type === 'any' ? { key: newKey(), type: 'any', of: condition.of.map(leafDraftOf) } : leafDraftOf(condition)))

const contentDraftOf = (content: RewardContent): ContentDraft => {
  const fields = CONTENT_FIELDS[content.type]
  const record = content as Record<string, unknown>
  return { key: newKey(), type: content.type, text: fields.text ? String(record[fields.text] ?? '') : '', number: String(record[fields.number] ?? '') }
}

const tagsText = (tags: readonly string[] | undefined) => (tags ?? []).join(', ')

export function eventDraftOf(event: ApiEvent): EventDraft {
  return {
    name: event.name,
    description: event.description,
    startedAt: localInputOf(new Date(event.startedAt)),
    endedAt: localInputOf(new Date(event.endedAt)),
    activate: event.activate,
    requireApproval: event.requireApproval,
    exclusiveRewards: event.exclusiveRewards,
    timezone: event.timezone,
    recurrence: event.recurrence?.every ?? '',
    anyTags: tagsText(event.audience?.anyTags),
    allTags: tagsText(event.audience?.allTags),
    noneTags: tagsText(event.audience?.noneTags),
    contents: conditionDraftsOf(event.contents)
  }
}

export function bundleDraftOf(reward: ApiReward): BundleDraft {
  return {
    key: reward.id,
    name: reward.name ?? '',
    contents: reward.contents.map(contentDraftOf),
    conditions: conditionDraftsOf(reward.conditions),
    stock: reward.stock === null ? '' : String(reward.stock),
    active: reward.active,
    random: reward.randomContents
      ? {
          rolls: String(reward.randomContents.rolls),
          table: reward.randomContents.table.map((entry) => ({ key: newKey(), weight: String(entry.weight), contents: entry.contents.map(contentDraftOf) }))
        }
      : null
  }
}

/**
 * A number as typed: an integer when it is one, else the text itself, so the API's 400 names the
 * field (a form never silently sends something else than what it shows).
 */
function numberOf(text: string): number {
  const trimmed = text.trim()
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number)
}

export const tagsOf = (text: string): string[] => [...new Set(text.split(/[\s,]+/).map((tag) => tag.trim()).filter(Boolean))]

const leafOf = ({ type, value }: LeafDraft): LeafCondition => {
  const param = LEAF_PARAM[type]
  return { type, [param]: param === 'questId' ? value.trim() : numberOf(value) } as LeafCondition
}
export const conditionsOf = (drafts: readonly ConditionDraft[]): Condition[] =>
  drafts.map((draft) => (isGroupDraft(draft) ? { type: 'any', of: draft.of.map(leafOf) } : leafOf(draft)))

export const contentOf = ({ type, text, number }: Pick<ContentDraft, 'type' | 'text' | 'number'>): RewardContent => {
  const fields = CONTENT_FIELDS[type]
  return { type, ...(fields.text ? { [fields.text]: text.trim() } : {}), [fields.number]: numberOf(number) } as RewardContent
}

function audienceOf(draft: EventDraft): EventInput['audience'] | undefined {
  const audience = { anyTags: tagsOf(draft.anyTags), allTags: tagsOf(draft.allTags), noneTags: tagsOf(draft.noneTags) }
  const given = Object.fromEntries(Object.entries(audience).filter(([, tags]) => tags.length > 0))
  return Object.keys(given).length > 0 ? given : undefined
}

/** The body of POST /event (no defaults left implicit: the preview shows what is sent). */
export function eventBodyOf(draft: EventDraft): EventInput {
  const audience = audienceOf(draft)
  return {
    name: draft.name.trim(),
    description: draft.description,
    activate: draft.activate,
    startedAt: isoOfLocalInput(draft.startedAt),
    endedAt: isoOfLocalInput(draft.endedAt),
    timezone: draft.timezone,
    ...(draft.recurrence ? { recurrence: { every: draft.recurrence } } : {}),
    requireApproval: draft.requireApproval,
    exclusiveRewards: draft.exclusiveRewards,
    ...(audience ? { audience } : {}),
    contents: conditionsOf(draft.contents)
  }
}

export const randomContentsOf = (random: RandomDraft): NonNullable<RewardInput['randomContents']> => ({
  rolls: numberOf(random.rolls),
  table: random.table.map((entry) => ({ weight: numberOf(entry.weight), contents: entry.contents.map(contentOf) }))
})

/** The body of POST /rewards for a bundle of `eventId`. */
export function rewardBodyOf(draft: BundleDraft, eventId: string): RewardInput {
  return {
    eventId,
    ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
    ...(draft.contents.length > 0 ? { contents: draft.contents.map(contentOf) } : {}),
    ...(draft.random ? { randomContents: randomContentsOf(draft.random) } : {}),
    ...(draft.conditions.length > 0 ? { conditions: conditionsOf(draft.conditions) } : {}),
    ...(draft.stock.trim() ? { stock: numberOf(draft.stock) } : {}),
    active: draft.active
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The fields of an event edit in the form both sides compare (the PATCH's own shapes: null clears). */
function eventFieldsOf(draft: EventDraft): Required<Omit<EventUpdate, 'version'>> {
  const body = eventBodyOf(draft)
  return {
    name: body.name,
    description: body.description ?? '',
    activate: body.activate ?? true,
    startedAt: body.startedAt,
    endedAt: body.endedAt,
    requireApproval: body.requireApproval ?? false,
    audience: body.audience ?? null,
    exclusiveRewards: body.exclusiveRewards ?? false,
    timezone: body.timezone ?? 'UTC',
    recurrence: body.recurrence ?? null,
    contents: body.contents
  }
}

/**
 * PATCH /event/:id: the fields that differ from the event as loaded (both sides through the same
 * draft, so a window shown to the minute is no change), with the version it was loaded at;
 * null when nothing changed.
 */
export function eventPatchOf(saved: ApiEvent, draft: EventDraft): EventUpdate | null {
  const before = eventFieldsOf(eventDraftOf(saved))
  const after = eventFieldsOf(draft)
  const changed = Object.fromEntries(Object.entries(after).filter(([key, value]) => !same(value, before[key as keyof typeof before])))
  return Object.keys(changed).length === 0 ? null : { ...changed, version: saved.version }
}

function rewardFieldsOf(draft: BundleDraft): Required<Omit<RewardUpdate, 'version'>> {
  return {
    name: draft.name.trim(),
    active: draft.active,
    stock: draft.stock.trim() ? numberOf(draft.stock) : null,
    contents: draft.contents.map(contentOf),
    randomContents: draft.random ? randomContentsOf(draft.random) : null,
    conditions: conditionsOf(draft.conditions)
  }
}

/**
 * PATCH /rewards/:id: only what changed, with `version`; null when nothing did. A name cleared
 * is sent as '' and refused by the API (a name cannot be removed), so the field says so rather
 * than the edit being dropped while the screen says "Saved."; the input is required too.
 */
export function rewardPatchOf(saved: ApiReward, draft: BundleDraft): RewardUpdate | null {
  const before = rewardFieldsOf(bundleDraftOf(saved))
  const after = rewardFieldsOf(draft)
  const changed = Object.fromEntries(Object.entries(after).filter(([key, value]) => !same(value, before[key as keyof typeof before])))
  return Object.keys(changed).length === 0 ? null : { ...changed, version: saved.version }
}

/** The fields an event edit may not change once the event has progress or a claim (the API's rule). */
export const EVENT_FIXED_AFTER_ACTIVITY = ['exclusiveRewards', 'timezone', 'recurrence', 'contents'] as const
/** A bundle's fields fixed once it has a claim. */
export const REWARD_FIXED_AFTER_CLAIM = ['contents', 'randomContents', 'conditions'] as const

/** Each weight's share of the table's total, in percent (0 when the total is not positive). */
export function sharesOf(weights: readonly string[]): number[] {
  const values = weights.map((weight) => {
    const n = Number(weight)
    return Number.isFinite(n) && n > 0 ? n : 0
  })
  const total = values.reduce((sum, n) => sum + n, 0)
  return values.map((n) => (total > 0 ? (n / total) * 100 : 0))
}
