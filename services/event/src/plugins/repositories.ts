import fp from 'fastify-plugin'
import { createRepositories, type Repositories } from '../repositories/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    repositories: Repositories
  }
}

export const repositoriesPlugin = fp(
  async (app) => {
    app.decorate('repositories', createRepositories(app.mongo.db))
  },
  { name: 'repositories', dependencies: ['mongo'], fastify: '5.x' }
)
