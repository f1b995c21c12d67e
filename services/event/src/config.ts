import { Type, type Static, type TObject } from '@sinclair/typebox'
import { BaseEnv, EnvError, loadEnv } from '@app/platform'

const Milliseconds = (defaultValue: number, minimum = 1) =>
  Type.Integer({ minimum, maximum: 24 * 60 * 60 * 1000, default: defaultValue })

/** Every variable the event service reads, with its default. */
export const EventEnv = {
  ...BaseEnv,
  EVENT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  EVENT_DB_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]{1,38}$', default: 'event' }),
  /** Where access-token signing keys come from (the auth service). */
  AUTH_JWKS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3000/.well-known/jwks.json' }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'event-reward-platform' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'event-reward-platform' }),
  /** Unset → grants go to the built-in `user_rewards` ledger and complete at once. */
  REWARD_DELIVERY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** One delivery request may take this long before it is aborted and counted as failed. */
  DELIVERY_TIMEOUT_MS: Milliseconds(3_000),
  /** Real delivery attempts before a claim becomes `failed`. */
  DELIVERY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  /** Retry n waits a random time in [0, min(max, base·2^(n-1))] (exponential backoff, full jitter). */
  DELIVERY_BACKOFF_BASE_MS: Milliseconds(1_000),
  DELIVERY_BACKOFF_MAX_MS: Milliseconds(60_000),
  /** How long a worker owns a claim it is delivering; a crashed worker's claim is retried after. */
  DELIVERY_LEASE_MS: Milliseconds(30_000),
  /** After the delivery system answers 202 (will confirm via callback), re-send if no callback came by then. */
  DELIVERY_CALLBACK_WAIT_MS: Milliseconds(300_000),
  /** How long the delivery circuit stays open before one trial request. */
  DELIVERY_BREAKER_RESET_MS: Milliseconds(10_000),
  /** How often the sweeper looks for due deliveries (retries, crashed workers' claims). */
  SWEEPER_INTERVAL_MS: Milliseconds(5_000)
}
export type EventConfig = Static<TObject<typeof EventEnv>>

/** `loadEnv` plus the rules that span variables. */
export function loadEventConfig(source?: NodeJS.ProcessEnv): EventConfig {
  const config = source === undefined ? loadEnv(EventEnv) : loadEnv(EventEnv, source)
  if (config.DELIVERY_LEASE_MS <= config.DELIVERY_TIMEOUT_MS) {
    // Otherwise a lease could expire while its request is still in flight, and a second worker
    // would deliver the same claim concurrently.
    throw new EnvError('Invalid environment configuration:\n  DELIVERY_LEASE_MS must exceed DELIVERY_TIMEOUT_MS')
  }
  if (config.DELIVERY_BACKOFF_MAX_MS < config.DELIVERY_BACKOFF_BASE_MS) {
    throw new EnvError('Invalid environment configuration:\n  DELIVERY_BACKOFF_MAX_MS must be at least DELIVERY_BACKOFF_BASE_MS')
  }
  return config
}
