import fp from 'fastify-plugin'
import { createUserRepository, type UserRepository } from '../repositories/users.js'
import { createSessionRepository, type SessionRepository } from '../repositories/sessions.js'
import { createRefreshTokenRepository, type RefreshTokenRepository } from '../repositories/refresh-tokens.js'
import { createLoginFailureRepository, type LoginFailureRepository } from '../repositories/login-failures.js'
import { createRevocationRepository, type RevocationRepository } from '../repositories/revocations.js'
import { createAuditLogRepository, type AuditLogRepository } from '@app/platform'

declare module 'fastify' {
  interface FastifyInstance {
    repositories: {
      users: UserRepository
      sessions: SessionRepository
      refreshTokens: RefreshTokenRepository
      loginFailures: LoginFailureRepository
      revocations: RevocationRepository
      auditLog: AuditLogRepository
    }
  }
}

export const repositoriesPlugin = fp(
  async (app) => {
    const { db } = app.mongo
    app.decorate('repositories', {
      users: createUserRepository(db),
      sessions: createSessionRepository(db),
      refreshTokens: createRefreshTokenRepository(db),
      loginFailures: createLoginFailureRepository(db),
      revocations: createRevocationRepository(db),
      auditLog: createAuditLogRepository(db)
    })
  },
  { name: 'repositories', dependencies: ['mongo'], fastify: '5.x' }
)
