import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AuditPage, AuditQuery, problemResponses } from '@app/contracts'
import { bearer } from './openapi.js'

/** The event service's configuration audit log (SPEC v2): events and bundles created and edited, delivery paused, claims resolved. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auditLog } = app.repositories

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        ...bearer,
        operationId: 'listEventAudit',
        summary: 'The event service audit log (AUDITOR, ADMIN): who changed which event, bundle or setting, when, before and after',
        description:
          'Newest first. Actions: `event.create`, `event.update`, `reward.create`, `reward.update` (an update shows only the fields it changed), ' +
          '`delivery.pause`, `delivery.resume`, `claim.resolve`. Filter by `entityType` (`event`, `reward`, `delivery`, `claim`), `entityId` or `actor` (who made the change).',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request) => auditLog.list(request.query)
  )
}
