import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import { STAFF_ROLES, TOKEN_TYPE_ACCESS, type AccessTable, type AccessTokenClaims } from '@app/contracts'
import { HttpProblem, forbidden, unauthorized } from './errors.js'
import type { RevocationView } from './revocations.js'
import { createVerifiedTokenCache, type VerifiedTokenCache } from './verified-token-cache.js'

// Re-exported so compiled declarations keep the import that brings `request.user` into scope.
export type { FastifyJWT } from '@fastify/jwt'
declare module 'fastify' {
  interface FastifyInstance {
    /** Tokens this process verified already, how to check their key is still trusted, and whether they were revoked. */
    verifiedTokens: {
      cache: VerifiedTokenCache
      publicKeyFor: AuthenticateOptions['publicKeyFor']
      revocations: RevocationView
      tokenClock: AuthenticateOptions['tokenClock']
    }
  }
}
declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Record<string, unknown>
    user: AccessTokenClaims
  }
}

/** Infrastructure routes every service exposes without a token (metrics and readiness are on the internal listener). */
/** Paths every process serves outside its access table: docs, liveness, the JWKS; each with everything below it. */
const INFRASTRUCTURE = ['/api-docs', '/health', '/.well-known']

export interface AuthenticateOptions {
  issuer: string
  audience: string
  /** Resolves the PEM public key for a token's `kid` (JWKS client, or the auth service's own key). */
  publicKeyFor: (kid: string | undefined) => Promise<string>
  access: AccessTable
  /** ACCESS_TOKEN_CACHE_SIZE: verified tokens remembered until they expire; 0 turns it off. */
  verifiedTokenCacheSize?: number
  /**
   * The clock a token's `exp` is judged by, in ms, both in full verification and on a cache hit
   * (tests move it to expire a token without waiting). Default: the real time, not the
   * service's clock, which tests move by days.
   */
  tokenClock?: () => number
  /** Tokens of accounts changed since they were issued (roles, disabled, sessions ended) are refused. */
  revocations: RevocationView
  /**
   * Pages this process serves itself to anyone, outside the API and its access table (the
   * gateway's operator console at `/console`): the path and everything below it. The API calls
   * such a page makes are checked like any other. Reading only (GET, HEAD): any other method
   * under such a path needs a rule like the API.
   */
  publicPages?: readonly string[]
}

/** `url` is one of `paths` or below one (`/health/x`), never a look-alike (`/healthz`). */
const isUnder = (url: string, paths: readonly string[]) => paths.some((path) => url === path || url.startsWith(`${path}/`))
const ruleKey = (method: string, url: string) => `${method === 'HEAD' ? 'GET' : method} ${url}`

/**
 * Verifies access tokens (RS256 only, `iss` and `aud` pinned, `sub`, `iss`, `aud` and `exp`
 * required, `typ` must be `access`) and enforces the service's access table on every request,
 * deny by default: a route without a rule fails start-up, and an unknown route at runtime is
 * refused.
 */
export const authenticatePlugin = fp<AuthenticateOptions>(
  async (app, options) => {
    const publicPages = options.publicPages ?? []
    const exempt = (method: string, url: string) =>
      isUnder(url, INFRASTRUCTURE) || ((method === 'GET' || method === 'HEAD') && isUnder(url, publicPages))
    await app.register(fastifyJwt, {
      secret: {
        public: async (_request: FastifyRequest, token: { header: { kid?: string } }) => options.publicKeyFor(token.header.kid)
      } as never,
      decode: { complete: true },
      verify: {
        algorithms: ['RS256'],
        allowedIss: options.issuer,
        allowedAud: options.audience,
        // fast-jwt checks iss, aud and exp only when the token carries them: a signed token
        // without `exp` would never expire, one without `iss`/`aud` would pass the pinning.
        requiredClaims: ['sub', 'iss', 'aud', 'exp']
      } as never
    })

    app.decorate('verifiedTokens', {
      cache: createVerifiedTokenCache({ maxEntries: options.verifiedTokenCacheSize ?? 5_000, ...(options.tokenClock ? { now: options.tokenClock } : {}) }),
      publicKeyFor: options.publicKeyFor,
      revocations: options.revocations,
      tokenClock: options.tokenClock
    })

    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      for (const method of methods) {
        if (method === 'HEAD' || method === 'OPTIONS' || exempt(method, route.url)) continue
        if (!options.access[ruleKey(method, route.url)]) {
          throw new Error(`No access rule for ${ruleKey(method, route.url)}: add it to the access table`)
        }
      }
    })

    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url
      if (url === undefined || exempt(request.method, url)) return // 404 handler, docs, health, public pages
      const rule = options.access[ruleKey(request.method, url)]
      if (!rule) throw forbidden('No access rule for this route')
      if ('public' in rule) return
      const claims = await verifyAccessToken(request)
      if (!rule.roles.some((role) => claims.roles.includes(role))) throw forbidden()
    })
  },
  { name: 'authenticate', dependencies: ['error-handler'], fastify: '5.x' }
)

const revoked = () => unauthorized('This token was revoked (the account changed); refresh or log in again', 'TOKEN_REVOKED')

/** Verifies the Bearer access token of a request (also usable on public routes that accept one). */
export async function verifyAccessToken(request: FastifyRequest): Promise<AccessTokenClaims> {
  const { authorization } = request.headers
  if (!authorization) throw unauthorized('Missing Authorization: Bearer <access token>')
  const { cache, publicKeyFor, revocations, tokenClock } = request.server.verifiedTokens
  const known = cache.get(authorization)
  if (known) {
    await publicKeyFor(known.kid) // throws once the key has been rotated out
    if (revocations.isRevoked(known.claims as AccessTokenClaims)) throw revoked()
    request.user = known.claims as AccessTokenClaims
    return request.user
  }
  let claims: AccessTokenClaims
  try {
    // fast-jwt takes its clock per verifier; with the default clock the plugin's shared one serves.
    claims = await (tokenClock ? request.jwtVerify<AccessTokenClaims>({ verify: { clockTimestamp: tokenClock() } } as never) : request.jwtVerify<AccessTokenClaims>())
  } catch (error) {
    // Our own problems (unknown kid, JWKS unreachable) pass through; every verifier complaint
    // (bad signature, wrong algorithm, expired, wrong iss/aud, malformed) is a plain 401.
    if (error instanceof HttpProblem) throw error
    throw unauthorized(error instanceof Error ? error.message : 'Invalid token', 'INVALID_TOKEN')
  }
  // `tags` may be absent (tokens from before tags existed); when present, audiences are judged from it.
  const tagsWellFormed = claims.tags === undefined || Array.isArray(claims.tags)
  if (claims.typ !== TOKEN_TYPE_ACCESS || !Array.isArray(claims.roles) || typeof claims.sub !== 'string' || !tagsWellFormed) {
    throw unauthorized('Not an access token', 'WRONG_TOKEN_TYPE')
  }
  cache.set(authorization, { claims, kid: kidOf(authorization) })
  if (revocations.isRevoked(claims)) throw revoked()
  return claims
}

/** The `kid` of a token that has just verified (so its header is well-formed JSON). */
function kidOf(authorization: string): string | undefined {
  const header = authorization.slice(authorization.indexOf(' ') + 1).split('.')[0] ?? ''
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown }
  return typeof kid === 'string' ? kid : undefined
}

export const isStaff = (claims: AccessTokenClaims) => claims.roles.some((role) => STAFF_ROLES.includes(role))

/**
 * The user a request acts for: the caller, unless staff name someone else. A USER naming
 * anyone but themselves is refused (SPEC: identity comes from the token, never the body).
 */
export function actingUserId(request: FastifyRequest, requested?: string): string {
  const claims = request.user
  if (requested === undefined || requested === claims.sub) return claims.sub
  if (isStaff(claims)) return requested
  throw forbidden('You may act only for yourself', 'NOT_YOUR_USER_ID')
}
