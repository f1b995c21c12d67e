import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, forbidden, notFound, type HttpProblem } from '@app/platform'
import { toClaim } from '../claims/view.js'
import { completionFields } from '../delivery/worker.js'
import type { ClaimDoc, ClaimRepository, TransitionRequest } from '../repositories/claims.js'
import { Claim, RejectClaimBody, ResolveClaimBody, type ClaimStatus } from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['claims']
const decisionErrors = problemResponses(400, 401, 403, 404, 409, 413, 415)

/** `{a: 1}` → `{'delivery.a': 1}`: fields of a subdocument for `$set`. */
const prefixed = (path: string, fields: object) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${path}.${key}`, value]))

/** A decision found nothing to move: the claim is missing (404), the decider's own (403), or in another state (409). */
async function decisionRefusal(claims: ClaimRepository, id: ObjectId, actor: string, expected: ClaimStatus): Promise<HttpProblem> {
  const claim = await claims.findById(id)
  if (!claim) return notFound('No such claim', 'CLAIM_NOT_FOUND')
  if (claim.userId === actor) return forbidden('Nobody decides on a claim of their own account', 'SELF_APPROVAL')
  return conflict(`The claim is ${claim.status}, not ${expected}`, 'INVALID_TRANSITION')
}

/**
 * Operator decisions on claims: approve, reject, retry, resolve. Each is one conditional update
 * that also requires the claim not to be the decider's own (so a self-decision can never win a
 * race either), with its row in the audit trail; a lost race is a 409, never a second decision.
 */
export const claimDecisionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, rewards, auditLog } = app.repositories

  async function decide(request: Omit<TransitionRequest, 'now' | 'where'> & { now?: Date }): Promise<ClaimDoc> {
    const { id, by, from } = request
    const decided = await claims.transition({ ...request, now: request.now ?? app.clock(), where: { userId: { $ne: by } } })
    if (!decided) throw await decisionRefusal(claims, id, by, from)
    return decided
  }

  /** The fields and counter that start a delivery stint, leased to this request unless delivery is paused. */
  function startDelivery(now: Date): { set: Record<string, unknown>; inc: Record<string, number> } {
    const processing = app.delivery.enterProcessing(now)
    return { set: prefixed('delivery', processing), inc: processing.leaseOwner ? { 'delivery.attempts': 1 } : {} }
  }

  app.patch(
    '/user-reward-claims/:id/approve',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'approveClaim',
        summary: 'Approve a pending claim: pending → processing, then delivery',
        description: 'Not on a claim of your own account (403 SELF_APPROVAL).',
        params: IdParams,
        response: { 200: Claim, ...decisionErrors }
      }
    },
    async (request) => {
      const now = app.clock()
      const approved = await decide({ id: new ObjectId(request.params.id), from: 'pending', to: 'processing', by: request.user.sub, now, ...startDelivery(now) })
      return toClaim(await app.delivery.deliverLeased(approved), 'staff')
    }
  )

  app.patch(
    '/user-reward-claims/:id/reject',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'rejectClaim',
        summary: 'Reject a pending claim, with a reason',
        description:
          'The reason is for staff; the player is told only that the claim was not approved. A bundle with stock gets ' +
          'the unit back; the player\'s slot stays taken (a rejection is final). Not on a claim of your own account (403 SELF_APPROVAL).',
        params: IdParams,
        body: RejectClaimBody,
        response: { 200: Claim, ...decisionErrors }
      }
    },
    async (request) => {
      const { reason } = request.body
      const rejected = await decide({ id: new ObjectId(request.params.id), from: 'pending', to: 'rejected', by: request.user.sub, reason, set: { reason } })
      // Only a rejection gives a unit of stock back; the conditional transition lets one rejection win, so it is given once.
      if (rejected.stockTaken) await rewards.returnStock(rejected.rewardId)
      return toClaim(rejected, 'staff')
    }
  )

  app.patch(
    '/user-reward-claims/:id/retry',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'retryClaim',
        summary: 'Retry a failed claim: failed → processing, then delivery under the same Idempotency-Key',
        description:
          'The grant is sent again with the claim id as its Idempotency-Key, as on every earlier attempt, so a ' +
          'receiver that did grant it (outcome `unknown`) answers with the earlier result instead of granting twice. ' +
          'The retry budget starts again. Not on a claim of your own account (403 SELF_APPROVAL).',
        params: IdParams,
        response: { 200: Claim, ...decisionErrors }
      }
    },
    async (request) => {
      const now = app.clock()
      const { set, inc } = startDelivery(now)
      const retried = await decide({
        id: new ObjectId(request.params.id),
        from: 'failed',
        to: 'processing',
        by: request.user.sub,
        now,
        set: { ...set, reason: null, 'delivery.outcome': null, 'delivery.acceptedAt': null },
        inc
      })
      return toClaim(await app.delivery.deliverLeased(retried), 'staff')
    }
  )

  app.patch(
    '/user-reward-claims/:id/resolve',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'resolveClaim',
        summary: 'Resolve a failed claim by hand: failed → completed, with a note',
        description:
          'For when you have confirmed that the grant did land (say, outcome `unknown` and the game shows it). ' +
          'Nothing is sent. The note goes to the audit trail and the audit log. Not on a claim of your own account (403 SELF_APPROVAL).',
        params: IdParams,
        body: ResolveClaimBody,
        response: { 200: Claim, ...decisionErrors }
      }
    },
    async (request) => {
      const { note } = request.body
      const now = app.clock()
      const id = new ObjectId(request.params.id)
      // What the audit log keeps as "before": the failure being resolved (the decision clears it).
      const failure = await claims.findById(id)
      const resolved = await decide({
        id,
        from: 'failed',
        to: 'completed',
        by: request.user.sub,
        now,
        reason: note,
        set: completionFields(now)
      })
      await auditLog.record({
        at: now,
        actor: request.user.sub,
        action: 'claim.resolve',
        entity: { type: 'claim', id: resolved._id.toHexString() },
        before: {
          status: 'failed',
          outcome: failure?.delivery.outcome ?? 'unknown',
          reason: failure?.reason ?? null,
          attempts: failure?.delivery.attempts ?? null
        },
        after: { status: 'completed', note }
      })
      return toClaim(resolved, 'staff')
    }
  )
}
