import { Role, STAFF_ROLES, type AccessTokenClaims } from '@app/contracts'
import type { EventDoc } from '../repositories/events.js'

/**
 * Who sees which event (SPEC v2, *Audiences* and *What players see*): the one predicate the
 * catalog reads, the claim check and the eligibility dry run share. Pure: no I/O, `now` passed in.
 */

/** `event.audience`: tag sets over the account tags staff set. Absent, `{}` or only empty arrays: everyone. */
export interface Audience {
  /** At least one of these. */
  anyTags?: string[]
  /** Every one of these. */
  allTags?: string[]
  /** None of these. */
  noneTags?: string[]
}

/** The player's tags (the access token's `tags`; absent on older tokens: none) pass the audience. */
export function audienceAdmits(audience: Audience | null | undefined, tags: readonly string[] | undefined): boolean {
  if (!audience) return true
  const held = new Set(tags ?? [])
  const { anyTags = [], allTags = [], noneTags = [] } = audience
  if (anyTags.length > 0 && !anyTags.some((tag) => held.has(tag))) return false
  if (!allTags.every((tag) => held.has(tag))) return false
  return !noneTags.some((tag) => held.has(tag))
}

/** The audience as stored: empty arrays dropped, null when nothing is left (everyone). */
export function normalizedAudience(audience: Audience | null | undefined): Audience | null {
  if (!audience) return null
  const kept = Object.fromEntries(
    (['anyTags', 'allTags', 'noneTags'] as const).flatMap((key) => {
      const tags = audience[key]
      return tags && tags.length > 0 ? [[key, [...new Set(tags)].sort()]] : []
    })
  ) as Audience
  return Object.keys(kept).length > 0 ? kept : null
}

/**
 * Where an event stands for staff's `status` filter, exactly one of:
 *   inactive  `activate` is false (whatever its window)
 *   upcoming  active, startedAt > now
 *   live      active, startedAt ≤ now < endedAt
 *   ended     active, endedAt ≤ now
 */
export type EventStatus = 'upcoming' | 'live' | 'ended' | 'inactive'
export const EVENT_STATUSES: readonly EventStatus[] = ['upcoming', 'live', 'ended', 'inactive']

export function eventStatus(event: Pick<EventDoc, 'activate' | 'startedAt' | 'endedAt'>, now: Date): EventStatus {
  if (!event.activate) return 'inactive'
  if (now < event.startedAt) return 'upcoming'
  if (now < event.endedAt) return 'live'
  return 'ended'
}

/** Who is looking: the verified token's roles and tags. */
export type CatalogReader = Pick<AccessTokenClaims, 'roles' | 'tags'>

/** Staff and game servers (SERVICE) read the whole catalog; everyone else reads as a player. */
export const readsWholeCatalog = (reader: Pick<AccessTokenClaims, 'roles'>): boolean =>
  reader.roles.some((role) => role === Role.SERVICE || STAFF_ROLES.includes(role))

/**
 * Whether `reader` may see the event (and its bundles) at `now`: staff and SERVICE always; a
 * player when the event is active, has started (an ended one stays visible: its claims and
 * history stay readable) and the player's tags pass its audience.
 */
export function visibleTo(event: Pick<EventDoc, 'activate' | 'startedAt' | 'endedAt' | 'audience'>, reader: CatalogReader, now: Date): boolean {
  if (readsWholeCatalog(reader)) return true
  const status = eventStatus(event, now)
  return (status === 'live' || status === 'ended') && audienceAdmits(event.audience, reader.tags)
}
