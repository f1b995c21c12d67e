import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { unauthorized } from './errors.js'

export interface JwksClient {
  /** The PEM public key for `kid`; refetches the set once when the kid is unknown. */
  publicKeyFor(kid: string | undefined): Promise<string>
}

export interface JwksClientOptions {
  url: string
  /**
   * After refetching for an unknown kid (or a failed fetch), wait this long before the next
   * fetch, so a flood of made-up kids cannot hammer auth. The first load does not count.
   */
  minRefetchIntervalMs?: number
  fetchTimeoutMs?: number
}

/**
 * Keys are fetched lazily (a service starts even when auth is not up yet), cached by `kid`,
 * and refetched when a token names a kid we have not seen (auth restarted with a new key).
 */
export function createJwksClient({ url, minRefetchIntervalMs = 5_000, fetchTimeoutMs = 2_000 }: JwksClientOptions): JwksClient {
  let keys = new Map<string, string>()
  /** A key set was loaded once: a later fetch is a refetch for a kid that set did not have. */
  let loaded = false
  /** No fetch for an unknown kid before this. */
  let coolUntil = 0
  let inFlight: Promise<void> | null = null

  async function refresh(): Promise<void> {
    const response = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs) })
    if (!response.ok) throw new Error(`JWKS ${url} answered ${response.status}`)
    const body = (await response.json()) as { keys?: Array<JsonWebKey & { kid?: string; alg?: string; use?: string }> }
    const next = new Map<string, string>()
    for (const jwk of body.keys ?? []) {
      if (jwk.kty !== 'RSA' || !jwk.kid || (jwk.alg && jwk.alg !== 'RS256') || (jwk.use && jwk.use !== 'sig')) continue
      next.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString())
    }
    keys = next
    loaded = true
  }

  function refreshOnce(): Promise<void> {
    // The first load only fills the cache: counting it would refuse the new key for a while
    // when auth restarts with one soon after this service first verified a token.
    const cools = loaded
    inFlight ??= refresh()
      .then(
        () => {
          if (cools) coolUntil = Date.now() + minRefetchIntervalMs
        },
        (error: unknown) => {
          coolUntil = Date.now() + minRefetchIntervalMs
          throw error
        }
      )
      .finally(() => {
        inFlight = null
      })
    return inFlight
  }

  return {
    async publicKeyFor(kid) {
      if (!kid) throw unauthorized('Token has no key id (kid)')
      const known = keys.get(kid)
      if (known) return known
      if (inFlight || Date.now() >= coolUntil) {
        try {
          await refreshOnce()
        } catch {
          throw unauthorized('Signing keys are unavailable right now', 'JWKS_UNAVAILABLE')
        }
      }
      const fetched = keys.get(kid)
      if (!fetched) throw unauthorized('Token signed with an unknown key', 'UNKNOWN_KID')
      return fetched
    }
  }
}
