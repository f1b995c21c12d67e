import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, forbidden, isDuplicateKeyError, isStaff, notFound, type HttpProblem } from '@app/platform'
import { measureAll } from '../conditions/index.js'
import { readerOf, toClaim, toTransition, type ClaimReader } from '../claims/view.js'
import type { ClaimDoc, ClaimFilter, ClaimRepository } from '../repositories/claims.js'
import type { EventDoc } from '../repositories/events.js'
import { Claim, ClaimDetail, ClaimListQuery, ClaimPage, CreateClaimBody, MyClaimsQuery } from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['claims']

/** Why an event's reward cannot be claimed right now, if it cannot. */
function eventRefusal(event: EventDoc, now: Date): HttpProblem | undefined {
  if (!event.activate) return conflict('The event is not active', 'EVENT_INACTIVE')
  if (now < event.startedAt) return conflict(`The event starts at ${event.startedAt.toISOString()}`, 'EVENT_NOT_STARTED')
  if (now >= event.endedAt) return conflict(`The event ended at ${event.endedAt.toISOString()}`, 'EVENT_ENDED')
  return undefined
}

const alreadyClaimed = (claimId: ObjectId) =>
  conflict("You have claimed this event's reward already", 'ALREADY_CLAIMED', { claimId: claimId.toHexString() })

interface HistoryQuery {
  eventId?: string | undefined
  status?: ClaimFilter['status']
  from?: string | undefined
  to?: string | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/** One page of claim history: all claims (staff, optionally one user's) or the caller's own. */
async function historyPage(claims: ClaimRepository, userId: string | undefined, query: HistoryQuery, reader: ClaimReader) {
  const { eventId, status, from, to, limit, cursor } = query
  const filter: ClaimFilter = {
    userId,
    eventId: eventId ? new ObjectId(eventId) : undefined,
    status,
    from: from ? new Date(from) : undefined,
    to: to ? new Date(to) : undefined
  }
  const page = await claims.list(filter, { limit, cursor })
  return { items: page.items.map((claim) => toClaim(claim, reader)), nextCursor: page.nextCursor }
}

export const claimRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, events, rewards, progress } = app.repositories

  app.post(
    '/user-reward-claims',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createClaim',
        summary: 'Claim a reward bundle (for yourself)',
        description:
          'The reward must exist (404). If you have claimed this event before, that is the answer: 409 ' +
          'ALREADY_CLAIMED with the `claimId` of the claim you have, even once the event has ended — a retry ' +
          'after a lost reply can follow it. Otherwise the event must be active (409 EVENT_INACTIVE) and inside ' +
          'its window (409 EVENT_NOT_STARTED / EVENT_ENDED), and every condition must hold (409 ' +
          'CONDITIONS_NOT_MET, naming them). The claim is `pending` when the event requires approval, otherwise ' +
          '`processing` and delivered right away; if that first delivery does not finish, the claim stays ' +
          '`processing` and the sweeper delivers it.',
        body: CreateClaimBody,
        response: { 201: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request, reply) => {
      const userId = request.user.sub
      if (request.body.userId !== undefined && request.body.userId !== userId) {
        throw forbidden('You may claim only for yourself', 'NOT_YOUR_USER_ID')
      }
      const reward = await rewards.findById(new ObjectId(request.body.rewardsId))
      if (!reward) throw notFound('No such reward', 'REWARD_NOT_FOUND')
      const event = await events.findById(reward.eventId)
      if (!event) throw notFound("The reward's event does not exist", 'EVENT_NOT_FOUND')
      const now = app.clock()
      /** A refusal, unless the player holds a claim here already: a retry after a lost reply learns its id. */
      const refuse = async (problem: HttpProblem): Promise<never> => {
        const existing = await claims.findFor(userId, event._id)
        throw existing ? alreadyClaimed(existing._id) : problem
      }
      const refusal = eventRefusal(event, now)
      if (refusal) return refuse(refusal)
      const unmet = measureAll(event.contents, (await progress.find(userId, event._id))?.state ?? {}).filter((c) => !c.holds)
      if (unmet.length > 0) {
        const detail = unmet.map((c) => `${c.name} ${c.current}/${c.target}`).join(', ')
        return refuse(conflict(`Conditions not met: ${detail}`, 'CONDITIONS_NOT_MET'))
      }

      const status = event.requireApproval ? 'pending' : 'processing'
      const notYet = { nextAttemptAt: null, leaseUntil: null, leaseOwner: null }
      const processing = status === 'processing' ? app.delivery.enterProcessing(now) : undefined
      let claim: ClaimDoc
      try {
        claim = await claims.insert(
          {
            userId,
            eventId: event._id,
            rewardId: reward._id,
            status,
            rewards: reward.contents,
            reason: null,
            delivery: {
              ...(processing ?? notYet),
              attempts: processing?.leaseOwner ? 1 : 0,
              lastError: null,
              acceptedAt: null,
              completedAt: null
            },
            createdAt: now,
            updatedAt: now
          },
          userId
        )
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
        const existing = await claims.findFor(userId, event._id)
        throw existing ? alreadyClaimed(existing._id) : conflict("You have claimed this event's reward already", 'ALREADY_CLAIMED')
      }
      return reply.code(201).send(toClaim(await app.delivery.deliverLeased(claim), readerOf(request.user)))
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
