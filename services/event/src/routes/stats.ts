import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { invalidField, notFound } from '@app/platform'
import { periodKeyOf, periodOfKey } from '../conditions/periods.js'
import { EventStats, EventStatsQuery } from '../schemas/stats.js'
import { eventStats } from '../stats/event-stats.js'
import { bearer } from './openapi.js'

export const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events } = app.repositories

  app.get(
    '/event/:id/stats',
    {
      schema: {
        tags: ['events'],
        ...bearer,
        operationId: 'getEventStats',
        summary: "An event's figures: participants, conditions holding, claims per bundle and per day, delivery time",
        description:
          'All figures are of one period: for a recurring event the current one unless `periodKey` names another ' +
          '(conditions are judged and claims made per period); otherwise the whole event (`all`). `participants`: ' +
          'players with progress in the period; `holding`: those for whom each of the event\'s conditions holds now, ' +
          'judged as a claim judges it; `claimsPerDay`: by calendar day in the event\'s timezone; `stockLeft` is the ' +
          "bundle's, across periods; `deliveryMs`: from entering `processing` to completed.",
        params: IdParams,
        querystring: EventStatsQuery,
        response: { 200: EventStats, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const event = await events.findById(new ObjectId(request.params.id))
      if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
      const { periodKey = periodKeyOf(event, app.clock()) } = request.query
      if (!periodOfKey(event, periodKey)) {
        throw invalidField('querystring.periodKey', `is not a period of this event (${event.recurrence ? `every ${event.recurrence.every}` : 'all'})`, 'INVALID_PERIOD')
      }
      return eventStats(app.repositories, event, periodKey)
    }
  )
}
