import { createHmac } from 'node:crypto'
import CircuitBreaker from 'opossum'
import { grantBodyOf, type DeliveryAnswer, type Grant } from './grant.js'

export interface HttpGrantOptions {
  url: string
  /** REWARD_DELIVERY_SECRET: signs every body (`X-Signature: sha256=<hex>`). */
  secret?: string | undefined
  timeoutMs: number
  breakerResetMs: number
}

/** How much of the receiver's answer is kept for staff (never shown to players). */
const MAX_ERROR_BODY = 200

/** Rejects an attempt so that the breaker counts it: the answer said nothing final. */
class UnknownOutcome extends Error {
  override name = 'UnknownOutcome'
}

/** `X-Signature` value: HMAC-SHA256 of the exact body bytes, hex, GitHub-webhook style. */
export const signatureOf = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

const answered = (status: number, text: string) => `delivery endpoint answered ${status}${text ? `: ${text.slice(0, MAX_ERROR_BODY)}` : ''}`

async function post(url: string, secret: string | undefined, key: string, body: string, signal: AbortSignal): Promise<DeliveryAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(secret ? { 'x-signature': signatureOf(secret, body) } : {})
    },
    body,
    signal
  })
  // Always read the body: an unread one pins the connection.
  const text = await response.text()
  switch (response.status) {
    case 200:
    case 201:
      return { kind: 'granted' }
    case 202:
      return { kind: 'accepted' }
    case 409:
      // IETF Idempotency-Key draft: a request with this key is still being processed. Not a grant.
      return { kind: 'busy', detail: answered(409, text) }
    case 400:
    case 422:
      return { kind: 'refused', detail: answered(response.status, text) }
    default:
      // 401/403/404 (a misconfigured endpoint), 5xx, any other code: retried, and counted by the breaker.
      throw new UnknownOutcome(answered(response.status, text))
  }
}

function unknownFrom(error: unknown, timeoutMs: number): DeliveryAnswer {
  const code = (error as { code?: unknown }).code
  if (code === 'EOPENBREAKER') return { kind: 'not-sent', detail: 'delivery circuit is open' }
  if (error instanceof UnknownOutcome) return { kind: 'unknown', detail: error.message }
  if (code === 'ETIMEDOUT') return { kind: 'unknown', detail: `delivery endpoint gave no answer within ${timeoutMs} ms` }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return { kind: 'unknown', detail: `delivery endpoint unreachable: ${cause?.code ?? cause?.message ?? String(error)}` }
}

/**
 * POSTs each grant with `Idempotency-Key: <claimId>` through a circuit breaker. The breaker's
 * timeout aborts the request itself (per call, so one slow grant cannot cancel another); only
 * answers that say nothing final (errors, timeouts, unexpected statuses) count against the
 * circuit — a 409 or a refusal of one grant is the receiver working as it should.
 */
export function createHttpGrant({ url, secret, timeoutMs, breakerResetMs }: HttpGrantOptions): Grant {
  const breaker = new CircuitBreaker(
    (key: string, body: string, signal: AbortSignal) => post(url, secret, key, body, signal),
    {
      timeout: timeoutMs,
      resetTimeout: breakerResetMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      // Only fires and failures decide. opossum's defaults keep every latency and sort the 10 s
      // window each second (an event-loop stall under load; the gateway's breakers measured it).
      rollingPercentilesEnabled: false,
      enableSnapshots: false
    }
  )
  return {
    async deliver(claim) {
      const controller = new AbortController()
      const body = JSON.stringify(grantBodyOf(claim))
      try {
        return await breaker.fire(claim._id.toHexString(), body, controller.signal)
      } catch (error) {
        return unknownFrom(error, timeoutMs)
      } finally {
        // After a timeout this cancels the request still in flight; otherwise it is a no-op.
        controller.abort()
      }
    },
    circuit: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    close: () => breaker.shutdown()
  }
}
