import { Type, type Static, type TObject } from '@sinclair/typebox'
import { BaseEnv, EnvError, PRODUCTION_NEEDS_MONGO, assertProductionReady, loadEnv } from '@app/platform'

const HOUR_MS = 60 * 60 * 1000
const Milliseconds = (defaultValue: number, { minimum = 1, maximum = 24 * HOUR_MS } = {}) =>
  Type.Integer({ minimum, maximum, default: defaultValue })

/** Every variable the event service reads, with its default. */
export const EventEnv = {
  ...BaseEnv,
  EVENT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  /** The internal listener: /metrics and /ready, never published. */
  EVENT_ADMIN_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9002 }),
  EVENT_DB_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]{1,38}$', default: 'event' }),
  /** Where access-token signing keys come from (the auth service). */
  AUTH_JWKS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3000/.well-known/jwks.json' }),
  /** The auth service's token revocations, on its internal listener (AUTH_ADMIN_PORT). */
  AUTH_REVOCATIONS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9000/internal/revocations' }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'event-reward-platform' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'event-reward-platform' }),
  /** Unset → grants go to the built-in `user_rewards` ledger and complete at once. */
  REWARD_DELIVERY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Set → every grant carries `X-Signature: sha256=<hex HMAC-SHA256 of the body>` made with it. */
  REWARD_DELIVERY_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
  /** One delivery request may take this long before it is aborted; its outcome is then unknown. */
  DELIVERY_TIMEOUT_MS: Milliseconds(3_000),
  /**
   * How long after its first send a grant is retried while the answers are not final (202 without
   * a callback, 409, errors, timeouts); then the claim is `failed` with outcome `unknown`.
   * Paused time does not count.
   */
  DELIVERY_GIVE_UP_AFTER_MS: Milliseconds(24 * HOUR_MS, { minimum: 1_000, maximum: 30 * 24 * HOUR_MS }),
  /** Retry n waits a random time in [0, min(max, base·2^(n-1))] (exponential backoff, full jitter). */
  DELIVERY_BACKOFF_BASE_MS: Milliseconds(1_000),
  DELIVERY_BACKOFF_MAX_MS: Milliseconds(60_000),
  /** How long a worker owns a claim it is delivering; a crashed worker's claim is retried after. */
  DELIVERY_LEASE_MS: Milliseconds(30_000),
  /** After the delivery system answers 202 (will confirm via callback), re-send if no callback came by then. */
  DELIVERY_CALLBACK_WAIT_MS: Milliseconds(300_000),
  /** How long the delivery circuit stays open before one trial request. */
  DELIVERY_BREAKER_RESET_MS: Milliseconds(10_000),
  /** How often the sweeper looks for due deliveries, unapplied progress reports and expired ones. */
  SWEEPER_INTERVAL_MS: Milliseconds(5_000),
  /**
   * How long a progress report is remembered: a retry within it is recognised and counts nothing;
   * after it the report is gone and a retry counts as a new report.
   */
  PROGRESS_REPORT_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  /**
   * The catalog cache (events and bundles held in memory): how often an instance asks the
   * database whether another instance changed the catalog — the most its reads can lag another
   * instance's write. Writes in the same instance show at once.
   */
  CATALOG_CACHE_CHECK_MS: Milliseconds(1_000, { maximum: 2_000 }),
  /** Catalogs with more events than this are not held in memory: every read then queries the database. 0: no cache. */
  CATALOG_CACHE_MAX_EVENTS: Type.Integer({ minimum: 0, maximum: 100_000, default: 5_000 }),
  /**
   * Event-list pages kept serialized per catalog snapshot (readers shown the same events get the
   * same bytes; dropped with the snapshot). 0: serialize every reply.
   */
  CATALOG_RENDERED_PAGES: Type.Integer({ minimum: 0, maximum: 100_000, default: 256 })
}
export type EventConfig = Static<TObject<typeof EventEnv>>

/** `loadEnv` plus the rules that span variables. */
export function loadEventConfig(source?: NodeJS.ProcessEnv): EventConfig {
  const config = source === undefined ? loadEnv(EventEnv) : loadEnv(EventEnv, source)
  assertProductionReady(config, PRODUCTION_NEEDS_MONGO)
  if (config.DELIVERY_LEASE_MS <= config.DELIVERY_TIMEOUT_MS) {
    // Otherwise a lease could expire while its request is still in flight, and a second worker
    // would deliver the same claim concurrently.
    throw new EnvError('Invalid environment configuration:\n  DELIVERY_LEASE_MS must exceed DELIVERY_TIMEOUT_MS')
  }
  if (config.REWARD_DELIVERY_SECRET !== undefined && config.REWARD_DELIVERY_URL === undefined) {
    throw new EnvError('Invalid environment configuration:\n  REWARD_DELIVERY_SECRET is set but REWARD_DELIVERY_URL is not: nothing would be signed')
  }
  if (config.DELIVERY_BACKOFF_MAX_MS < config.DELIVERY_BACKOFF_BASE_MS) {
    throw new EnvError('Invalid environment configuration:\n  DELIVERY_BACKOFF_MAX_MS must be at least DELIVERY_BACKOFF_BASE_MS')
  }
  return config
}
