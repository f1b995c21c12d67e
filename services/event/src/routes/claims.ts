import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { forbidden, isStaff, notFound } from '@app/platform'
import { copyAuditAfterReply } from '../claims/audit-after-reply.js'
import { createClaim } from '../claims/create.js'
import { rollContents } from '../claims/roll.js'
import { historyPage } from '../claims/history.js'
import { readerOf, toClaim, toTransition } from '../claims/view.js'
import { Claim, ClaimDetail, ClaimListQuery, ClaimPage, CreateClaimBody, MyClaimsQuery } from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['claims']

export const claimRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims } = app.repositories

  app.post(
    '/user-reward-claims',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createClaim',
        summary: 'Claim a reward bundle (for yourself)',
        description:
          'Each bundle once per player; with the event\'s `exclusiveRewards`, one bundle of the event per player. ' +
          'The checks, in order: the reward and its event exist and the event\'s audience admits you (404 otherwise). If you hold a claim in that slot already, ' +
          'that is the answer: 409 ALREADY_CLAIMED with its `claimId`, even once the event has ended or the stock ' +
          'has run out — a retry after a lost reply can follow it. The event must be active (409 EVENT_INACTIVE), ' +
          'inside its window (409 EVENT_NOT_STARTED / EVENT_ENDED) and the bundle active (409 REWARD_INACTIVE); ' +
          'the event\'s conditions and the bundle\'s must hold (409 CONDITIONS_NOT_MET, each listed in `unmet`); ' +
          'a unit of stock must be left (409 OUT_OF_STOCK). The claim is `pending` when the event requires ' +
          'approval, otherwise `processing` and delivered right away; if that first delivery does not finish, the ' +
          'claim stays `processing` and the sweeper delivers it.',
        body: CreateClaimBody,
        response: { 201: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request, reply) => {
      const userId = request.user.sub
      if (request.body.userId !== undefined && request.body.userId !== userId) {
        throw forbidden('You may claim only for yourself', 'NOT_YOUR_USER_ID')
      }
      const claim = await createClaim({ ...app.repositories, delivery: app.delivery, roll: rollContents }, {
        userId,
        rewardId: new ObjectId(request.body.rewardsId),
        now: app.clock(),
        // Audiences are judged from the token (older tokens carry no tags: none).
        tags: request.user.tags ?? []
      })
      const delivered = await app.delivery.deliverLeased(claim)
      copyAuditAfterReply(reply, claims, delivered)
      return reply.code(201).send(toClaim(delivered, readerOf(request.user)))
    }
  )

  app.get(
    '/user-reward-claims',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listClaims',
        summary: 'All claims (the reward history), newest first',
        description: '`from` (inclusive) and `to` (exclusive) bound the claim time.',
        querystring: ClaimListQuery,
        response: { 200: ClaimPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => historyPage(claims, request.query.userId, request.query, 'staff')
  )

  app.get(
    '/user-reward-claims/me',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listMyClaims',
        summary: 'Your own claims, newest first',
        querystring: MyClaimsQuery,
        response: { 200: ClaimPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => historyPage(claims, request.user.sub, request.query, readerOf(request.user))
  )

  app.get(
    '/user-reward-claims/:id',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'getClaim',
        summary: 'One claim with its audit trail (yours, or any for staff)',
        params: IdParams,
        response: { 200: ClaimDetail, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const claim = await claims.findById(new ObjectId(request.params.id))
      if (!claim) throw notFound('No such claim', 'CLAIM_NOT_FOUND')
      if (claim.userId !== request.user.sub && !isStaff(request.user)) throw forbidden('Not your claim', 'NOT_YOUR_CLAIM')
      const reader = readerOf(request.user)
      const transitions = await claims.trailOf(claim)
      return { ...toClaim(claim, reader), transitions: transitions.map((entry) => toTransition(entry, claim, reader)) }
    }
  )
}
