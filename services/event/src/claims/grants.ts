import { isDeepStrictEqual } from 'node:util'
import { conflict, isDuplicateKeyError, type AuditLogRepository } from '@app/platform'
import type { DeliveryWorker } from '../delivery/worker.js'
import type { ClaimDoc, ClaimRepository } from '../repositories/claims.js'
import type { RewardContent } from '../schemas/rewards.js'
import { WHOLE_EVENT } from './slots.js'
import { initialDelivery } from './create.js'

/** A grant's slot: one per (player, Idempotency-Key), held by the claims' unique (user, slot) index. */
export const grantSlot = (idempotencyKey: string) => `grant:${idempotencyKey}`

export interface GrantRequest {
  userId: string
  contents: RewardContent[]
  reason: string
  idempotencyKey: string
  by: string
  now: Date
}

/**
 * A make-good grant: a claim document without event or bundle (see `ClaimDoc`), `processing`
 * from the start and delivered by the same worker under its own id as Idempotency-Key. The same
 * key for the same player is the same grant: the first request writes it (and its audit entry);
 * a repeat — sequential or racing — finds it, and `created` is false.
 */
export async function makeGrant(
  deps: { claims: ClaimRepository; delivery: Pick<DeliveryWorker, 'enterProcessing'>; auditLog: AuditLogRepository },
  { userId, contents, reason, idempotencyKey, by, now }: GrantRequest
): Promise<{ grant: ClaimDoc; created: boolean }> {
  const slot = grantSlot(idempotencyKey)
  // A repeat is the same grant only if it asks for the same thing: a key reused for other contents
  // or another reason is a mistake the operator must see, not a silent "already granted".
  const repeated = async (grant: ClaimDoc) => {
    if (!isDeepStrictEqual(grant.rewards, contents) || grant.grant?.reason !== reason) {
      throw conflict('This Idempotency-Key was used for another grant to this player', 'IDEMPOTENCY_KEY_REUSED', { claimId: grant._id.toHexString() })
    }
    await auditGrant(deps.auditLog, grant, idempotencyKey)
    return { grant, created: false }
  }
  const existing = await deps.claims.findBySlot(userId, slot)
  if (existing) return repeated(existing)
  let grant: ClaimDoc
  try {
    grant = await deps.claims.insert(
      {
        userId,
        kind: 'grant',
        eventId: null,
        rewardId: null,
        slot,
        periodKey: WHOLE_EVENT,
        status: 'processing',
        rewards: contents,
        grant: { by, reason },
        reason: null,
        delivery: initialDelivery(deps.delivery.enterProcessing(now)),
        createdAt: now,
        updatedAt: now
      },
      by
    )
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error
    // A parallel request with the same key wrote it first.
    const winner = await deps.claims.findBySlot(userId, slot)
    if (!winner) throw error
    return repeated(winner)
  }
  await auditGrant(deps.auditLog, grant, idempotencyKey)
  return { grant, created: true }
}

/**
 * The grant's `grant.create` entry, under the grant's own id: written once however often it is
 * tried. A repeat of the request tries again, so a process that died between the grant and its
 * entry (or an audit insert that failed) is repaired by the operator's retry with the same key.
 */
async function auditGrant(auditLog: AuditLogRepository, grant: ClaimDoc, idempotencyKey: string): Promise<void> {
  try {
    await auditLog.record({
      _id: grant._id,
      at: grant.createdAt,
      actor: grant.grant?.by ?? 'unknown',
      action: 'grant.create',
      entity: { type: 'grant', id: grant._id.toHexString() },
      before: null,
      after: { userId: grant.userId, contents: grant.rewards, reason: grant.grant?.reason ?? null, idempotencyKey }
    })
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error
  }
}
