import { createHash, randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import { createSigner } from 'fast-jwt'
import type { ObjectId } from 'mongodb'
import { TOKEN_TYPE_ACCESS, type TokenPair } from '@app/contracts'
import { unauthorized } from '@app/platform'
import type { SigningKey } from '../signing-key.js'
import type { UserDocument } from '../repositories/users.js'

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
}

/** 256 bits from the CSPRNG: unguessable, so a plain SHA-256 (no salt, no KDF) is enough to store it. */
const REFRESH_TOKEN_BYTES = 32
const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('base64url')
const invalidRefreshToken = () => unauthorized('Invalid, expired or revoked refresh token', 'INVALID_REFRESH_TOKEN')

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

    async function issuePair(user: UserDocument, sessionId: ObjectId, expiresAt: Date): Promise<TokenPair> {
      const refreshToken = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url')
      await refreshTokens.insert({ tokenHash: hashRefreshToken(refreshToken), sessionId, expiresAt })
      return {
        accessToken: signAccessToken({ sub: user._id.toHexString(), roles: user.roles, sid: sessionId.toHexString(), typ: TOKEN_TYPE_ACCESS }),
        refreshToken,
        expiresIn: options.accessTokenTtlSeconds,
        tokenType: 'Bearer'
      }
    }

    /** RFC 9700 §4.14.2: a rotated token shown again means it leaked; the whole family dies. */
    async function revokeFamilyOnReuse(sessionId: ObjectId): Promise<never> {
      if (await sessions.revoke(sessionId, 'reuse')) {
        app.log.warn({ sessionId: sessionId.toHexString() }, 'refresh token reused: session revoked')
      }
      throw invalidRefreshToken()
    }

    app.decorate('tokens', {
      async openSession(user) {
        const expiresAt = new Date(Date.now() + refreshTtlMs)
        const session = await sessions.open(user._id, expiresAt)
        return issuePair(user, session._id, expiresAt)
      },

      async rotate(refreshToken) {
        const now = new Date()
        const tokenHash = hashRefreshToken(refreshToken)
        const presented = await refreshTokens.findByHash(tokenHash)
        if (!presented || presented.expiresAt <= now) throw invalidRefreshToken()
        if (presented.usedAt) return revokeFamilyOnReuse(presented.sessionId)
        // The session is checked before the token is consumed: the rotation that wins a race
        // must not be refused because the losers (reuses) revoked the family meanwhile.
        const session = await sessions.findActive(presented.sessionId, now)
        const user = session && (await users.findById(session.userId))
        if (!session || !user) throw invalidRefreshToken()
        if (!(await refreshTokens.consume(tokenHash, now))) return revokeFamilyOnReuse(presented.sessionId)
        const expiresAt = new Date(now.getTime() + refreshTtlMs)
        await sessions.extend(session._id, expiresAt)
        return issuePair(user, session._id, expiresAt)
      },

      async endSession(refreshToken) {
        const presented = await refreshTokens.findByHash(hashRefreshToken(refreshToken))
        if (!presented || presented.expiresAt <= new Date()) throw invalidRefreshToken()
        return sessions.revoke(presented.sessionId, 'logout')
      }
    } satisfies TokenService)
  },
  { name: 'tokens', dependencies: ['repositories'], fastify: '5.x' }
)
