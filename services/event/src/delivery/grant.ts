import type { ClaimDoc } from '../repositories/claims.js'
import type { RewardContent } from '../schemas/rewards.js'

/**
 * What the delivery system's answer means for a claim (SPEC, "Claims and the delivery
 * contract"). Only `granted` and `refused` are final; everything else is retried under the
 * same Idempotency-Key until the time budget runs out.
 */
export type DeliveryAnswer =
  /** 200, 201 (or the built-in ledger): the reward was granted. */
  | { kind: 'granted' }
  /** 202: accepted; the delivery system confirms later through the callback. */
  | { kind: 'accepted' }
  /** 409: the delivery system is still working on this key; not delivered yet. */
  | { kind: 'busy'; detail: string }
  /** 400, 422: refused for good. */
  | { kind: 'refused'; detail: string }
  /** Any other answer, a timeout, a connection error: it may or may not have been granted. */
  | { kind: 'unknown'; detail: string }
  /** The circuit is open: nothing left this process, so it was not an attempt. */
  | { kind: 'not-sent'; detail: string }
export type DeliveryAnswerKind = DeliveryAnswer['kind']

export type CircuitState = 'closed' | 'open' | 'half-open'

/** What every grant request carries, on every attempt: the claim's frozen rewards, never a re-read. */
export interface GrantBody {
  /** The claim's id, or a make-good grant's: the Idempotency-Key too. */
  claimId: string
  userId: string
  /** Null for a make-good grant (no event, no bundle); then `kind` is `grant`. */
  eventId: string | null
  rewardId: string | null
  rewards: RewardContent[]
  kind?: 'grant'
}

export const grantBodyOf = (claim: ClaimDoc): GrantBody => ({
  claimId: claim._id.toHexString(),
  userId: claim.userId,
  eventId: claim.eventId?.toHexString() ?? null,
  rewardId: claim.rewardId?.toHexString() ?? null,
  rewards: claim.rewards,
  // Only on grants, so the body of a claim stays byte for byte what receivers already verify.
  ...(claim.kind === 'grant' ? { kind: 'grant' as const } : {})
})

/** Where granted rewards go: the delivery system over HTTP, or the built-in ledger. */
export interface Grant {
  /** Never throws: every failure is an answer (`unknown`, `not-sent`). */
  deliver(claim: ClaimDoc): Promise<DeliveryAnswer>
  /** `open` while deliveries would be refused without trying. */
  circuit(): CircuitState
  close(): void
}
