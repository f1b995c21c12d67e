import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { ClaimDoc, ClaimRepository, DeliveryState } from '../repositories/claims.js'
import { retryDelay } from './backoff.js'
import { DeliveryError, type Grant, type GrantOutcome } from './grant.js'

/** The actor recorded in the audit trail for transitions the delivery worker makes. */
const DELIVERY_ACTOR = 'system:delivery'
/** Deliveries a sweep runs side by side, and the most it takes on before the next tick. */
const SWEEP_LANES = 4
const SWEEP_BATCH = 100

export interface DeliveryWorkerOptions {
  claims: ClaimRepository
  grant: Grant
  clock: () => Date
  log: FastifyBaseLogger
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  leaseMs: number
  callbackWaitMs: number
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>

/**
 * Delivers `processing` claims. Every attempt holds a lease on its claim, taken in one
 * conditional update (or in the very write that made the claim `processing`), and records its
 * outcome only while that lease is still its own. So no two workers — in this process or
 * another — deliver the same claim at once, and one that lost its lease cannot overwrite what
 * the next holder did.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions) {
  const { claims, grant, clock, log, maxAttempts, backoffBaseMs, backoffMaxMs, leaseMs, callbackWaitMs } = options
  const leaseOwner = () => `${process.pid}:${randomUUID()}`
  const later = (ms: number) => new Date(clock().getTime() + ms)

  async function attempt(claim: ClaimDoc, owner: string): Promise<void> {
    let outcome: GrantOutcome
    try {
      outcome = await grant.deliver(claim)
    } catch (error) {
      await recordFailure(claim, owner, error instanceof DeliveryError ? error : new DeliveryError(String(error)))
      return
    }
    if (outcome === 'accepted') {
      await claims.release(claim._id, owner, { nextAttemptAt: later(callbackWaitMs), lastError: null, acceptedAt: clock() })
      return
    }
    const now = clock()
    const completed = await claims.transition({
      id: claim._id,
      from: 'processing',
      to: 'completed',
      by: DELIVERY_ACTOR,
      now,
      where: { 'delivery.leaseOwner': owner },
      set: {
        'delivery.completedAt': now,
        'delivery.nextAttemptAt': null,
        'delivery.leaseUntil': null,
        'delivery.leaseOwner': null,
        'delivery.lastError': null
      }
    })
    // Null: the callback confirmed it meanwhile, or our lease ran out and the next holder will
    // re-send under the same Idempotency-Key. Either way nothing is left to do here.
    if (!completed) log.info({ claimId: claim._id.toHexString() }, 'delivered, but the claim had moved on')
  }

  async function recordFailure(claim: ClaimDoc, owner: string, failure: DeliveryError): Promise<void> {
    const { attempts } = claim.delivery
    const exhausted = failure.attempted && (failure.permanent || attempts >= maxAttempts)
    log.warn({ claimId: claim._id.toHexString(), attempt: attempts, exhausted, err: failure }, 'delivery failed')
    if (!exhausted) {
      await claims.release(claim._id, owner, {
        nextAttemptAt: later(retryDelay(attempts, backoffBaseMs, backoffMaxMs)),
        lastError: failure.message,
        notAttempted: !failure.attempted
      })
      return
    }
    await claims.transition({
      id: claim._id,
      from: 'processing',
      to: 'failed',
      by: DELIVERY_ACTOR,
      now: clock(),
      reason: failure.message,
      where: { 'delivery.leaseOwner': owner },
      set: {
        reason: failure.message,
        'delivery.lastError': failure.message,
        'delivery.nextAttemptAt': null,
        'delivery.leaseUntil': null,
        'delivery.leaseOwner': null
      }
    })
  }

  return {
    /**
     * Delivery fields for a claim entering `processing` now (created, approved): it is born
     * leased to the caller for its first attempt, so the sweeper cannot race the request.
     */
    firstAttempt(now: Date): Pick<DeliveryState, 'attempts' | 'nextAttemptAt' | 'leaseUntil' | 'leaseOwner'> {
      return { attempts: 1, nextAttemptAt: now, leaseUntil: new Date(now.getTime() + leaseMs), leaseOwner: leaseOwner() }
    },

    /** Makes the first attempt on a claim that entered `processing` with `firstAttempt`'s lease. */
    async deliverLeased(claim: ClaimDoc): Promise<void> {
      const owner = claim.delivery.leaseOwner
      if (claim.status === 'processing' && owner !== null) await attempt(claim, owner)
    },

    /**
     * Works through due deliveries — retries whose backoff has passed, claims whose worker
     * crashed and whose lease ran out — each at most once per sweep. Returns how many it tried.
     */
    async sweep(shouldStop: () => boolean = () => false): Promise<number> {
      const tried: ObjectId[] = []
      const lane = async () => {
        while (tried.length < SWEEP_BATCH && grant.ready() && !shouldStop()) {
          const owner = leaseOwner()
          const claim = await claims.lease({ owner, now: clock(), leaseMs, exclude: tried })
          if (!claim) return
          tried.push(claim._id)
          await attempt(claim, owner)
        }
      }
      // Settle every lane before reporting a failure, so nothing is still writing when the caller moves on.
      const lanes = await Promise.allSettled(Array.from({ length: SWEEP_LANES }, lane))
      const failed = lanes.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
      return tried.length
    }
  }
}
