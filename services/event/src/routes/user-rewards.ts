import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '@app/contracts'
import { forbidden } from '@app/platform'
import { copyAuditAfterReply } from '../claims/audit-after-reply.js'
import { makeGrant } from '../claims/grants.js'
import { toClaim, type ClaimReader } from '../claims/view.js'
import type { ClaimDoc } from '../repositories/claims.js'
import { Claim } from '../schemas/claims.js'
import { GrantBody, GrantedRewardPage, GrantedRewardsQuery, GrantHeaders, MyGrantedRewardsQuery, type GrantedReward } from '../schemas/user-rewards.js'
import { bearer } from './openapi.js'

const tags = ['claims']

/** A completed claim or grant as a granted reward; a grant's reason is for staff. */
function toGrantedReward(claim: ClaimDoc, reader: ClaimReader): GrantedReward {
  return {
    id: claim._id.toHexString(),
    kind: claim.kind ?? 'claim',
    eventId: claim.eventId?.toHexString() ?? null,
    rewardId: claim.rewardId?.toHexString() ?? null,
    rewards: claim.rewards,
    // Claims completed by the first version may lack `completedAt`: their last change is when.
    grantedAt: (claim.delivery.completedAt ?? claim.updatedAt).toISOString(),
    ...(reader === 'staff' && claim.grant ? { reason: claim.grant.reason } : {})
  }
}

export const userRewardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, auditLog } = app.repositories

  const grantedPage = async (userId: string, page: { limit?: number | undefined; cursor?: string | undefined }, reader: ClaimReader) => {
    const { items, nextCursor } = await claims.grantedTo(userId, page)
    return { items: items.map((claim) => toGrantedReward(claim, reader)), nextCursor }
  }

  app.get(
    '/user-rewards/me',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listMyGrantedRewards',
        summary: 'The rewards granted to you, newest first',
        description: 'Completed claims and make-good grants, however they were delivered.',
        querystring: MyGrantedRewardsQuery,
        response: { 200: GrantedRewardPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => grantedPage(request.user.sub, request.query, 'player')
  )

  app.get(
    '/user-rewards',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listGrantedRewards',
        summary: "A player's granted rewards, newest first (support)",
        description: 'Completed claims and make-good grants (with their reason), however they were delivered.',
        querystring: GrantedRewardsQuery,
        response: { 200: GrantedRewardPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => grantedPage(request.query.userId, request.query, 'staff')
  )

  app.post(
    '/user-rewards/grants',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createGrant',
        summary: 'Make-good grant outside any event, delivered like a claim',
        description:
          'No approval: the grant is `processing` at once and delivered under the delivery contract with its own id as ' +
          'Idempotency-Key (`eventId`/`rewardId` null, `kind: "grant"` in the body sent), retried, swept, retried or ' +
          'resolved by operators like a claim, and listed in the player\'s granted rewards once completed. The ' +
          '`Idempotency-Key` header is required: the same key for the same player is the same grant (200 with it; ' +
          '201 when this request made it); the same key with other contents or another reason is a 409 ' +
          'IDEMPOTENCY_KEY_REUSED naming the first grant (`claimId`). Audited as `grant.create`. Not to your own account (403 SELF_APPROVAL).',
        headers: GrantHeaders,
        body: GrantBody,
        response: { 201: Claim, 200: Claim, ...problemResponses(400, 401, 403, 409, 413, 415) }
      }
    },
    async (request, reply) => {
      const by = request.user.sub
      const { contents, reason } = request.body
      // Ids are stored lower-case (token `sub`s are): an upper-case spelling is the same account.
      const userId = request.body.userId.toLowerCase()
      if (userId === by) throw forbidden('Nobody grants to their own account', 'SELF_APPROVAL')
      const { grant, created } = await makeGrant(
        { claims, auditLog, delivery: app.delivery },
        { userId, contents, reason, idempotencyKey: request.headers['idempotency-key'], by, now: app.clock() }
      )
      const delivered = created ? await app.delivery.deliverLeased(grant) : grant
      if (created) copyAuditAfterReply(reply, claims, delivered)
      return reply.code(created ? 201 : 200).send(toClaim(delivered, 'staff'))
    }
  )
}
