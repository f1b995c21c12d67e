import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, forbidden, inPool, notFound, type HttpProblem } from '@app/platform'
import { toClaim } from '../claims/view.js'
import { completionFields } from '../delivery/worker.js'
import type { ClaimDoc, ClaimRepository, TransitionRequest } from '../repositories/claims.js'
import {
  BULK_DECISION_MAX,
  BulkApproveBody,
  BulkDecisionReply,
  BulkRejectBody,
  Claim,
  RejectClaimBody,
  ResolveClaimBody,
  type BulkDecisionResult,
  type BulkRefusalCode,
  type ClaimStatus
} from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['claims']
const decisionErrors = problemResponses(400, 401, 403, 404, 409, 413, 415)

/** `{a: 1}` → `{'delivery.a': 1}`: fields of a subdocument for `$set`. */
const prefixed = (path: string, fields: object) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${path}.${key}`, value]))

/** A decision refused: the problem a single route answers with, and the claim's status now (null: no such claim). */
export interface DecisionRefused {
  refused: HttpProblem & { code: BulkRefusalCode }
  current: ClaimStatus | null
}
export type DecisionOutcome = { claim: ClaimDoc } | DecisionRefused

const refusal = (problem: HttpProblem, code: BulkRefusalCode, current: ClaimStatus | null): DecisionRefused => ({
  refused: Object.assign(problem, { code }),
  current
})

/** A decision found nothing to move: the claim is missing (404), the decider's own (403), or in another state (409). */
async function decisionRefusal(claims: ClaimRepository, id: ObjectId, actor: string, expected: ClaimStatus): Promise<DecisionRefused> {
  const claim = await claims.findById(id)
  if (!claim) return refusal(notFound('No such claim', 'CLAIM_NOT_FOUND'), 'CLAIM_NOT_FOUND', null)
  if (claim.userId === actor) return refusal(forbidden('Nobody decides on a claim of their own account', 'SELF_APPROVAL'), 'SELF_APPROVAL', claim.status)
  return refusal(conflict(`The claim is ${claim.status}, not ${expected}`, 'INVALID_TRANSITION'), 'INVALID_TRANSITION', claim.status)
}

/** The decided claim, or the refusal thrown as the single routes answer it. */
function settled(outcome: DecisionOutcome): ClaimDoc {
  if ('refused' in outcome) throw outcome.refused
  return outcome.claim
}

/** Claims a bulk decision works on at once: enough to finish 500 quickly, few enough not to flood the database or the receiver. */
const BULK_LANES = 8

/**
 * Operator decisions on claims: approve, reject, retry, resolve. Each is one conditional update
 * that also requires the claim not to be the decider's own (so a self-decision can never win a
 * race either), with its row in the audit trail; a lost race is a 409, never a second decision.
 */
export const claimDecisionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, rewards, auditLog } = app.repositories

  async function attemptDecision(request: Omit<TransitionRequest, 'now' | 'where'> & { now?: Date }): Promise<DecisionOutcome> {
    const { id, by, from } = request
    const decided = await claims.transition({ ...request, now: request.now ?? app.clock(), where: { userId: { $ne: by } } })
    return decided ? { claim: decided } : decisionRefusal(claims, id, by, from)
  }

  const decide = async (request: Omit<TransitionRequest, 'now' | 'where'> & { now?: Date }): Promise<ClaimDoc> => settled(await attemptDecision(request))

  /** pending → processing, then the first delivery attempt (as the claim then is). */
  async function approve(id: ObjectId, by: string): Promise<DecisionOutcome> {
    const now = app.clock()
    const outcome = await attemptDecision({ id, from: 'pending', to: 'processing', by, now, ...startDelivery(now) })
    return 'refused' in outcome ? outcome : { claim: await app.delivery.deliverLeased(outcome.claim) }
  }

  async function reject(id: ObjectId, by: string, reason: string): Promise<DecisionOutcome> {
    const outcome = await attemptDecision({ id, from: 'pending', to: 'rejected', by, reason, set: { reason } })
    // Only a rejection gives a unit of stock back; the conditional transition lets one rejection win, so it is given once.
    if (!('refused' in outcome) && outcome.claim.stockTaken && outcome.claim.rewardId) await rewards.returnStock(outcome.claim.rewardId)
    return outcome
  }

  /** The same decision on many claims, each its own conditional transition; a result per id, in order. */
  async function decideAll(ids: readonly string[], decision: (id: ObjectId) => Promise<DecisionOutcome>): Promise<BulkDecisionReply> {
    const results = await inPool(ids, BULK_LANES, async (id): Promise<BulkDecisionResult> => {
      const outcome = await decision(new ObjectId(id))
      if (!('refused' in outcome)) return { id, status: outcome.claim.status }
      return { id, status: outcome.current ?? 'not_found', code: outcome.refused.code }
    })
    return { results }
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
    async (request) => toClaim(settled(await approve(new ObjectId(request.params.id), request.user.sub)), 'staff')
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
    async (request) => toClaim(settled(await reject(new ObjectId(request.params.id), request.user.sub, request.body.reason)), 'staff')
  )

  const bulkDescription =
    'Each id is its own conditional transition with its audit row, exactly as the single route would make it ' +
    '(an approved claim is delivered as a single approval delivers it); the reply has a result per id, in the ' +
    'order sent. A claim not decided has a `code`: `INVALID_TRANSITION` (not pending, or another decision won ' +
    'the race — `status` says what it is now), `SELF_APPROVAL` (a claim of your own account), `CLAIM_NOT_FOUND`. ' +
    `At most ${BULK_DECISION_MAX} ids, each once (else 400 naming \`ids\`).`

  app.post(
    '/user-reward-claims/bulk-approve',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'bulkApproveClaims',
        summary: 'Approve many pending claims: a result per claim',
        description: bulkDescription,
        body: BulkApproveBody,
        response: { 200: BulkDecisionReply, ...problemResponses(400, 401, 403, 413, 415) }
      }
    },
    async (request) => decideAll(request.body.ids, (id) => approve(id, request.user.sub))
  )

  app.post(
    '/user-reward-claims/bulk-reject',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'bulkRejectClaims',
        summary: 'Reject many pending claims with one reason: a result per claim',
        description: `${bulkDescription} The reason is for staff, as with a single rejection.`,
        body: BulkRejectBody,
        response: { 200: BulkDecisionReply, ...problemResponses(400, 401, 403, 413, 415) }
      }
    },
    async (request) => decideAll(request.body.ids, (id) => reject(id, request.user.sub, request.body.reason))
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
