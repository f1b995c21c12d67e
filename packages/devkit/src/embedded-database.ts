import { join } from 'node:path'
import { REPO_ROOT, type Database } from '@app/platform'
import { startEmbeddedMongo } from './embedded-mongo.js'

/**
 * The database of a run without MONGO_URL (development, tests): the embedded server,
 * H2-file-backed under `.data/` when data should survive restarts, in memory for tests.
 * Loaded by platform `resolveDatabase` only then, so a production install never needs it.
 */
export async function startEmbeddedDatabase({ persistent, log }: { persistent: boolean; log: (message: string) => void }): Promise<Database> {
  return persistent
    ? await startEmbeddedMongo({ backend: 'h2', file: join(REPO_ROOT, '.data', 'mongo.mv') }, log)
    : await startEmbeddedMongo({ backend: 'memory' }, log)
}
