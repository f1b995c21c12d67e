import type { ObjectId } from 'mongodb'
import type { EventDoc } from '../repositories/events.js'
import type { Eligibility } from '../schemas/eligibility.js'
import type { BundleRefusalCode } from '../schemas/progress.js'
import { problemOf, refusalsOf, situationOf, type EligibilityDeps } from './eligibility.js'

/**
 * Whether the event's audience admits the player — the seam for audiences (issue 18, built
 * beside this in `visibleTo` / `audienceAdmits`). A claim judges audience from the player's
 * token `tags`; a dry run has only the player's id, so it needs the player's current tags (from
 * auth's account directory) and the audience rule. Until that is wired this answers `null`
 * ("not judged") — deliberately not `true`: the reply says `visible: null` and gives no
 * NOT_VISIBLE reason, rather than claiming the player can see the event.
 */
export type VisibilityOf = (event: EventDoc, userId: string) => Promise<boolean | null>
export const audienceNotJudged: VisibilityOf = async () => null

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
