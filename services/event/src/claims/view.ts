import type { AccessTokenClaims } from '@app/contracts'
import { isStaff } from '@app/platform'
import type { ClaimDoc, TransitionDoc } from '../repositories/claims.js'
import type { Claim, ClaimTransition } from '../schemas/claims.js'

/**
 * Who reads a claim decides what it shows. Staff see everything: the receiver's raw answers,
 * rejection reasons, resolve notes and who did what. The player sees the status and a generic
 * reason — a receiver's error text can carry internals (hosts, stack traces, other players'
 * data), and staff ids are nobody's business outside the team.
 */
export type ClaimReader = 'staff' | 'player'

export const readerOf = (user: AccessTokenClaims): ClaimReader => (isStaff(user) ? 'staff' : 'player')

/** What a player is told instead of the reason staff recorded. */
export const PLAYER_REASONS: Partial<Record<Claim['status'], string>> = {
  rejected: 'An operator reviewed this claim and did not approve it.',
  failed: 'The reward could not be delivered yet. Our team has been alerted and will follow up.'
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null)

export function toClaim(claim: ClaimDoc, reader: ClaimReader): Claim {
  const { delivery } = claim
  const staff = reader === 'staff'
  return {
    id: claim._id.toHexString(),
    userId: claim.userId,
    kind: claim.kind ?? 'claim',
    eventId: claim.eventId?.toHexString() ?? null,
    rewardId: claim.rewardId?.toHexString() ?? null,
    periodKey: claim.periodKey,
    status: claim.status,
    rewards: claim.rewards,
    reason: staff ? claim.reason : (PLAYER_REASONS[claim.status] ?? null),
    delivery: {
      attempts: delivery.attempts,
      nextAttemptAt: iso(delivery.nextAttemptAt),
      acceptedAt: iso(delivery.acceptedAt),
      completedAt: iso(delivery.completedAt),
      ...(staff
        ? {
            queuedAt: iso(delivery.queuedAt),
            lastError: delivery.lastError,
            // A claim failed by the first version has no outcome recorded: it may have been granted.
            outcome: claim.status === 'failed' ? (delivery.outcome ?? 'unknown') : null
          }
        : {})
    },
    createdAt: claim.createdAt.toISOString(),
    updatedAt: claim.updatedAt.toISOString()
  }
}

export function toTransition({ from, to, by, at, reason }: TransitionDoc, claim: ClaimDoc, reader: ClaimReader): ClaimTransition {
  if (reader === 'staff') return { from, to, by, at: at.toISOString(), reason }
  const shownBy = by === claim.userId || by.startsWith('system:') ? by : 'staff'
  return { from, to, by: shownBy, at: at.toISOString(), reason: null }
}
