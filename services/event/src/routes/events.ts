import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { badRequest, conflict, invalidField, notFound } from '@app/platform'
import { isExclusive } from '../claims/slots.js'
import { isKnownTimezone } from '../conditions/calendar.js'
import { periodMisfit } from '../conditions/index.js'
import { leavesOf } from '../schemas/conditions.js'
import type { EventDoc } from '../repositories/events.js'
import { CreateEventBody, Event, EventListQuery, EventPage, UpdateEventBody } from '../schemas/events.js'
import { bearer } from './openapi.js'

const tags = ['events']

function toEvent(event: EventDoc): Event {
  return {
    id: event._id.toHexString(),
    name: event.name,
    description: event.description,
    activate: event.activate,
    startedAt: event.startedAt.toISOString(),
    endedAt: event.endedAt.toISOString(),
    timezone: event.timezone,
    recurrence: event.recurrence ?? null,
    requireApproval: event.requireApproval,
    exclusiveRewards: isExclusive(event),
    contents: event.contents,
    createdBy: event.createdBy,
    createdAt: event.createdAt.toISOString(),
    updatedAt: event.updatedAt.toISOString()
  }
}

function assertWindow(startedAt: Date, endedAt: Date): void {
  if (endedAt <= startedAt) throw badRequest('body.endedAt must be after startedAt', 'INVALID_WINDOW')
}

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events } = app.repositories

  app.post(
    '/event',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createEvent',
        summary: 'Create an event',
        description: 'The author is the caller (token `sub`); a `userId` in the body is accepted and ignored.',
        body: CreateEventBody,
        response: { 201: Event, ...problemResponses(400, 401, 403, 413, 415) }
      }
    },
    async (request, reply) => {
      const { name, description = '', activate = true, timezone = 'UTC', recurrence = null, requireApproval = false, exclusiveRewards = false, contents } =
        request.body
      if (!isKnownTimezone(timezone)) throw badRequest(`body.timezone ${timezone} is not a known IANA time zone`, 'UNKNOWN_TIMEZONE')
      const misfit = periodMisfit(contents, recurrence, 'body.contents')
      if (misfit) throw invalidField(misfit.field, misfit.message, 'CONDITION_EXCEEDS_PERIOD')
      const startedAt = new Date(request.body.startedAt)
      const endedAt = new Date(request.body.endedAt)
      assertWindow(startedAt, endedAt)
      const now = app.clock()
      const event = await events.insert({
        name,
        description,
        activate,
        startedAt,
        endedAt,
        timezone,
        ...(recurrence ? { recurrence } : {}),
        requireApproval,
        exclusiveRewards,
        contents,
        countedConditions: leavesOf(contents),
        createdBy: request.user.sub,
        createdAt: now,
        updatedAt: now
      })
      return reply.code(201).send(toEvent(event))
    }
  )

  app.get(
    '/event',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listEvents',
        summary: 'List events, newest first',
        querystring: EventListQuery,
        response: { 200: EventPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => {
      const { active, current, limit, cursor } = request.query
      const page = await events.list({ active, current, now: app.clock() }, { limit, cursor })
      return { items: page.items.map(toEvent), nextCursor: page.nextCursor }
    }
  )

  app.get(
    '/event/:id',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'getEvent',
        summary: 'One event',
        params: IdParams,
        response: { 200: Event, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const event = await events.findById(new ObjectId(request.params.id))
      if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
      return toEvent(event)
    }
  )

  app.patch(
    '/event/:id',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'updateEvent',
        summary: 'Update an event (activate, window, name, description)',
        description: 'Conditions and time zone are fixed once progress may have been counted against them.',
        params: IdParams,
        body: UpdateEventBody,
        response: { 200: Event, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const event = await events.findById(new ObjectId(request.params.id))
      if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
      const { startedAt, endedAt, ...rest } = request.body
      const changes: Partial<EventDoc> = { ...rest, updatedAt: app.clock() }
      if (startedAt !== undefined) changes.startedAt = new Date(startedAt)
      if (endedAt !== undefined) changes.endedAt = new Date(endedAt)
      assertWindow(changes.startedAt ?? event.startedAt, changes.endedAt ?? event.endedAt)
      const updated = await events.updateIfWindowUnchanged(event, changes)
      if (!updated) throw conflict('The event changed meanwhile; reload it and retry', 'CONCURRENT_UPDATE')
      return toEvent(updated)
    }
  )
}
