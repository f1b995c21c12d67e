import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { RefreshBody } from '@app/contracts'
import { unauthorized } from '@app/platform'
import { accountDisabled } from '../plugins/tokens.js'
import { loginSchema, logoutSchema, refreshSchema } from '../schemas/sessions.js'

/** From the body, else from `Authorization: Bearer` (the Swagger "Authorize" flow). */
function presentedRefreshToken(request: FastifyRequest, body: RefreshBody | undefined): string {
  if (body?.refreshToken) return body.refreshToken
  const [scheme, token, ...rest] = request.headers.authorization?.split(' ') ?? []
  if (scheme?.toLowerCase() === 'bearer' && token && rest.length === 0) return token
  throw unauthorized('Send the refresh token as {"refreshToken": "…"} or Authorization: Bearer <refreshToken>', 'MISSING_REFRESH_TOKEN')
}

/** A POST with no body at all (token in the header only) validates as `{}`. */
async function absentBodyAsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

export const sessionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.repositories
  const { loginThrottle, passwords, tokens } = app

  app.post('/auth/login', { schema: loginSchema, config: { rateLimit: loginThrottle.perClient } }, async (request) => {
    const { email, password } = request.body
    await loginThrottle.admit(email, request.ip)
    const user = await users.findByEmail(email)
    const verified = await passwords.verify(user?.passwordHash, password)
    if (!user || !verified) {
      await loginThrottle.recordFailure(email)
      throw unauthorized('Invalid email or password', 'INVALID_CREDENTIALS')
    }
    await loginThrottle.recordSuccess(email, request.ip)
    // Said only to someone who proved the password: it reveals nothing to a guesser.
    if (user.disabled) throw accountDisabled()
    return tokens.openSession(user)
  })

  app.post('/auth/refresh', { schema: refreshSchema, preValidation: absentBodyAsEmpty }, async (request) =>
    tokens.rotate(presentedRefreshToken(request, request.body))
  )

  app.post('/auth/logout', { schema: logoutSchema, preValidation: absentBodyAsEmpty }, async (request) => ({
    revoked: await tokens.endSession(presentedRefreshToken(request, request.body))
  }))
}
