import { availableParallelism } from 'node:os'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import {
  auditLogIndexes,
  authenticatePlugin,
  clockPlugin,
  createRevocationFeedClient,
  errorHandlerPlugin,
  healthPlugin,
  metricsPlugin,
  mongoPlugin,
  openApiPlugin,
  requestIdPlugin,
  revocationFeedPlugin,
  unauthorized
} from '@app/platform'
import { AUTH_ROUTES } from '@app/contracts'
import type { SigningKey } from './signing-key.js'
import { userIndexes } from './repositories/users.js'
import { sessionIndexes } from './repositories/sessions.js'
import { refreshTokenIndexes } from './repositories/refresh-tokens.js'
import { loginFailureIndexes } from './repositories/login-failures.js'
import { revocationIndexes } from './repositories/revocations.js'
import { signupLimitPlugin } from './plugins/signup-limit.js'
import { accountAdminRoutes } from './routes/account-admin.js'
import { accountTagsRoutes } from './routes/account-tags.js'
import { accountDirectoryRoutes } from './routes/account-directory.js'
import { passwordsPlugin } from './plugins/passwords.js'
import { repositoriesPlugin } from './plugins/repositories.js'
import { tokensPlugin } from './plugins/tokens.js'
import { loginThrottlePlugin, type LoginThrottleOptions } from './plugins/login-throttle.js'
import { bootstrapAdminPlugin, type BootstrapAdminOptions } from './plugins/bootstrap-admin.js'
import { usersRoutes } from './routes/users.js'
import { sessionsRoutes } from './routes/sessions.js'
import { jwksRoutes } from './routes/jwks.js'

export interface AuthAppOptions {
  mongoUrl: string
  dbName: string
  signingKey: SigningKey
  issuer: string
  audience: string
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
  /** REFRESH_REUSE_GRACE_SECONDS. */
  refreshReuseGraceSeconds: number
  loginThrottle: LoginThrottleOptions
  /** SIGNUP_RATE_LIMIT_PER_CLIENT per SIGNUP_RATE_LIMIT_WINDOW_SECONDS. */
  signupLimit: { max: number; windowSeconds: number }
  /** ACCESS_TOKEN_CACHE_SIZE (see the authenticate plugin). */
  verifiedTokenCacheSize?: number
  /** argon2 operations at once (PASSWORD_HASH_CONCURRENCY); default: one less than the cores. */
  passwordHashConcurrency?: number
  /** argon2 operations that may wait (PASSWORD_HASH_QUEUE_MAX). */
  passwordHashQueueMax: number
  /** Longest wait for an argon2 slot before a 503 (PASSWORD_HASH_MAX_WAIT_MS; 0 or absent: no bound). */
  passwordHashMaxWaitMs?: number
  /** REVOCATION_POLL_INTERVAL_MS: how often this service reloads its own revocation list. */
  revocationPollIntervalMs: number
  /** Default: the system clock. */
  clock?: () => Date
  /** The first ADMIN; omitted → no bootstrap account. */
  bootstrapAdmin?: BootstrapAdminOptions
}

const defaultHashConcurrency = () => Math.max(1, availableParallelism() - 1)

/** The auth service: accounts, sessions and tokens. Never listens: `server.ts` does, and tests register it on their own server. */
export const authApp = fp<AuthAppOptions>(
  async (app, options) => {
    const { signingKey } = options
    await app.register(requestIdPlugin)
    await app.register(errorHandlerPlugin)
    await app.register(metricsPlugin, { prefix: 'auth_' })
    await app.register(openApiPlugin, {
      title: 'Auth service',
      description: 'Accounts, sessions and tokens of the event & reward platform. Access tokens are RS256 JWTs; keys at /.well-known/jwks.json.',
      tags: [{ name: 'auth', description: 'Accounts, sign-in, sessions and tokens' }]
    })
    await app.register(mongoPlugin, {
      url: options.mongoUrl,
      dbName: options.dbName,
      indexes: { ...userIndexes, ...sessionIndexes, ...refreshTokenIndexes, ...loginFailureIndexes, ...revocationIndexes, ...auditLogIndexes }
    })
    await app.register(clockPlugin, options.clock ? { clock: options.clock } : {})
    await app.register(repositoriesPlugin)
    // This service reads its revocations from its own database; the others poll GET /internal/revocations.
    const revocations = createRevocationFeedClient(() => app.repositories.revocations.active(app.clock()), app.log)
    await app.register(revocationFeedPlugin, { client: revocations, intervalMs: options.revocationPollIntervalMs, metricsPrefix: 'auth_' })
    await app.register(authenticatePlugin, {
      issuer: options.issuer,
      audience: options.audience,
      // Only this service's own key: a token naming any other kid was not issued here.
      publicKeyFor: async (kid) => {
        if (kid === signingKey.kid) return signingKey.publicKeyPem
        throw unauthorized('Token signed with an unknown key', 'UNKNOWN_KID')
      },
      access: AUTH_ROUTES,
      revocations: revocations.view,
      ...(options.verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize: options.verifiedTokenCacheSize })
    })
    await app.register(healthPlugin, { checks: { mongo: () => app.mongo.db.command({ ping: 1 }) } })

    await app.register(passwordsPlugin, {
      maxConcurrentHashes: options.passwordHashConcurrency ?? defaultHashConcurrency(),
      maxWaitingHashes: options.passwordHashQueueMax,
      maxWaitMs: options.passwordHashMaxWaitMs ?? 0
    })
    await app.register(tokensPlugin, {
      signingKey,
      issuer: options.issuer,
      audience: options.audience,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
      reuseGraceSeconds: options.refreshReuseGraceSeconds
    })
    await app.register(rateLimit, { global: false })
    await app.register(loginThrottlePlugin, options.loginThrottle)
    await app.register(signupLimitPlugin, options.signupLimit)
    if (options.bootstrapAdmin) await app.register(bootstrapAdminPlugin, options.bootstrapAdmin)

    await app.register(usersRoutes)
    await app.register(sessionsRoutes)
    await app.register(accountAdminRoutes, { accessTokenTtlSeconds: options.accessTokenTtlSeconds })
    await app.register(accountTagsRoutes)
    await app.register(accountDirectoryRoutes)
    await app.register(jwksRoutes, { signingKey })
  },
  { name: 'auth', fastify: '5.x' }
)
