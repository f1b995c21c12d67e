import type { FastifyBaseLogger } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { AccountTagsRecord } from '@app/contracts'
import { audienceAdmits } from '../catalog/visibility.js'
import type { EventDoc } from '../repositories/events.js'
import type { Eligibility } from '../schemas/eligibility.js'
import type { BundleRefusalCode } from '../schemas/progress.js'
import { problemOf, refusalsOf, situationOf, type EligibilityDeps } from './eligibility.js'

/**
 * Whether the event's audience admits the player: true, false, or null when it could not be
 * judged (auth unreachable, or no such account). A claim judges audience from the player's
 * token `tags`; a dry run has only the player's id, so it asks auth for the account's tags as
 * they are now — which the player's token carries from their next refresh on.
 */
export type VisibilityOf = (event: EventDoc, userId: string) => Promise<boolean | null>

/** An account's tags as auth holds them now; null: no such account. */
export type AccountTagsLookup = (userId: string) => Promise<string[] | null>

const ACCOUNT_TAGS_TIMEOUT_MS = 2_000

/**
 * Auth's `GET /internal/users/:id/tags`, on the internal listener that also serves the revocation
 * feed — so its origin is taken from AUTH_REVOCATIONS_URL rather than from one more setting.
 */
export const fetchAccountTags = (revocationsUrl: string): AccountTagsLookup => async (userId) => {
  const response = await fetch(new URL(`/internal/users/${encodeURIComponent(userId)}/tags`, revocationsUrl), {
    signal: AbortSignal.timeout(ACCOUNT_TAGS_TIMEOUT_MS)
  })
  if (response.status === 404) return null
  if (!response.ok) throw new Error(`auth answered ${response.status} for the account's tags`)
  return ((await response.json()) as AccountTagsRecord).tags
}

/** The audience judged from the account's current tags; an event without an audience needs no look-up. */
export const audienceOfAccount =
  (tagsOf: AccountTagsLookup, log: FastifyBaseLogger): VisibilityOf =>
  async (event, userId) => {
    if (!event.audience) return true
    try {
      const tags = await tagsOf(userId)
      return tags === null ? null : audienceAdmits(event.audience, tags)
    } catch (error) {
      log.warn({ err: error, userId }, "could not read the account's tags; the dry run leaves the audience unjudged")
      return null
    }
  }

/**
 * "Why can't this player claim this bundle?" without claiming: the very judgement a claim makes
 * (`eligibility.ts`: same reads, same checks, same order), every reason instead of the first.
 * Throws the claim's own 404 when the bundle or its event does not exist.
 */
export async function dryRunClaim(
  deps: EligibilityDeps & { visibilityOf: VisibilityOf },
  { userId, rewardId, now }: { userId: string; rewardId: ObjectId; now: Date }
): Promise<Eligibility> {
  const found = await situationOf(deps, { userId, rewardId, now })
  if ('refusal' in found) throw problemOf(found.refusal)
  const { situation } = found
  const visible = await deps.visibilityOf(situation.event, userId)
  const refusals = refusalsOf(situation).map(({ code, detail, claimId, unmet }) => ({
    // Once the situation is read, only the 409 codes remain (the 404s were `situationOf`'s).
    code: code as BundleRefusalCode,
    detail,
    ...(claimId ? { claimId: claimId.toHexString() } : {}),
    ...(unmet ? { unmet } : {})
  }))
  // A claim outside the audience is a 404 before any other check: it comes first.
  const reasons = visible === false ? [{ code: 'NOT_VISIBLE' as const, detail: "The event's audience does not include this player" }, ...refusals] : refusals
  return {
    rewardId: situation.reward._id.toHexString(),
    eventId: situation.event._id.toHexString(),
    userId,
    periodKey: situation.periodKey,
    claimable: reasons.length === 0,
    visible,
    reasons,
    conditions: situation.conditions
  }
}
