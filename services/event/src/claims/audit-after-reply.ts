import type { FastifyReply } from 'fastify'
import type { ClaimDoc, ClaimRepository } from '../repositories/claims.js'

/**
 * A new claim (or grant) carries its creation as a pending audit entry (`ClaimRepository.insert`):
 * the first delivery's transition copies it with its own. Whatever is still pending once the
 * reply is out (a claim waiting for approval or a resume, a delivery not final yet) is copied
 * then, off the request's path; if the process dies first, the sweeper copies it.
 */
export function copyAuditAfterReply(reply: FastifyReply, claims: Pick<ClaimRepository, 'copyAudit'>, claim: ClaimDoc): void {
  if ((claim.auditPending ?? []).length === 0) return
  // 'close' comes after the reply is written, and also when the client went away before it was.
  reply.raw.once('close', () => {
    claims.copyAudit(claim).catch((error) => reply.log.warn({ err: error, claimId: claim._id.toHexString() }, 'audit copy failed; the sweeper copies it'))
  })
}
