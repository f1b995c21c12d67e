import fp from 'fastify-plugin'
import { createCatalog, type Catalog } from '../catalog/catalog.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Events and bundles as readers see them (cached; see `catalog/catalog.ts`). Claims and writes use the repositories. */
    catalog: Catalog
  }
}

export interface CatalogPluginOptions {
  checkIntervalMs: number
  maxEvents: number
  renderedPages: number
}

export const catalogPlugin = fp<CatalogPluginOptions>(
  async (app, { checkIntervalMs, maxEvents, renderedPages }) => {
    const { events, rewards } = app.repositories
    app.decorate('catalog', createCatalog({ events, rewards, db: app.mongo.db, clock: app.clock, checkIntervalMs, maxEvents, renderedPages }))
  },
  { name: 'catalog', dependencies: ['repositories', 'clock'], fastify: '5.x' }
)
