import { Type, type Static, type TObject } from '@sinclair/typebox'
import { BaseEnv, EnvError, PRODUCTION_NEEDS_MONGO, assertProductionReady } from '@app/platform'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@app/contracts'

const DEFAULT_TOKEN_PARTY = 'event-reward-platform'

/** The auth service's variables on top of the platform's (see the README / .env.example). */
export const AuthEnv = {
  ...BaseEnv,
  AUTH_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3000 }),
  /** The internal listener: /metrics, /ready and the revocation feed the other services poll; never published. */
  AUTH_ADMIN_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 9000 }),
  AUTH_DB_NAME: Type.String({ minLength: 1, default: 'auth' }),
  /** PEM (real newlines) or base64 of the PEM; unset → a key pair generated at every start (refused in production). */
  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  JWT_ISSUER: Type.String({ minLength: 1, default: DEFAULT_TOKEN_PARTY }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: DEFAULT_TOKEN_PARTY }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 24 * 3600, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 14 * 24 * 3600 }),
  /** Both or neither: the first ADMIN, created at start when no account has this email. */
  ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 254 })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })),
  /**
   * Failed logins of one account from one client within the window before that client gets 429
   * for that account; across all clients, failures beyond it only slow the account's logins down.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10 }),
  /** Login attempts of one client (any accounts) within the window before 429. */
  LOGIN_RATE_LIMIT_PER_CLIENT: Type.Integer({ minimum: 1, default: 20 }),
  LOGIN_THROTTLE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** Public sign-ups of one client within SIGNUP_RATE_LIMIT_WINDOW_SECONDS before 429 (ADMIN-created accounts are exempt). */
  SIGNUP_RATE_LIMIT_PER_CLIENT: Type.Integer({ minimum: 1, default: 10 }),
  SIGNUP_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 600 }),
  /** A refresh token presented again this soon after its rotation (a retry, two tabs) gets a pair of the same session. */
  REFRESH_REUSE_GRACE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
  /** argon2 operations at once; unset → one less than the CPU count (at least 1). */
  PASSWORD_HASH_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  /** argon2 operations that may wait for a slot; beyond it → 503 + Retry-After. Sign-ups get a quarter. */
  PASSWORD_HASH_QUEUE_MAX: Type.Integer({ minimum: 4, maximum: 10_000, default: 64 }),
  /** Longest wait for an argon2 slot before a 503 + Retry-After (below the gateway's UPSTREAM_TIMEOUT_MS); 0: no bound. */
  PASSWORD_HASH_MAX_WAIT_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 3_000 }),
  /**
   * Proxies (addresses, CIDRs or `loopback` / `linklocal` / `uniquelocal`, comma-separated)
   * whose X-Forwarded-For is believed. Behind the gateway, without this every login would
   * share the gateway's address and one client could throttle everyone.
   */
  AUTH_TRUSTED_PROXIES: Type.Optional(Type.String({ minLength: 1 }))
}
export type AuthEnv = Static<TObject<typeof AuthEnv>>

/** Checks across variables that a schema cannot express. */
export function assertConsistentEnv(env: AuthEnv): void {
  assertProductionReady(env, {
    ...PRODUCTION_NEEDS_MONGO,
    JWT_PRIVATE_KEY: 'a key generated at start dies with the process, and replicas would not accept each other\'s tokens'
  })
  if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    throw new EnvError('Invalid environment configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither')
  }
}
