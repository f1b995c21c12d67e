import { createAdminServer, createServer, loadSheddingFromEnv, exitOnEnvError, listenUntilSignalled, loadEnv, resolveDatabase } from '@app/platform'
import { authApp } from './app.js'
import { AuthEnv, assertConsistentEnv } from './config.js'
import { randomBytes } from 'node:crypto'
import { GENERATED_ADMIN_EMAIL, type BootstrapAdminOptions } from './plugins/bootstrap-admin.js'
import { internalRoutes } from './routes/internal.js'
import { loadSigningKey, type SigningKey } from './signing-key.js'

let env: AuthEnv
let signingKey: SigningKey
try {
  env = loadEnv(AuthEnv)
  assertConsistentEnv(env)
  signingKey = loadSigningKey(env.JWT_PRIVATE_KEY)
} catch (error) {
  exitOnEnvError(error)
}

const database = await resolveDatabase(env.MONGO_URL, { persistent: true })
const app = createServer({
  name: 'auth',
  logLevel: env.LOG_LEVEL,
  bodyLimit: env.BODY_LIMIT,
  trustProxy: env.AUTH_TRUSTED_PROXIES,
  loadShedding: loadSheddingFromEnv(env)
})
if (signingKey.generated) {
  app.log.warn('JWT_PRIVATE_KEY is not set: signing with a key generated for this process; tokens die with it and instances will not agree')
}

const bootstrapAdmin = bootstrapAdminFrom(env)
await app.register(authApp, {
  mongoUrl: database.url,
  dbName: env.AUTH_DB_NAME,
  signingKey,
  issuer: env.JWT_ISSUER,
  audience: env.JWT_AUDIENCE,
  accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
  refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
  signupLimit: { max: env.SIGNUP_RATE_LIMIT_PER_CLIENT, windowSeconds: env.SIGNUP_RATE_LIMIT_WINDOW_SECONDS },
  passwordHashQueueMax: env.PASSWORD_HASH_QUEUE_MAX,
  passwordHashMaxWaitMs: env.PASSWORD_HASH_MAX_WAIT_MS,
  revocationPollIntervalMs: env.REVOCATION_POLL_INTERVAL_MS,
  loginThrottle: {
    maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxAttemptsPerClient: env.LOGIN_RATE_LIMIT_PER_CLIENT,
    windowSeconds: env.LOGIN_THROTTLE_WINDOW_SECONDS
  },
  verifiedTokenCacheSize: env.ACCESS_TOKEN_CACHE_SIZE,
  ...(env.PASSWORD_HASH_CONCURRENCY ? { passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY } : {}),
  ...(bootstrapAdmin ? { bootstrapAdmin } : {})
})
/**
 * The configured first ADMIN; with none configured, outside production, one with a generated
 * password (see the bootstrap plugin). Production without one starts with no ADMIN: set them.
 */
function bootstrapAdminFrom({ ADMIN_EMAIL, ADMIN_PASSWORD, NODE_ENV }: AuthEnv): BootstrapAdminOptions | undefined {
  if (ADMIN_EMAIL && ADMIN_PASSWORD) return { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }
  if (NODE_ENV === 'production') return undefined
  return { email: GENERATED_ADMIN_EMAIL, password: randomBytes(15).toString('base64url'), generated: true }
}

const admin = createAdminServer({ service: app, name: 'auth-admin', logLevel: env.LOG_LEVEL, bodyLimit: env.BODY_LIMIT })
await admin.register(internalRoutes, { service: app })
await listenUntilSignalled(app, { port: env.AUTH_PORT, host: env.HOST, admin: { server: admin, port: env.AUTH_ADMIN_PORT }, onClosed: database.stop })
