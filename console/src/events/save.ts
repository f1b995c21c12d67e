/**
 * Saving the editor: a new event is POST /event then POST /rewards per bundle, in order; an event
 * already saved gets PATCH /event/:id and PATCH /rewards/:id with only what changed plus
 * `version`, and POST /rewards for bundles added to it. A refusal is kept beside the draft it
 * belongs to (the event, or one bundle), so nothing typed is lost.
 */
import { ApiProblem } from '../api.js'
import type { Translate } from '../i18n.js'
import type { FieldProblem } from './field-errors.js'
import {
  EVENT_FIXED_AFTER_ACTIVITY,
  REWARD_FIXED_AFTER_CLAIM,
  eventBodyOf,
  eventPatchOf,
  rewardBodyOf,
  rewardPatchOf,
  type ApiEvent,
  type ApiReward,
  type BundleDraft,
  type EventDraft
} from './model.js'
import { createBundle, createEvent, updateBundle, updateEvent } from './queries.js'

/** One bundle in the editor: the draft, and the bundle as last saved (absent: not created yet). */
export interface BundleState {
  draft: BundleDraft
  saved?: ApiReward
}

/** Why a request was refused, as the editor shows it. */
export interface Refusal {
  error: unknown
  /** The 400's fields (and, for a 409 on fixed fields, the fields that are locked). */
  fields: FieldProblem[]
  /** 409 VERSION_CONFLICT: someone saved meanwhile; the offer is to reload. */
  conflict: boolean
  /** 409 EVENT_HAS_ACTIVITY / REWARD_HAS_CLAIMS: the fields the edit tried to change that are fixed now. */
  locked: string[]
}

/** Field names of a body path the API names without `errors[]` (its plain 400s). */
const FIELD_OF_CODE: Record<string, string> = { INVALID_WINDOW: 'body.endedAt', UNKNOWN_TIMEZONE: 'body.timezone' }

/** The API's English message in the operator's language, where the console knows the case. */
function messageOf(t: Translate, code: string | undefined, message: string): string {
  if (code === 'STOCK_BELOW_CLAIMS') {
    const taken = /at least (\d+)/.exec(message)?.[1]
    if (taken) return t('editor.error.stockBelow', { n: taken })
  }
  if (code === 'CONDITION_EXCEEDS_PERIOD') {
    const found = /needs (\d+) days, more than a (day|week|month) can hold \((\d+)\)/.exec(message)
    if (found) return t('editor.error.period', { days: found[1]!, period: t(`editor.period.${found[2] as 'day' | 'week' | 'month'}`), max: found[3]! })
  }
  if (code === 'REWARD_EMPTY') return t('editor.error.empty')
  if (code === 'INVALID_WINDOW') return t('editor.error.window')
  if (code === 'UNKNOWN_TIMEZONE') return t('editor.error.timezone')
  return t('editor.error.field', { message })
}

export function refusalOf(error: unknown, t: Translate, attempted: readonly string[] = []): Refusal {
  const refusal: Refusal = { error, fields: [], conflict: false, locked: [] }
  if (!(error instanceof ApiProblem)) return refusal
  const { status, problem } = error
  if (status === 400) {
    const listed = problem.errors ?? []
    const code = problem.code
    refusal.fields = listed.length
      ? listed.map(({ field, message }) => ({ field, message: messageOf(t, code, message) }))
      : code && FIELD_OF_CODE[code]
        ? [{ field: FIELD_OF_CODE[code]!, message: messageOf(t, code, problem.detail ?? '') }]
        : []
  }
  if (status === 409 && problem.code === 'VERSION_CONFLICT') refusal.conflict = true
  if (status === 409 && (problem.code === 'EVENT_HAS_ACTIVITY' || problem.code === 'REWARD_HAS_CLAIMS')) {
    const fixed: readonly string[] = problem.code === 'EVENT_HAS_ACTIVITY' ? EVENT_FIXED_AFTER_ACTIVITY : REWARD_FIXED_AFTER_CLAIM
    // The API names them in its detail (`body.contents, body.timezone cannot change`); what this edit tried is the fallback.
    const named = fixed.filter((field) => (problem.detail ?? '').includes(`body.${field}`))
    refusal.locked = named.length > 0 ? named : fixed.filter((field) => attempted.includes(field))
    const message = t(problem.code === 'EVENT_HAS_ACTIVITY' ? 'editor.locked.eventField' : 'editor.locked.bundleField')
    refusal.fields = refusal.locked.map((field) => ({ field: `body.${field}`, message }))
  }
  return refusal
}

export interface SaveOutcome {
  event?: ApiEvent
  eventRefusal?: Refusal
  /** Per bundle key: the bundle as saved now, or why not. */
  bundles: Record<string, { saved: ApiReward } | { refusal: Refusal }>
  /** True when this save created the event (the editor moves to its address). */
  created: boolean
}

/**
 * Sends what the drafts say. The event first: if it is refused, no bundle is sent (a bundle
 * needs the event it belongs to). Then every bundle that is new or changed, in order, each on
 * its own: one refusal does not stop the others.
 */
export async function saveAll(t: Translate, draft: EventDraft, saved: ApiEvent | undefined, bundles: readonly BundleState[]): Promise<SaveOutcome> {
  const outcome: SaveOutcome = { bundles: {}, created: false }
  let event = saved
  if (!event) {
    try {
      event = await createEvent(eventBodyOf(draft))
      outcome.created = true
    } catch (error) {
      outcome.eventRefusal = refusalOf(error, t)
      return outcome
    }
  } else {
    const patch = eventPatchOf(event, draft)
    if (patch) {
      try {
        event = await updateEvent(event.id, patch)
      } catch (error) {
        outcome.eventRefusal = refusalOf(error, t, Object.keys(patch))
        return outcome
      }
    }
  }
  outcome.event = event
  for (const bundle of bundles) {
    const patch = bundle.saved ? rewardPatchOf(bundle.saved, bundle.draft) : null
    if (bundle.saved && !patch) continue
    try {
      const reply = bundle.saved ? await updateBundle(bundle.saved.id, patch!) : await createBundle(rewardBodyOf(bundle.draft, event.id))
      outcome.bundles[bundle.draft.key] = { saved: reply }
    } catch (error) {
      outcome.bundles[bundle.draft.key] = { refusal: refusalOf(error, t, patch ? Object.keys(patch) : []) }
    }
  }
  return outcome
}

/**
 * Drafts handed from the new-event editor to the created event's editor (the address changes, so
 * the screen is a new one): bundles the API refused, with why, and what to say.
 */
export interface Handoff {
  unsaved: Array<{ draft: BundleDraft; refusal: Refusal }>
  saved: number
}
const handoffs = new Map<string, Handoff>()
export const handOff = (eventId: string, handoff: Handoff) => handoffs.set(eventId, handoff)
/** Read while the editor mounts (twice under StrictMode in development), dropped once it has. */
export const peekHandoff = (eventId: string): Handoff | undefined => handoffs.get(eventId)
export const dropHandoff = (eventId: string) => handoffs.delete(eventId)
