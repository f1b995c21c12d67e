import fp from 'fastify-plugin'
import type { FastifyBaseLogger } from 'fastify'
import { Gauge } from 'prom-client'
import type { AccessTokenClaims, RevocationFeed } from '@app/contracts'

/** Per account, the lowest token version still valid (SPEC v2: a change takes effect within 5 s). */
export interface RevocationEntry {
  userId: string
  minVersion: number
}

/** What the authenticate plugin asks on every request, after the signature check or a cache hit. */
export interface RevocationView {
  isRevoked(claims: Pick<AccessTokenClaims, 'sub' | 'ver'>): boolean
}

export interface RevocationFeedClient {
  view: RevocationView
  /** Loads the entries now; a failure keeps the last good list (and is logged). */
  refresh(): Promise<void>
  /** When the list was last loaded successfully (ms since epoch; 0: never). */
  loadedAt(): number
  size(): number
}

/**
 * The revocation list as this process knows it: a map from account to minimum version, replaced
 * whole on every successful load. A check is one map look-up — no I/O on the request path.
 */
export function createRevocationFeedClient(load: () => Promise<RevocationEntry[]>, log: FastifyBaseLogger): RevocationFeedClient {
  let minimum = new Map<string, number>()
  let loadedAt = 0
  let loading: Promise<void> | null = null
  return {
    view: { isRevoked: ({ sub, ver }) => (ver ?? 0) < (minimum.get(sub) ?? 0) },
    refresh() {
      loading ??= (async () => {
        try {
          const next = new Map<string, number>()
          for (const { userId, minVersion } of await load()) next.set(userId, Math.max(next.get(userId) ?? 0, minVersion))
          minimum = next
          loadedAt = Date.now()
        } catch (error) {
          log.warn({ err: error }, 'could not load token revocations; keeping the last list')
        } finally {
          loading = null
        }
      })()
      return loading
    },
    loadedAt: () => loadedAt,
    size: () => minimum.size
  }
}

const FETCH_TIMEOUT_MS = 2_000

/** Loads auth's revocation feed over HTTP (`GET /internal/revocations`). */
export const fetchRevocationFeed = (url: string) => async (): Promise<RevocationEntry[]> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  return ((await response.json()) as RevocationFeed).entries
}

/**
 * Keeps a revocation feed client current: loads it once when the server is ready (so a freshly
 * started service knows what auth knows), then every `intervalMs`. Exports how old the list is,
 * so a service that cannot reach auth shows up on a dashboard before anyone wonders why a
 * disabled account still works there.
 */
export const revocationFeedPlugin = fp<{ client: RevocationFeedClient; intervalMs: number; metricsPrefix: string }>(
  async (app, { client, intervalMs, metricsPrefix }) => {
    let timer: NodeJS.Timeout | undefined
    new Gauge({
      name: `${metricsPrefix}revocations_age_seconds`,
      help: 'Seconds since the token revocation list was last loaded (sustained > a few seconds: the feed is unreachable)',
      registers: [app.metrics],
      collect() { this.set(client.loadedAt() === 0 ? -1 : (Date.now() - client.loadedAt()) / 1000) }
    })
    new Gauge({
      name: `${metricsPrefix}revocations_tracked`,
      help: 'Accounts whose older tokens are currently refused',
      registers: [app.metrics],
      collect() { this.set(client.size()) }
    })
    app.addHook('onReady', async () => {
      await client.refresh()
      timer = setInterval(() => void client.refresh(), intervalMs).unref()
    })
    app.addHook('onClose', async () => clearInterval(timer))
  },
  { name: 'revocation-feed', dependencies: ['metrics'], fastify: '5.x' }
)
