import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, invalidField, notFound } from '@app/platform'
import { auditSnapshot, changedFields } from '../catalog/changes.js'
import { EDIT_ATTEMPTS, afterLostEdit, catalogWritten, editedMeanwhile, nullOrKind, versionConflict } from '../catalog/edits.js'
import { withChances } from '../claims/roll.js'
import { periodMisfit } from '../conditions/index.js'
import { isActive, type RewardDoc, type StockChange } from '../repositories/rewards.js'
import { versionOf } from '../repositories/versions.js'
import { CreateRewardBody, Reward, RewardListQuery, RewardPage, UpdateRewardBody } from '../schemas/rewards.js'
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
  version: versionOf(reward),
  createdBy: reward.createdBy,
  createdAt: reward.createdAt.toISOString()
})

export const rewardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events, rewards, claims, auditLog } = app.repositories
  const { catalog } = app
  const written = { auditLog, catalog }

  /** A bundle must grant something: fixed contents, a random table, or both. */
  const assertGrantsSomething = (contents: readonly unknown[], randomContents: unknown) => {
    // Not in the schema (`anyOf` of required fields): generated clients would turn the body into a union.
    if (contents.length === 0 && !randomContents) {
      throw invalidField('body.contents', 'or body.randomContents is required: a bundle must grant something', 'REWARD_EMPTY')
    }
  }

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
      assertGrantsSomething(contents, randomContents)
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
        version: 1,
        createdBy: request.user.sub,
        createdAt: app.clock()
      })
      const created = toReward(reward)
      await catalogWritten(written, { at: reward.createdAt, actor: request.user.sub, action: 'reward.create', entity: { type: 'reward', id: created.id }, before: null, after: auditSnapshot(created) })
      return reply.code(201).send(created)
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
        description: 'Players see the bundles of the events they may see (see `listEvents`); staff and game servers see all.',
        querystring: RewardListQuery,
        response: { 200: RewardPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => {
      const { eventId, limit, cursor } = request.query
      const page = await catalog.listRewards(request.user, { eventId: eventId ? new ObjectId(eventId) : undefined }, { limit, cursor })
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
        description: 'A player gets 404 for a bundle of an event they may not see.',
        params: IdParams,
        response: { 200: Reward, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const reward = await catalog.findReward(request.user, new ObjectId(request.params.id))
      if (!reward) throw notFound('No such reward', 'REWARD_NOT_FOUND')
      return toReward(reward)
    }
  )

  /** The stock change an edit asks for, judged on the bundle as read (throws the 400). */
  async function stockChangeOf(reward: RewardDoc, stock: number | null): Promise<StockChange | undefined> {
    const from = reward.stock ?? null
    if (stock === from) return undefined
    if (from === null) {
      const taken = await claims.countHoldingStock(reward.eventId, reward._id)
      if (stock! < taken) throw belowClaims(taken)
      return { kind: 'limit', to: stock!, taken }
    }
    if (stock === null) return { kind: 'unlimit', from }
    const taken = from - (reward.stockLeft ?? 0)
    if (stock < taken) throw belowClaims(taken)
    return { kind: 'resize', from, to: stock }
  }
  const belowClaims = (taken: number) => invalidField('body.stock', `must be at least ${taken}: the claims not rejected hold that many units`, 'STOCK_BELOW_CLAIMS')

  /** What an edit may change, in the order the audit log lists them. */
  const EDITABLE = ['name', 'active', 'stock', 'contents', 'randomContents', 'conditions'] as const
  /** Fixed once the bundle has a claim: that claim was judged on them and granted them. */
  const FIXED_AFTER_CLAIM = ['contents', 'randomContents', 'conditions'] as const

  app.patch(
    '/rewards/:id',
    {
      preValidation: nullOrKind({ stock: 'number', randomContents: 'object' }),
      schema: {
        tags,
        ...bearer,
        operationId: 'updateReward',
        summary: 'Update a reward bundle',
        description:
          '`name`, `active` and `stock` any time (`stock` never below the claims not rejected: 400 naming body.stock; `stockLeft` moves by the same amount, ' +
          'and claims racing the edit are counted exactly). `contents`, `randomContents` and `conditions` only while the bundle has no claim ' +
          '(409 REWARD_HAS_CLAIMS); new conditions must fit the event\'s period (400 CONDITION_EXCEEDS_PERIOD) and the event counts their reports from now on. ' +
          'With `version`, the edit lands only on that version (409 VERSION_CONFLICT with `currentVersion`); without it the last write wins. Every edit is audited.',
        params: IdParams,
        body: UpdateRewardBody,
        response: { 200: Reward, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const { version: expected, stock, ...body } = request.body
      for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt += 1) {
        const reward = await rewards.findById(id)
        if (!reward) throw notFound('No such reward', 'REWARD_NOT_FOUND')
        const version = versionOf(reward)
        if (expected !== undefined && expected !== version) throw versionConflict('reward', version)

        const set: Partial<RewardDoc> = { ...body }
        const proposed: RewardDoc = { ...reward, ...set, ...(stock !== undefined ? { stock } : {}) }
        const diff = changedFields({ ...reward, stock: reward.stock ?? null, randomContents: reward.randomContents ?? null, conditions: reward.conditions ?? [] }, proposed, EDITABLE)
        if (diff.changed.length === 0) return toReward(reward)
        const fixedChanged = FIXED_AFTER_CLAIM.filter((key) => diff.changed.includes(key))
        if (fixedChanged.length > 0) {
          if (await claims.hasAny(reward.eventId, reward._id)) {
            throw conflict(`${fixedChanged.map((key) => `body.${key}`).join(', ')} cannot change: the bundle has claims`, 'REWARD_HAS_CLAIMS')
          }
          assertGrantsSomething(proposed.contents, proposed.randomContents)
        }
        if (set.conditions !== undefined && diff.changed.includes('conditions')) {
          const event = await events.findById(reward.eventId)
          if (!event) throw notFound("The reward's event does not exist", 'EVENT_NOT_FOUND')
          const misfit = periodMisfit(set.conditions, event.recurrence, 'body.conditions')
          if (misfit) throw invalidField(misfit.field, misfit.message, 'CONDITION_EXCEEDS_PERIOD')
          // Counted before the bundle asks for them, as when a bundle is added.
          await events.countAlso(event._id, set.conditions)
        }
        const stockChange = stock !== undefined ? await stockChangeOf(reward, stock) : undefined
        const now = app.clock()
        const outcome = await rewards.updateAtVersion(id, version, { ...set, updatedAt: now }, stockChange)
        if (outcome === 'below-claims') continue // claims took units meanwhile: judge the stock again
        if (outcome === 'version-conflict') {
          await afterLostEdit('reward', expected, version, () => rewards.findById(id))
          continue
        }
        await catalogWritten(written, { at: now, actor: request.user.sub, action: 'reward.update', entity: { type: 'reward', id: id.toHexString() }, before: diff.before, after: diff.after })
        return toReward(outcome)
      }
      throw editedMeanwhile('reward')
    }
  )
}
