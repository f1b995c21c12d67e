import fp from 'fastify-plugin'
import { MongoClient, type Db, type IndexDescription } from 'mongodb'

declare module 'fastify' {
  interface FastifyInstance {
    mongo: { client: MongoClient; db: Db }
  }
}

/** Index specs per collection; each repository factory exports its own. */
export type IndexPlan = Readonly<Record<string, readonly IndexDescription[]>>
/** Names of indexes an earlier version created and this one must not keep, per collection. */
export type RetiredIndexes = Readonly<Record<string, readonly string[]>>

export interface MongoPluginOptions {
  url: string
  dbName: string
  indexes?: IndexPlan
  retiredIndexes?: RetiredIndexes
  /** Data migrations, run in order before the indexes are ensured (see `runMigrations`). */
  migrations?: readonly Migration[]
  /** The driver emits `commandStarted` & co. on the client (tests count round trips with it); off by default: it costs. */
  monitorCommands?: boolean
}

/**
 * Brings data written by an earlier version up to date. `up` must be idempotent and safe to run
 * twice at once (two instances starting together both run it); its result is recorded.
 */
export interface Migration {
  name: string
  up(db: Db): Promise<Record<string, unknown>>
}

export interface MigrationRecord {
  _id: string
  completedAt: Date
  result: Record<string, unknown>
}

/**
 * Runs each migration not yet recorded in the `migrations` collection, then records it, so a
 * start after that skips it (no scan of a large collection at every start). Before the indexes:
 * a new unique index may need the fields a migration fills in. Returns the ones that ran.
 */
export async function runMigrations(db: Db, migrations: readonly Migration[]): Promise<MigrationRecord[]> {
  const records = db.collection<MigrationRecord>('migrations')
  const ran: MigrationRecord[] = []
  for (const migration of migrations) {
    if (await records.findOne({ _id: migration.name })) continue
    const record = { _id: migration.name, completedAt: new Date(), result: await migration.up(db) }
    try {
      await records.updateOne({ _id: record._id }, { $setOnInsert: record }, { upsert: true })
    } catch (error) {
      // Another instance recorded it at the same moment.
      if (!isDuplicateKeyError(error)) throw error
    }
    ran.push(record)
  }
  return ran
}

/** Server error codes: no such index / collection; an index of that name exists with other options. */
const INDEX_NOT_FOUND = 27
const NAMESPACE_NOT_FOUND = 26
const INDEX_OPTIONS_CONFLICT = 85

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code

/**
 * Creates the plan, then drops retired indexes. Both are idempotent, so this runs safely at every
 * start of every instance. An index whose only change is its TTL (`expireAfterSeconds`, say a new
 * retention setting) is changed in place with `collMod`; any other change to an existing index
 * stops the start with its name, since silently dropping a unique index would open a window
 * without the guarantee it gives.
 */
export async function ensureIndexes(db: Db, plan: IndexPlan, retired: RetiredIndexes = {}): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    for (const index of indexes) {
      try {
        await db.collection(collection).createIndexes([index])
      } catch (error) {
        if (codeOf(error) !== INDEX_OPTIONS_CONFLICT || index.expireAfterSeconds === undefined) {
          throw new Error(`Index ${collection}.${index.name ?? JSON.stringify(index.key)} exists with other options: ${(error as Error).message}`)
        }
        await db.command({ collMod: collection, index: { name: index.name, expireAfterSeconds: index.expireAfterSeconds } })
      }
    }
  }
  // Only once their replacements exist, so no moment goes without the guarantee they gave.
  for (const [collection, names] of Object.entries(retired)) {
    for (const name of names) {
      try {
        await db.collection(collection).dropIndex(name)
      } catch (error) {
        if (codeOf(error) !== INDEX_NOT_FOUND && codeOf(error) !== NAMESPACE_NOT_FOUND) throw error
      }
    }
  }
}

export function createMongoClient(url: string, { monitorCommands = false }: { monitorCommands?: boolean } = {}): MongoClient {
  return new MongoClient(url, {
    monitorCommands,
    // Fail fast: a request waiting 30 s for a dead database helps nobody; callers get a 503.
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
    maxPoolSize: 50,
    appName: 'event-reward-platform'
  })
}

export const mongoPlugin = fp<MongoPluginOptions>(
  async (app, { url, dbName, indexes = {}, retiredIndexes = {}, migrations = [], monitorCommands }) => {
    const client = createMongoClient(url, { monitorCommands })
    await client.connect()
    const db = client.db(dbName)
    try {
      for (const { _id, result } of await runMigrations(db, migrations)) app.log.info({ migration: _id, result }, 'migration ran')
      await ensureIndexes(db, indexes, retiredIndexes)
    } catch (error) {
      await client.close()
      throw error
    }
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

/** The text with every regex special escaped, so a `$regex` built from user input matches it literally. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
