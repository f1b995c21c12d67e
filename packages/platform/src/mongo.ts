import fp from 'fastify-plugin'
import { MongoClient, type Db, type IndexDescription } from 'mongodb'

declare module 'fastify' {
  interface FastifyInstance {
    mongo: { client: MongoClient; db: Db }
  }
}

/** Index specs per collection; each repository factory exports its own. */
export type IndexPlan = Readonly<Record<string, readonly IndexDescription[]>>

export interface MongoPluginOptions {
  url: string
  dbName: string
  indexes?: IndexPlan
}

/** createIndexes is idempotent for identical specs, so this runs safely at every start. */
export async function ensureIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    if (indexes.length > 0) await db.collection(collection).createIndexes([...indexes])
  }
}

export function createMongoClient(url: string): MongoClient {
  return new MongoClient(url, {
    // Fail fast: a request waiting 30 s for a dead database helps nobody; callers get a 503.
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
    maxPoolSize: 50,
    appName: 'event-reward-platform'
  })
}

export const mongoPlugin = fp<MongoPluginOptions>(
  async (app, { url, dbName, indexes = {} }) => {
    const client = createMongoClient(url)
    await client.connect()
    const db = client.db(dbName)
    await ensureIndexes(db, indexes)
    app.decorate('mongo', { client, db })
    app.addHook('onClose', async () => client.close())
  },
  { name: 'mongo', fastify: '5.x' }
)

const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError'
])
/** Errors that mean "the database is unreachable right now" (→ 503), not "your request is bad". */
export const isDatabaseUnavailable = (error: unknown) => error instanceof Error && UNAVAILABLE_ERRORS.has(error.name)

export const isDuplicateKeyError = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000
