import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { Role, problemResponses } from '@app/contracts'
import { actingUserId, isStaff, notFound } from '@app/platform'
import { checkBatchItems, batchEnvelopeCompiler } from '../progress/batch-items.js'
import { ingestBatch, ingestReport } from '../progress/ingest.js'
import { playerView, storedUserEvent } from '../progress/view.js'
import {
  IdempotencyHeaders,
  MAX_BATCH_REPORTS,
  ProgressReportBatchBody,
  ProgressReportBatchReply,
  ProgressReportBody,
  ProgressReportReply,
  UserEventPage,
  UserEventsQuery
} from '../schemas/progress.js'
import { bearer } from './openapi.js'

const tags = ['progress']

export const userEventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events, progress } = app.repositories

  app.get(
    '/user-events',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listUserEvents',
        summary: 'Progress per user and event',
        description:
          "One player's view (a USER's own — `userId` defaults to the caller, naming anyone else is a 403 — or staff " +
          'naming `userId`): the live events a player may see — their audience admits them (or the one `eventId` names), each in its current period (`periodKey`, ' +
          '`resetsAt`), with each condition\'s value, target and whether it holds (groups with their members), and per ' +
          'bundle `claimable`: true, or the code a claim would be refused with now. Events without progress show zeros. ' +
          'Staff naming no `userId` page through every player\'s stored progress (optionally of one `eventId`), each ' +
          'document in its own period, without bundles.',
        querystring: UserEventsQuery,
        response: { 200: UserEventPage, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const { limit, cursor } = request.query
      const userId = isStaff(request.user) ? request.query.userId : actingUserId(request, request.query.userId)
      const eventId = request.query.eventId ? new ObjectId(request.query.eventId) : undefined
      const now = app.clock()

      if (userId !== undefined) {
        // One player's view: the event asked for, or the live ones, each in its current period.
        if (eventId !== undefined) {
          // A player sees only the events they may see (audience, started); staff any.
          const event = await app.catalog.findEvent(request.user, eventId)
          if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
          return { items: await playerView(app.repositories, userId, [event], now), nextCursor: null }
        }
        const page = await app.catalog.listEvents(request.user, { active: true, current: true }, { limit, cursor })
        return { items: await playerView(app.repositories, userId, page.items, now), nextCursor: page.nextCursor }
      }
      // Staff reading every player's progress: the stored documents, each in its own period.
      const page = await progress.list({ eventId }, { limit, cursor })
      const eventIds = [...new Map(page.items.map((doc) => [doc.eventId.toHexString(), doc.eventId])).values()]
      const eventsById = new Map((await events.findByIds(eventIds)).map((event) => [event._id.toHexString(), event]))
      const items = page.items.flatMap((doc) => {
        const event = eventsById.get(doc.eventId.toHexString())
        return event ? [storedUserEvent(event, doc)] : []
      })
      return { items, nextCursor: page.nextCursor }
    }
  )

  app.post(
    '/user-events/process',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'reportProgress',
        summary: 'Report progress for a user (game servers, operators)',
        description:
          'Counts toward every active event whose window contains `occurredAt` and which has a condition of type ' +
          '`eventType`, exactly once per event. With an `Idempotency-Key` (scoped to your account and the user ' +
          'reported on), a retry counts nothing and returns the first outcome (`duplicate: true`) for as long as ' +
          'reports are kept (PROGRESS_REPORT_RETENTION_DAYS, 30 by default); a retry is matched by meaning ' +
          '(the same instant written differently, an omitted `count` or `occurredAt`, is the same report). ' +
          'Reusing a key for a different report is a 409.',
        headers: IdempotencyHeaders,
        body: ProgressReportBody,
        response: { 200: ProgressReportReply, ...problemResponses(400, 401, 403, 409, 413, 415) }
      }
    },
    async (request) =>
      ingestReport(app.ingest, app.clock(), {
        ...request.body,
        // Game servers report for whichever player they name; anyone else acts as actingUserId says.
        userId: request.user.roles.includes(Role.SERVICE) ? request.body.userId : actingUserId(request, request.body.userId),
        reportedBy: request.user.sub,
        idempotencyKey: request.headers['idempotency-key']
      })
  )

  app.post(
    '/user-events/process/batch',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'reportProgressBatch',
        summary: `Report up to ${MAX_BATCH_REPORTS} progress reports at once (game servers, operators)`,
        description:
          'Each report as `POST /user-events/process` would take it, with its `id` as its idempotency key (the same ' +
          'key space as `Idempotency-Key`: scoped to your account and the user). The answer has one result per report, ' +
          'in order: `applied` (counted toward at least one event), `duplicate` (this id was received before, or ' +
          'earlier in this batch: nothing counted again), `ignored` (stored; no active event counts it), `invalid` ' +
          '(not a valid report, or an id used before for a different report; `detail` names the field). Only a ' +
          'malformed envelope (no `reports`, not an array, more than 500, another field) is a 400. Resending the ' +
          'whole batch after a lost reply is safe.',
        body: ProgressReportBatchBody,
        response: { 200: ProgressReportBatchReply, ...problemResponses(400, 401, 403, 413, 415) }
      },
      // The route checks the envelope only; each item is checked in the handler, so a bad one is `invalid` in its place.
      validatorCompiler: batchEnvelopeCompiler
    },
    async (request) => ({
      // Every role allowed here may report for any player (SERVICE, and staff acting for one).
      results: await ingestBatch(app.ingest, app.clock(), request.user.sub, checkBatchItems(request.body.reports))
    })
  )

  app.post(
    '/user-events/check-in',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'checkIn',
        summary: 'Check in for today (attendance, for yourself)',
        description: "One attendance on today's date, in each event's own time zone. Needs no body.",
        headers: IdempotencyHeaders,
        response: { 200: ProgressReportReply, ...problemResponses(400, 401, 403, 409, 413, 415) }
      }
    },
    async (request) =>
      ingestReport(app.ingest, app.clock(), {
        eventType: 'attendance',
        userId: request.user.sub,
        reportedBy: request.user.sub,
        idempotencyKey: request.headers['idempotency-key']
      })
  )
}
