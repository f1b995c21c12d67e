import CircuitBreaker from 'opossum'
import type { ClaimDoc } from '../repositories/claims.js'
import { DeliveryError, type Grant, type GrantOutcome } from './grant.js'

export interface HttpGrantOptions {
  url: string
  timeoutMs: number
  breakerResetMs: number
}

/** 4xx answers that may succeed later; every other 4xx is the delivery system refusing this grant. */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 425, 429])
const MAX_ERROR_BODY = 200

async function post(url: string, claim: ClaimDoc, signal: AbortSignal): Promise<GrantOutcome> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': claim._id.toHexString() },
    body: JSON.stringify({
      claimId: claim._id.toHexString(),
      userId: claim.userId,
      eventId: claim.eventId.toHexString(),
      rewardId: claim.rewardId.toHexString(),
      contents: claim.rewards
    }),
    signal
  })
  // Always read the body: an unread one pins the connection.
  const body = await response.text()
  if (response.status === 202) return 'accepted'
  // 409: the delivery system has this Idempotency-Key already, i.e. it was delivered before.
  if (response.ok || response.status === 409) return 'delivered'
  const message = `delivery endpoint answered ${response.status}${body ? `: ${body.slice(0, MAX_ERROR_BODY)}` : ''}`
  const permanent = response.status >= 400 && response.status < 500 && !RETRYABLE_CLIENT_ERRORS.has(response.status)
  throw new DeliveryError(message, { permanent })
}

function describe(error: unknown, timeoutMs: number): DeliveryError {
  if (error instanceof DeliveryError) return error
  const code = (error as { code?: unknown }).code
  if (code === 'EOPENBREAKER') return new DeliveryError('delivery circuit is open', { attempted: false })
  if (code === 'ETIMEDOUT') return new DeliveryError(`delivery endpoint gave no answer within ${timeoutMs} ms`)
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return new DeliveryError(`delivery endpoint unreachable: ${cause?.code ?? cause?.message ?? String(error)}`)
}

/**
 * POSTs each grant with `Idempotency-Key: <claimId>` through a circuit breaker. The breaker's
 * timeout aborts the request itself (per call, so one slow grant cannot cancel another), and
 * a refusal of this one grant (a non-retryable 4xx) does not count against the circuit.
 */
export function createHttpGrant({ url, timeoutMs, breakerResetMs }: HttpGrantOptions): Grant {
  const breaker = new CircuitBreaker(
    (claim: ClaimDoc, signal: AbortSignal) => post(url, claim, signal),
    {
      timeout: timeoutMs,
      resetTimeout: breakerResetMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      errorFilter: (error: unknown) => error instanceof DeliveryError && error.permanent
    }
  )
  return {
    async deliver(claim) {
      const controller = new AbortController()
      try {
        return await breaker.fire(claim, controller.signal)
      } catch (error) {
        throw describe(error, timeoutMs)
      } finally {
        // After a timeout this cancels the request still in flight; otherwise it is a no-op.
        controller.abort()
      }
    },
    ready: () => !breaker.opened,
    close: () => breaker.shutdown()
  }
}
