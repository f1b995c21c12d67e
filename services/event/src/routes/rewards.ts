import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { invalidField, notFound } from '@app/platform'
import { withChances } from '../claims/roll.js'
import { periodMisfit } from '../conditions/index.js'
import { isActive, type RewardDoc } from '../repositories/rewards.js'
import { CreateRewardBody, Reward, RewardListQuery, RewardPage } from '../schemas/rewards.js'
import { bearer } from './openapi.js'

const tags = ['rewards']

const toReward = (reward: RewardDoc): Reward => ({
  id: reward._id.toHexString(),
  eventId: reward.eventId.toHexString(),
  name: reward.name ?? null,
  contents: reward.contents,
  randomContents: reward.randomContents ? withChances(reward.randomContents) : null,
  conditions: reward.conditions ?? [],
  active: isActive(reward),
  stock: reward.stock ?? null,
  stockLeft: reward.stockLeft ?? null,
  createdBy: reward.createdBy,
  createdAt: reward.createdAt.toISOString()
})

export const rewardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events, rewards } = app.repositories

  app.post(
    '/rewards',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createReward',
        summary: 'Attach a reward bundle to an event',
        description:
          'A bundle is claimed once per player (with the event\'s `exclusiveRewards`, one bundle of the event per player). ' +
          '`conditions` make it a milestone: claimable when the event\'s conditions and its own hold, so one 7-day ' +
          'attendance event can carry bundles for day 1, 3 and 7; the event counts reports of those condition types ' +
          'from now on. `stock` limits the grants across all players; it is never oversold. ' +
          'The author is the caller (token `sub`); a `userId` in the body is accepted and ignored.',
        body: CreateRewardBody,
        response: { 201: Reward, ...problemResponses(400, 401, 403, 404, 413, 415) }
      }
    },
    async (request, reply) => {
      const { name = null, contents = [], randomContents = null, conditions = [], stock = null, active = true } = request.body
      // Not in the schema (`anyOf` of required fields): generated clients would turn the body into a union.
      if (contents.length === 0 && !randomContents) {
        throw invalidField('body.contents', 'or body.randomContents is required: a bundle must grant something', 'REWARD_EMPTY')
      }
      const eventId = new ObjectId(request.body.eventId)
      // Read first: whether the milestone fits the event's period is decided before anything is written.
      const event = await events.findById(eventId)
      if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
      const misfit = periodMisfit(conditions, event.recurrence, 'body.conditions')
      if (misfit) throw invalidField(misfit.field, misfit.message, 'CONDITION_EXCEEDS_PERIOD')
      // The event counts the milestone's reports before the bundle exists, so no report is missed
      // between the two writes; if the second fails, the event merely counts something unused.
      if (!(await events.countAlso(eventId, conditions))) throw notFound('No such event', 'EVENT_NOT_FOUND')
      const reward = await rewards.insert({
        eventId,
        name,
        contents,
        ...(randomContents ? { randomContents } : {}),
        conditions,
        active,
        stock,
        stockLeft: stock,
        createdBy: request.user.sub,
        createdAt: app.clock()
      })
      return reply.code(201).send(toReward(reward))
    }
  )

  app.get(
    '/rewards',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listRewards',
        summary: 'List reward bundles, newest first',
        querystring: RewardListQuery,
        response: { 200: RewardPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => {
      const { eventId, limit, cursor } = request.query
      const page = await rewards.list({ eventId: eventId ? new ObjectId(eventId) : undefined }, { limit, cursor })
      return { items: page.items.map(toReward), nextCursor: page.nextCursor }
    }
  )

  app.get(
    '/rewards/:id',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'getReward',
        summary: 'One reward bundle',
        params: IdParams,
        response: { 200: Reward, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const reward = await rewards.findById(new ObjectId(request.params.id))
      if (!reward) throw notFound('No such reward', 'REWARD_NOT_FOUND')
      return toReward(reward)
    }
  )
}
