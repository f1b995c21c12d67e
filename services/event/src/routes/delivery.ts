import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { conflict, notFound } from '@app/platform'
import { toClaim } from '../claims/view.js'
import { completionFields, failureFields } from '../delivery/worker.js'
import { Claim, DeliveryConfirmationBody, DeliveryStatus, SetDeliveryBody } from '../schemas/claims.js'
import { bearer } from './openapi.js'

const tags = ['delivery']


/** The callback of the delivery system, and the pause switch with the outbox figures on-call reads. */
export const deliveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims, auditLog } = app.repositories

  app.post(
    '/user-reward-claims/:id/delivery',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'confirmDelivery',
        summary: 'Delivery system (DELIVERY role): confirm or refuse a grant it accepted with 202',
        description:
          '`{status: "completed"}` moves a `processing` claim — or a `failed` one whose outcome is `unknown` — to ' +
          '`completed`. `{status: "failed", reason}` moves a `processing` claim to `failed` with outcome `refused`. ' +
          'Repeating a confirmation that was applied already is a 200 that changes nothing; anything else is a 409.',
        params: IdParams,
        body: DeliveryConfirmationBody,
        response: { 200: Claim, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const now = app.clock()
      const by = request.user.sub
      const confirmation = request.body
      if (confirmation.status === 'completed') {
        const completion = completionFields(now)
        const completed =
          (await claims.transition({ id, from: 'processing', to: 'completed', by, now, set: completion })) ??
          // A claim that ran out of budget may have been granted after all: the receiver says so now.
          (await claims.transition({
            id,
            from: 'failed',
            to: 'completed',
            by,
            now,
            where: { 'delivery.outcome': { $in: ['unknown', null] } },
            set: completion
          }))
        if (completed) return toClaim(completed, 'staff')
      } else {
        const reason = confirmation.reason ?? confirmation.error ?? 'refused by the delivery system'
        const failed = await claims.transition({
          id,
          from: 'processing',
          to: 'failed',
          by,
          now,
          reason,
          set: failureFields('refused', reason)
        })
        if (failed) return toClaim(failed, 'staff')
      }
      const claim = await claims.findById(id)
      if (!claim) throw notFound('No such claim', 'CLAIM_NOT_FOUND')
      const repeat =
        claim.status === confirmation.status &&
        (confirmation.status === 'completed' ||
          (claim.delivery.outcome === 'refused' && claim.reason === (confirmation.reason ?? confirmation.error)))
      if (repeat) return toClaim(claim, 'staff')
      throw conflict(`The claim is ${claim.status}; it cannot become ${confirmation.status}`, 'INVALID_TRANSITION')
    }
  )

  app.get(
    '/delivery',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'getDeliveryStatus',
        summary: 'Delivery status: paused or not, the outbox, the circuit',
        response: { 200: DeliveryStatus, ...problemResponses(401, 403) }
      }
    },
    async () => status()
  )

  app.patch(
    '/delivery',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'setDeliveryPaused',
        summary: 'Pause or resume delivery (ADMIN)',
        description:
          'Paused: claims still enter `processing` and queue; nothing is sent, nothing fails, and the retry budgets ' +
          'stop. Every instance stops sending within a second. Resumed: the queue is sent. Each change is audited.',
        body: SetDeliveryBody,
        response: { 200: DeliveryStatus, ...problemResponses(400, 401, 403, 413, 415) }
      }
    },
    async (request) => {
      const { paused } = request.body
      const { changed } = await app.delivery.setPaused(paused, request.user.sub)
      if (changed) {
        await auditLog.record({
          at: app.clock(),
          actor: request.user.sub,
          action: paused ? 'delivery.pause' : 'delivery.resume',
          entity: { type: 'delivery', id: null },
          before: { paused: !paused },
          after: { paused }
        })
        app.log.warn({ by: request.user.sub, paused }, paused ? 'delivery paused' : 'delivery resumed')
      }
      return status()
    }
  )

  async function status(): Promise<DeliveryStatus> {
    const settings = app.delivery.settings()
    const outbox = await claims.outboxStats(app.clock())
    return {
      mode: app.delivery.mode,
      paused: settings.paused,
      pausedAt: settings.pausedAt?.toISOString() ?? null,
      pausedBy: settings.pausedBy,
      outboxDepth: outbox.depth,
      oldestProcessingAgeSeconds: outbox.oldestAgeSeconds,
      circuit: app.delivery.circuit()
    }
  }
}
