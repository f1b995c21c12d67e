import { createHash, randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import { createSigner } from 'fast-jwt'
import type { ObjectId } from 'mongodb'
import { TOKEN_TYPE_ACCESS, type TokenPair } from '@app/contracts'
import { forbidden, unauthorized } from '@app/platform'
import type { SigningKey } from '../signing-key.js'
import type { SessionDocument } from '../repositories/sessions.js'
import { tagsOf, type UserDocument } from '../repositories/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    tokens: TokenService
  }
}

export interface TokenService {
  /** Opens a session (a new token family) for a user who just proved who they are. */
  openSession(user: UserDocument): Promise<TokenPair>
  /** Trades a refresh token for a new pair; the presented token dies. */
  rotate(refreshToken: string): Promise<TokenPair>
  /** Revokes the session of a refresh token; true when this call revoked it. */
  endSession(refreshToken: string): Promise<boolean>
}

export interface TokenOptions {
  signingKey: SigningKey
  issuer: string
  audience: string
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
  /** REFRESH_REUSE_GRACE_SECONDS: a rotated token presented again this soon is a retry, not a theft. */
  reuseGraceSeconds: number
}

/** 256 bits from the CSPRNG: unguessable, so a plain SHA-256 (no salt, no KDF) is enough to store it. */
const REFRESH_TOKEN_BYTES = 32
const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('base64url')
const invalidRefreshToken = () => unauthorized('Invalid, expired or revoked refresh token', 'INVALID_REFRESH_TOKEN')
export const accountDisabled = () => forbidden('This account is disabled', 'ACCOUNT_DISABLED')

export const tokensPlugin = fp<TokenOptions>(
  async (app, options) => {
    const { sessions, refreshTokens, users } = app.repositories
    const signAccessToken = createSigner({
      key: options.signingKey.privateKeyPem,
      algorithm: 'RS256',
      kid: options.signingKey.kid,
      iss: options.issuer,
      aud: options.audience,
      expiresIn: options.accessTokenTtlSeconds * 1000
    })
    const refreshTtlMs = options.refreshTokenTtlSeconds * 1000
    const graceMs = options.reuseGraceSeconds * 1000

    async function issuePair(user: UserDocument, sessionId: ObjectId, expiresAt: Date): Promise<TokenPair> {
      const refreshToken = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url')
      await refreshTokens.insert({ tokenHash: hashRefreshToken(refreshToken), sessionId, expiresAt })
      return {
        accessToken: signAccessToken({
          sub: user._id.toHexString(),
          roles: user.roles,
          // Read from the account at every login and refresh: a tag change shows at the next refresh.
          tags: tagsOf(user),
          sid: sessionId.toHexString(),
          typ: TOKEN_TYPE_ACCESS,
          ver: user.tokenVersion ?? 0
        }),
        refreshToken,
        expiresIn: options.accessTokenTtlSeconds,
        tokenType: 'Bearer'
      }
    }

    /**
     * The session and its account, if the session is open and the account may sign in. The
     * account is read *before* the session is checked: staff end an account's sessions before
     * they raise its token version, so an account read after the raise always meets a session
     * already revoked — a refresh racing "end every session" never gets a token of the new version.
     */
    async function openSessionOf(sessionId: ObjectId, now: Date): Promise<{ session: SessionDocument; user: UserDocument }> {
      const owner = await sessions.ownerOf(sessionId)
      const user = owner && (await users.findById(owner))
      const session = user && (await sessions.findActive(sessionId, now))
      if (!session || !user) throw invalidRefreshToken()
      if (user.disabled) throw accountDisabled()
      return { session, user }
    }

    /** A new pair in the session; the session lives on for another refresh-token lifetime. */
    async function issueInSession({ session, user }: { session: SessionDocument; user: UserDocument }, now: Date): Promise<TokenPair> {
      const expiresAt = new Date(now.getTime() + refreshTtlMs)
      await sessions.extend(session._id, expiresAt)
      return issuePair(user, session._id, expiresAt)
    }

    /**
     * A rotated token shown again. Within the grace window it is a client retrying after a lost
     * reply, or two tabs refreshing at once: it gets a working pair of the same session (every
     * pair handed out works). Later it means the token leaked (RFC 9700 §4.14.2): the whole
     * family dies.
     */
    async function reused(sessionId: ObjectId, usedAt: Date | null, now: Date): Promise<TokenPair> {
      if (usedAt && now.getTime() - usedAt.getTime() < graceMs) return issueInSession(await openSessionOf(sessionId, now), now)
      if (await sessions.revoke(sessionId, 'reuse', now)) {
        app.log.warn({ sessionId: sessionId.toHexString() }, 'refresh token reused: session revoked')
      }
      throw invalidRefreshToken()
    }

    app.decorate('tokens', {
      async openSession(user) {
        const now = app.clock()
        const expiresAt = new Date(now.getTime() + refreshTtlMs)
        const session = await sessions.open(user._id, expiresAt, now)
        return issuePair(user, session._id, expiresAt)
      },

      async rotate(refreshToken) {
        const now = app.clock()
        const tokenHash = hashRefreshToken(refreshToken)
        const presented = await refreshTokens.findByHash(tokenHash)
        if (!presented || presented.expiresAt <= now) throw invalidRefreshToken()
        if (presented.usedAt) return reused(presented.sessionId, presented.usedAt, now)
        // Checked before the token is consumed, so a refused refresh (disabled account, ended
        // session) does not use it up.
        const open = await openSessionOf(presented.sessionId, now)
        if (!(await refreshTokens.consume(tokenHash, now))) {
          // A concurrent rotation of this same token used it a moment ago.
          return reused(presented.sessionId, (await refreshTokens.findByHash(tokenHash))?.usedAt ?? null, now)
        }
        return issueInSession(open, now)
      },

      async endSession(refreshToken) {
        const now = app.clock()
        const presented = await refreshTokens.findByHash(hashRefreshToken(refreshToken))
        if (!presented || presented.expiresAt <= now) throw invalidRefreshToken()
        return sessions.revoke(presented.sessionId, 'logout', now)
      }
    } satisfies TokenService)
  },
  { name: 'tokens', dependencies: ['repositories', 'clock'], fastify: '5.x' }
)
