import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { audienceOfAccount, dryRunClaim, type AccountTagsLookup } from '../claims/dry-run.js'
import { Eligibility, EligibilityQuery } from '../schemas/eligibility.js'
import { bearer } from './openapi.js'

/** The support dry run: could this player claim this bundle now, and if not, every reason. */
export const eligibilityRoutes: FastifyPluginAsyncTypebox<{ accountTagsOf: AccountTagsLookup }> = async (app, { accountTagsOf }) => {
  const visibilityOf = audienceOfAccount(accountTagsOf, app.log)
  app.get(
    '/rewards/:id/eligibility',
    {
      schema: {
        tags: ['rewards'],
        ...bearer,
        operationId: 'getRewardEligibility',
        summary: "Dry run: could this player claim this bundle now, and if not, why",
        description:
          'Judged exactly as a claim made now would be, but nothing is written. `reasons` lists every refusal in the ' +
          "order the claim checks them, so the first is the code the claim would answer with: NOT_VISIBLE (the event's " +
          'audience excludes the player), ALREADY_CLAIMED (with `claimId`), EVENT_INACTIVE, EVENT_NOT_STARTED, EVENT_ENDED, ' +
          'REWARD_INACTIVE, CONDITIONS_NOT_MET (with each unmet condition, its value and target), OUT_OF_STOCK. ' +
          'A bundle or event that does not exist is a 404, as for the claim.',
        params: IdParams,
        querystring: EligibilityQuery,
        response: { 200: Eligibility, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) =>
      dryRunClaim(
        { ...app.repositories, visibilityOf },
        { userId: request.query.userId, rewardId: new ObjectId(request.params.id), now: app.clock() }
      )
  )
}
