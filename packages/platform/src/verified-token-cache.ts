import type { AccessTokenClaims } from '@app/contracts'

/**
 * Remembers access tokens this process has already verified, until they expire. RS256
 * verification was the largest single cost of an authenticated request in the gateway and the
 * event service (≈ 8 % of their CPU under load, see bench/results/profile.md), and a client
 * sends the same token for its whole 15-minute life.
 *
 * Only successful verifications are kept, keyed by the exact Authorization header, so a
 * tampered or re-signed token is a different key and goes through full verification. A hit
 * still asks for the token's signing key (a map lookup), so a key that was rotated out of the
 * JWKS stops its tokens exactly as it would without the cache.
 */
export interface VerifiedTokenCache {
  get(authorization: string): CachedToken | undefined
  set(authorization: string, token: CachedToken): void
  readonly size: number
}

export interface CachedToken {
  claims: Readonly<AccessTokenClaims>
  kid: string | undefined
}

export function createVerifiedTokenCache({ maxEntries = 5_000, now = Date.now }: { maxEntries?: number; now?: () => number } = {}): VerifiedTokenCache {
  // A Map iterates in insertion order: the first key is the oldest, evicted when full.
  const entries = new Map<string, CachedToken>()
  return {
    get(authorization) {
      const entry = entries.get(authorization)
      if (entry === undefined) return undefined
      if (entry.claims.exp * 1000 <= now()) {
        entries.delete(authorization)
        return undefined
      }
      return entry
    },
    set(authorization, token) {
      if (maxEntries === 0) return
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
      entries.set(authorization, { claims: Object.freeze({ ...token.claims }), kid: token.kid })
    },
    get size() { return entries.size }
  }
}
