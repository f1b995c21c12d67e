import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { notFound } from '@app/platform'
import type { RewardDoc } from '../repositories/rewards.js'
import { CreateRewardBody, Reward, RewardListQuery, RewardPage } from '../schemas/rewards.js'
import { bearer } from './openapi.js'

const tags = ['rewards']

const toReward = (reward: RewardDoc): Reward => ({
  id: reward._id.toHexString(),
  eventId: reward.eventId.toHexString(),
  contents: reward.contents,
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
        description: 'The author is the caller (token `sub`); a `userId` in the body is accepted and ignored.',
        body: CreateRewardBody,
        response: { 201: Reward, ...problemResponses(400, 401, 403, 404, 413, 415) }
      }
    },
    async (request, reply) => {
      const eventId = new ObjectId(request.body.eventId)
      if (!(await events.findById(eventId))) throw notFound('No such event', 'EVENT_NOT_FOUND')
      const reward = await rewards.insert({
        eventId,
        contents: request.body.contents,
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
