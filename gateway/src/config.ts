import { Type, type Static, type TObject } from '@sinclair/typebox'
import type { ServiceName } from '@app/contracts'
import { join } from 'node:path'
import { BaseEnv, REPO_ROOT } from '@app/platform'

const DEFAULT_TOKEN_PARTY = 'event-reward-platform'
/**
 * A service's instances: origins, comma-separated (the proxy ignores an upstream URL's path, so
 * an instance is named by its origin alone). The gateway balances over them.
 */
const ServiceOrigins = (defaultUrl: string) =>
  Type.String({ pattern: '^\\s*https?://[^/?#,\\s]+/?(\\s*,\\s*https?://[^/?#,\\s]+/?)*\\s*$', default: defaultUrl })

/** `http://a:3002, http://b:3002/` → `['http://a:3002', 'http://b:3002']` (duplicates dropped). */
export function serviceOriginsFrom(value: string): string[] {
  return [...new Set(value.split(',').map((entry) => entry.trim().replace(/\/+$/, '')).filter(Boolean))]
}

/** The gateway's variables on top of the platform's (see .env.example). */
export const GatewayEnv = {
  ...BaseEnv,
  GATEWAY_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3001 }),
  /** The internal listener: /metrics and /ready, never published. */
  ADMIN_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 9001 }),
  AUTH_SERVICE_URL: ServiceOrigins('http://127.0.0.1:3000'),
  EVENT_SERVICE_URL: ServiceOrigins('http://127.0.0.1:3002'),
  /** Unset → `${AUTH_SERVICE_URL}/.well-known/jwks.json`. */
  AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The auth service's token revocations, on its internal listener (AUTH_ADMIN_PORT). */
  AUTH_REVOCATIONS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9000/internal/revocations' }),
  JWT_ISSUER: Type.String({ minLength: 1, default: DEFAULT_TOKEN_PARTY }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: DEFAULT_TOKEN_PARTY }),
  /** An upstream that has not answered (headers) by then is cut off → 504. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 5_000 }),
  /** Failure percentage within the rolling 10 s window that opens a breaker. */
  BREAKER_ERROR_THRESHOLD_PERCENT: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  /** How long an open breaker refuses before letting one trial request through. */
  BREAKER_RESET_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Requests within the window before the error percentage may open the breaker. */
  BREAKER_VOLUME_THRESHOLD: Type.Integer({ minimum: 1, default: 10 }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600 }),
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 10 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  /**
   * The proxies in front of the gateway (a load balancer): a hop count (`1`), or their addresses
   * and CIDRs, comma-separated (`10.0.0.0/8,192.168.1.7`). Their X-Forwarded-For names the client,
   * whose address the rate limits key on and the services are told. Unset: nobody is believed.
   */
  TRUST_PROXY: Type.Optional(Type.String({ pattern: '^\\s*(\\d+|[0-9A-Fa-f.:/]+(\\s*,\\s*[0-9A-Fa-f.:/]+)*)\\s*$' })),
  /** The combined OpenAPI document is rebuilt after this long (at once while a service is missing). */
  API_DOCS_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 60_000 }),
  /** The built operator console served at /console. Unset → console/dist of the repository. */
  CONSOLE_DIR: Type.Optional(Type.String({ minLength: 1 }))
}
export type GatewayEnv = Static<TObject<typeof GatewayEnv>>

export type UpstreamName = ServiceName

export interface BreakerSettings {
  errorThresholdPercentage: number
  resetTimeoutMs: number
  volumeThreshold: number
}

/** Everything `app.ts` needs; tests build it directly, `server.ts` from the environment. */
export interface GatewayOptions {
  /** Each upstream's instances (origins, at least one). */
  upstreams: Record<UpstreamName, readonly string[]>
  jwt: {
    jwksUrl: string
    issuer: string
    audience: string
    /** How soon an unknown `kid` may trigger another JWKS fetch (platform default 5 s). */
    jwksMinRefetchIntervalMs?: number
    verifiedTokenCacheSize?: number
    /** Auth's token revocations, polled every `revocationPollIntervalMs`. */
    revocationsUrl: string
    revocationPollIntervalMs: number
  }
  upstreamTimeoutMs: number
  breaker: BreakerSettings
  rateLimit: { max: number; loginMax: number; windowMs: number }
  apiDocsCacheTtlMs: number
  /** The operator console's built files (index.html, assets/); undefined or missing → /console says how to build it. */
  consoleDir?: string
}

/** What Fastify's `trustProxy` takes: is the address `hop` steps from the socket a proxy of ours? */
export type TrustProxy = ((address: string, hop: number) => boolean) | string[] | false

/**
 * TRUST_PROXY as Fastify's `trustProxy`: addresses and CIDRs as a list; a hop count as a function
 * trusting that many hops from the socket — Fastify 5 ignores a plain number (it cannot tell a
 * proxy from a client that sends the header itself), so a count is only safe where nothing but
 * the proxies can reach the gateway. Unset → trust nobody.
 */
export function trustProxyFrom(value: string | undefined): TrustProxy {
  if (value === undefined) return false
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed)
    return (_address, hop) => hop < hops
  }
  return trimmed.split(',').map((entry) => entry.trim())
}

export function gatewayOptionsFromEnv(env: GatewayEnv): GatewayOptions {
  const auth = serviceOriginsFrom(env.AUTH_SERVICE_URL)
  return {
    upstreams: { auth, event: serviceOriginsFrom(env.EVENT_SERVICE_URL) },
    jwt: {
      // Every auth instance publishes the same keys; set AUTH_JWKS_URL to a balanced address.
      jwksUrl: env.AUTH_JWKS_URL ?? `${auth[0]}/.well-known/jwks.json`,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      verifiedTokenCacheSize: env.ACCESS_TOKEN_CACHE_SIZE,
      revocationsUrl: env.AUTH_REVOCATIONS_URL,
      revocationPollIntervalMs: env.REVOCATION_POLL_INTERVAL_MS
    },
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    breaker: {
      errorThresholdPercentage: env.BREAKER_ERROR_THRESHOLD_PERCENT,
      resetTimeoutMs: env.BREAKER_RESET_TIMEOUT_MS,
      volumeThreshold: env.BREAKER_VOLUME_THRESHOLD
    },
    rateLimit: { max: env.RATE_LIMIT_MAX, loginMax: env.LOGIN_RATE_LIMIT_MAX, windowMs: env.RATE_LIMIT_WINDOW_MS },
    apiDocsCacheTtlMs: env.API_DOCS_CACHE_TTL_MS,
    consoleDir: env.CONSOLE_DIR ?? join(REPO_ROOT, 'console', 'dist')
  }
}
