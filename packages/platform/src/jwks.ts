import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { unauthorized } from './errors.js'

export interface JwksClient {
  /** The PEM public key for `kid`; refetches the set once when the kid is unknown. */
  publicKeyFor(kid: string | undefined): Promise<string>
}

export interface JwksClientOptions {
  url: string
  /** Never refetch more often than this, so a flood of unknown kids cannot hammer auth. */
  minRefetchIntervalMs?: number
  fetchTimeoutMs?: number
}

/**
 * Keys are fetched lazily (a service starts even when auth is not up yet), cached by `kid`,
 * and refetched when a token names a kid we have not seen (auth restarted with a new key).
 */
export function createJwksClient({ url, minRefetchIntervalMs = 5_000, fetchTimeoutMs = 2_000 }: JwksClientOptions): JwksClient {
  let keys = new Map<string, string>()
  let lastFetchAt = 0
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
  }

  function refreshOnce(): Promise<void> {
    inFlight ??= refresh()
      .finally(() => {
        lastFetchAt = Date.now()
        inFlight = null
      })
    return inFlight
  }

  return {
    async publicKeyFor(kid) {
      if (!kid) throw unauthorized('Token has no key id (kid)')
      const known = keys.get(kid)
      if (known) return known
      if (inFlight || Date.now() - lastFetchAt >= minRefetchIntervalMs) {
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
