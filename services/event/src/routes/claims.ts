import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, forbidden, isDuplicateKeyError, isStaff, notFound, type HttpProblem } from '@app/platform'
import { measureAll } from '../conditions/index.js'
import type { ClaimDoc, ClaimFilter, ClaimRepository, TransitionDoc } from '../repositories/claims.js'
import type { EventDoc } from '../repositories/events.js'
import {
  Claim,
  ClaimDetail,
  ClaimListQuery,
  ClaimPage,
  CreateClaimBody,
  DeliveryConfirmationBody,
  MyClaimsQuery,
  RejectClaimBody,
  type ClaimStatus
} from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['claims']
const iso = (date: Date | null) => (date ? date.toISOString() : null)

function toClaim(claim: ClaimDoc): Claim {
  const { delivery } = claim
  return {
    id: claim._id.toHexString(),
    userId: claim.userId,
    eventId: claim.eventId.toHexString(),
    rewardId: claim.rewardId.toHexString(),
    status: claim.status,
    rewards: claim.rewards,
    reason: claim.reason,
    delivery: {
      attempts: delivery.attempts,
      nextAttemptAt: iso(delivery.nextAttemptAt),
      lastError: delivery.lastError,
      acceptedAt: iso(delivery.acceptedAt),
      completedAt: iso(delivery.completedAt)
    },
    createdAt: claim.createdAt.toISOString(),
    updatedAt: claim.updatedAt.toISOString()
  }
}

const toTransition = ({ from, to, by, at, reason }: TransitionDoc) => ({ from, to, by, at: at.toISOString(), reason })

/** Why an event's reward cannot be claimed right now, if it cannot. */
function eventRefusal(event: EventDoc, now: Date): HttpProblem | undefined {
  if (!event.activate) return conflict('The event is not active', 'EVENT_INACTIVE')
  if (now < event.startedAt) return conflict(`The event starts at ${event.startedAt.toISOString()}`, 'EVENT_NOT_STARTED')
  if (now >= event.endedAt) return conflict(`The event ended at ${event.endedAt.toISOString()}`, 'EVENT_ENDED')
  return undefined
}

/** A transition found nothing to move: the claim is missing (404) or in another state (409). */
async function transitionRefusal(claims: ClaimRepository, id: ObjectId, expected: ClaimStatus): Promise<HttpProblem> {
  const claim = await claims.findById(id)
  if (!claim) return notFound('No such claim', 'CLAIM_NOT_FOUND')
  return conflict(`The claim is ${claim.status}, not ${expected}`, 'INVALID_TRANSITION')
}

/** `{a: 1}` → `{'delivery.a': 1}`: fields of a subdocument for `$set`. */
const prefixed = (path: string, fields: object) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${path}.${key}`, value]))

interface HistoryQuery {
  eventId?: string | undefined
  status?: ClaimFilter['status']
  from?: string | undefined
  to?: string | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/** One page of claim history: all claims (staff, optionally one user's) or the caller's own. */
async function historyPage(claims: ClaimRepository, userId: string | undefined, query: HistoryQuery) {
  const { eventId, status, from, to, limit, cursor } = query
  const filter: ClaimFilter = {
    userId,
    eventId: eventId ? new ObjectId(eventId) : undefined,
    status,
    from: from ? new Date(from) : undefined,
    to: to ? new Date(to) : undefined
  }
  const page = await claims.list(filter, { limit, cursor })
  return { items: page.items.map(toClaim), nextCursor: page.nextCursor }
}

export const claimRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, events, rewards, progress } = app.repositories

  app.post(
    '/user-reward-claims',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'Claim a reward bundle (for yourself)',
        description:
          'Checked in this order: the reward exists (404), its event is active (409 EVENT_INACTIVE) and inside ' +
          'its window (409 EVENT_NOT_STARTED / EVENT_ENDED), every condition holds (409 CONDITIONS_NOT_MET, ' +
          'naming them), and you have not claimed this event before (409 ALREADY_CLAIMED). The claim is ' +
          '`pending` when the event requires approval, otherwise `processing` and delivered right away.',
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
      const refusal = eventRefusal(event, now)
      if (refusal) throw refusal
      const unmet = measureAll(event.contents, (await progress.find(userId, event._id))?.state ?? {}).filter((c) => !c.holds)
      if (unmet.length > 0) {
        const detail = unmet.map((c) => `${c.name} ${c.current}/${c.target}`).join(', ')
        throw conflict(`Conditions not met: ${detail}`, 'CONDITIONS_NOT_MET')
      }

      const status = event.requireApproval ? 'pending' : 'processing'
      const notYet = { attempts: 0, nextAttemptAt: null, leaseUntil: null, leaseOwner: null }
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
              ...(status === 'processing' ? app.delivery.firstAttempt(now) : notYet),
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
        if (isDuplicateKeyError(error)) throw conflict("You have claimed this event's reward already", 'ALREADY_CLAIMED')
        throw error
      }
      await app.delivery.deliverLeased(claim)
      return reply.code(201).send(toClaim((await claims.findById(claim._id)) ?? claim))
    }
  )

  app.get(
    '/user-reward-claims',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'All claims (the reward history), newest first',
        description: '`from` (inclusive) and `to` (exclusive) bound the claim time.',
        querystring: ClaimListQuery,
        response: { 200: ClaimPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => historyPage(claims, request.query.userId, request.query)
  )

  app.get(
    '/user-reward-claims/me',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'Your own claims, newest first',
        querystring: MyClaimsQuery,
        response: { 200: ClaimPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => historyPage(claims, request.user.sub, request.query)
  )

  app.get(
    '/user-reward-claims/:id',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'One claim with its audit trail (yours, or any for staff)',
        params: IdParams,
        response: { 200: ClaimDetail, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const claim = await claims.findById(new ObjectId(request.params.id))
      if (!claim) throw notFound('No such claim', 'CLAIM_NOT_FOUND')
      if (claim.userId !== request.user.sub && !isStaff(request.user)) throw forbidden('Not your claim', 'NOT_YOUR_CLAIM')
      return { ...toClaim(claim), transitions: (await claims.transitionsOf(claim._id)).map(toTransition) }
    }
  )

  app.patch(
    '/user-reward-claims/:id/approve',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'Approve a pending claim: pending → processing, then delivery',
        params: IdParams,
        response: { 200: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const now = app.clock()
      const approved = await claims.transition({
        id,
        from: 'pending',
        to: 'processing',
        by: request.user.sub,
        now,
        set: prefixed('delivery', app.delivery.firstAttempt(now))
      })
      if (!approved) throw await transitionRefusal(claims, id, 'pending')
      await app.delivery.deliverLeased(approved)
      return toClaim((await claims.findById(id)) ?? approved)
    }
  )

  app.patch(
    '/user-reward-claims/:id/reject',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'Reject a pending claim, with a reason',
        params: IdParams,
        body: RejectClaimBody,
        response: { 200: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const { reason } = request.body
      const rejected = await claims.transition({
        id,
        from: 'pending',
        to: 'rejected',
        by: request.user.sub,
        now: app.clock(),
        reason,
        set: { reason }
      })
      if (!rejected) throw await transitionRefusal(claims, id, 'pending')
      return toClaim(rejected)
    }
  )

  app.post(
    '/user-reward-claims/:id/delivery',
    {
      schema: {
        tags,
        ...bearer,
        summary: 'Delivery system: confirm a grant (processing → completed, or failed with an error)',
        description: 'Repeating the same confirmation is harmless (200); contradicting the claim’s state is a 409.',
        params: IdParams,
        body: DeliveryConfirmationBody,
        response: { 200: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const now = app.clock()
      const confirmation = request.body
      const error = confirmation.status === 'failed' ? confirmation.error : null
      const settled = { 'delivery.nextAttemptAt': null, 'delivery.leaseUntil': null, 'delivery.leaseOwner': null }
      const confirmed = await claims.transition({
        id,
        from: 'processing',
        to: confirmation.status,
        by: request.user.sub,
        now,
        reason: error,
        set:
          confirmation.status === 'completed'
            ? { ...settled, 'delivery.completedAt': now, 'delivery.lastError': null }
            : { ...settled, reason: error, 'delivery.lastError': error }
      })
      if (confirmed) return toClaim(confirmed)
      const claim = await claims.findById(id)
      if (!claim) throw notFound('No such claim', 'CLAIM_NOT_FOUND')
      const repeat = claim.status === confirmation.status && (confirmation.status === 'completed' || claim.reason === error)
      if (repeat) return toClaim(claim)
      throw conflict(`The claim is ${claim.status}; it cannot become ${confirmation.status}`, 'INVALID_TRANSITION')
    }
  )
}
