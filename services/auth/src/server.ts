import { createServer, exitOnEnvError, listenUntilSignalled, loadEnv, resolveDatabase } from '@app/platform'
import authApp from './app.js'
import { AuthEnv, assertConsistentEnv } from './env.js'
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
  trustProxy: env.AUTH_TRUSTED_PROXIES
})
if (signingKey.generated) {
  app.log.warn('JWT_PRIVATE_KEY is not set: signing with a key generated for this process; tokens die with it and instances will not agree')
}

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
  revocationPollIntervalMs: env.REVOCATION_POLL_INTERVAL_MS,
  loginThrottle: {
    maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxAttemptsPerClient: env.LOGIN_RATE_LIMIT_PER_CLIENT,
    windowSeconds: env.LOGIN_THROTTLE_WINDOW_SECONDS
  },
  verifiedTokenCacheSize: env.ACCESS_TOKEN_CACHE_SIZE,
  ...(env.PASSWORD_HASH_CONCURRENCY ? { passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY } : {}),
  ...(env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { bootstrapAdmin: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } } : {})
})
await listenUntilSignalled(app, { port: env.AUTH_PORT, host: env.HOST, onClosed: database.stop })
