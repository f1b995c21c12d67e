import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { ClaimDoc, ClaimRepository, DeliveryState } from '../repositories/claims.js'
import { deliveryClock, type DeliverySettingsDoc } from '../repositories/delivery-settings.js'
import type { DeliveryOutcome } from '../schemas/claims.js'
import { retryDelay } from './backoff.js'
import type { DeliveryAnswer, DeliveryAnswerKind, Grant } from './grant.js'

/** The actor recorded in the audit trail for transitions the delivery worker makes. */
export const DELIVERY_ACTOR = 'system:delivery'
/** Deliveries a sweep runs side by side, and the most it takes on before the next tick. */
const SWEEP_LANES = 4
const SWEEP_BATCH = 100

export interface DeliveryWorkerOptions {
  claims: ClaimRepository
  grant: Grant
  clock: () => Date
  log: FastifyBaseLogger
  /** The pause switch as this instance last read it (see the delivery plugin). */
  settings: () => DeliverySettingsDoc
  giveUpAfterMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  leaseMs: number
  callbackWaitMs: number
  /** Told of every answer, for the metrics. */
  onAnswer?: (kind: DeliveryAnswerKind) => void
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>

/** The fields that end a lease and every planned attempt, on a state change out of `processing`. */
const SETTLED = {
  'delivery.nextAttemptAt': null,
  'delivery.leaseUntil': null,
  'delivery.leaseOwner': null
} as const

/** What a claim that is granted (by an answer, the callback, or an operator's resolve) sets with its transition. */
export const completionFields = (now: Date) => ({ ...SETTLED, 'delivery.completedAt': now, 'delivery.lastError': null, 'delivery.outcome': null })

/** What a claim that fails sets with its transition: the reason (staff only) and why it failed. */
export const failureFields = (outcome: DeliveryOutcome, detail: string) => ({
  ...SETTLED,
  reason: detail,
  'delivery.lastError': detail,
  'delivery.outcome': outcome
})

/**
 * Delivers `processing` claims under the delivery contract (SPEC, "Claims and the delivery
 * contract"): 200/201 complete a claim, 400/422 fail it as `refused`, every other answer is
 * retried under the same Idempotency-Key — with backoff, or after DELIVERY_CALLBACK_WAIT_MS for
 * a 202 — until DELIVERY_GIVE_UP_AFTER_MS of un-paused time has passed since the first send;
 * then the claim fails with outcome `unknown`, since it may have been granted.
 *
 * Every attempt holds a lease on its claim, taken in one conditional update (or in the very
 * write that made the claim `processing`), and records its outcome only while that lease is
 * still its own. So no two workers — in this process or another — deliver the same claim at
 * once, and one that lost its lease cannot overwrite what the next holder did.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions) {
  const { claims, grant, clock, log, settings, giveUpAfterMs, backoffBaseMs, backoffMaxMs, leaseMs, callbackWaitMs } = options
  const onAnswer = options.onAnswer ?? (() => {})
  const leaseOwner = () => `${process.pid}:${randomUUID()}`
  const paused = () => settings().paused

  async function attempt(claim: ClaimDoc, owner: string): Promise<ClaimDoc | null> {
    const answer = await grant.deliver(claim)
    onAnswer(answer.kind)
    if (answer.kind === 'granted') return complete(claim, owner)
    if (answer.kind === 'refused') return fail(claim, owner, 'refused', answer.detail)
    return retryLater(claim, owner, answer)
  }

  async function complete(claim: ClaimDoc, owner: string): Promise<ClaimDoc | null> {
    const now = clock()
    const completed = await claims.transition({
      id: claim._id,
      from: 'processing',
      to: 'completed',
      by: DELIVERY_ACTOR,
      now,
      where: { 'delivery.leaseOwner': owner },
      set: completionFields(now)
    })
    // Null: the callback confirmed it meanwhile, or our lease ran out and the next holder will
    // re-send under the same Idempotency-Key. Either way nothing is left to do here.
    if (!completed) log.info({ claimId: claim._id.toHexString() }, 'delivered, but the claim had moved on')
    return completed
  }

  function fail(claim: ClaimDoc, owner: string, outcome: DeliveryOutcome, detail: string): Promise<ClaimDoc | null> {
    log.warn({ claimId: claim._id.toHexString(), attempts: claim.delivery.attempts, outcome, detail }, 'delivery failed')
    return claims.transition({
      id: claim._id,
      from: 'processing',
      to: 'failed',
      by: DELIVERY_ACTOR,
      now: clock(),
      reason: detail,
      where: { 'delivery.leaseOwner': owner },
      set: failureFields(outcome, detail)
    })
  }

  /** A non-final answer: plan the next send, unless the budget has run out. */
  async function retryLater(claim: ClaimDoc, owner: string, answer: Exclude<DeliveryAnswer, { kind: 'granted' | 'refused' }>) {
    const now = clock()
    const spentUntil = deliveryClock(settings(), now)
    const sent = answer.kind !== 'not-sent'
    // The budget starts at the first request that left this process, not at the first try.
    const budgetStartMs = claim.delivery.budgetStartMs ?? (sent ? spentUntil : null)
    const detail = answer.kind === 'accepted' ? null : answer.detail
    if (budgetStartMs !== null && spentUntil - budgetStartMs >= giveUpAfterMs) {
      return fail(claim, owner, 'unknown', `no final answer within ${giveUpAfterMs} ms of delivery time; last: ${detail ?? 'accepted (202), never confirmed'}`)
    }
    const wait = answer.kind === 'accepted' ? callbackWaitMs : retryDelay(claim.delivery.attempts, backoffBaseMs, backoffMaxMs)
    // Never plan past the end of the budget, so the last send happens when it runs out, not up to a backoff later.
    const budgetLeft = budgetStartMs === null ? Infinity : giveUpAfterMs - (spentUntil - budgetStartMs)
    const released = await claims.release(claim._id, owner, {
      nextAttemptAt: new Date(now.getTime() + Math.min(wait, budgetLeft)),
      lastError: detail,
      ...(answer.kind === 'accepted' ? { acceptedAt: now } : {}),
      ...(sent ? {} : { notAttempted: true }),
      ...(claim.delivery.budgetStartMs == null && budgetStartMs !== null ? { budgetStartMs } : {})
    })
    if (answer.kind !== 'accepted') {
      log.warn({ claimId: claim._id.toHexString(), attempts: claim.delivery.attempts, answer: answer.kind, detail }, 'delivery not final; will retry')
    }
    return released
  }

  return {
    /**
     * Delivery fields for a claim entering `processing` now (created, approved, retried): born
     * leased to the caller for its first attempt, so the sweeper cannot race the request — or,
     * while delivery is paused, simply queued for the sweeper to send after the resume.
     */
    enterProcessing(now: Date): Pick<DeliveryState, 'nextAttemptAt' | 'leaseUntil' | 'leaseOwner' | 'queuedAt' | 'budgetStartMs'> {
      const queued = { nextAttemptAt: now, queuedAt: now, budgetStartMs: null }
      if (paused()) return { ...queued, leaseUntil: null, leaseOwner: null }
      return { ...queued, leaseUntil: new Date(now.getTime() + leaseMs), leaseOwner: leaseOwner() }
    },

    /**
     * Makes the first attempt on a claim that entered `processing` with `enterProcessing`'s lease
     * and returns the claim as it then is. Never throws: whatever goes wrong is logged, and the
     * claim is the sweeper's once the lease runs out (a player's claim stays made).
     */
    async deliverLeased(claim: ClaimDoc): Promise<ClaimDoc> {
      const owner = claim.delivery.leaseOwner
      if (claim.status !== 'processing' || owner === null) return claim
      try {
        return (await attempt(claim, owner)) ?? (await claims.findById(claim._id)) ?? claim
      } catch (error) {
        log.error({ err: error, claimId: claim._id.toHexString() }, 'first delivery attempt broke off; the sweeper will retry it')
        return claim
      }
    },

    /**
     * Works through due deliveries — retries whose wait has passed, claims whose worker crashed
     * and whose lease ran out — each at most once per sweep. Nothing while paused or while the
     * circuit is open (it lets one trial through when it half-opens). Returns how many it tried.
     */
    async sweep(shouldStop: () => boolean = () => false): Promise<number> {
      const tried: ObjectId[] = []
      const lane = async () => {
        while (tried.length < SWEEP_BATCH && grant.circuit() !== 'open' && !paused() && !shouldStop()) {
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
