import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmbeddedMongo } from './embedded-mongo.js'

export interface Database {
  url: string
  /** Which server this is, for logs and benchmark labels. */
  kind: string
  stop(): Promise<void>
}

/** The repository root (where `.data/` lives), found from this file in src/ or dist/. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/**
 * The rule everywhere: `MONGO_URL` set → use it; otherwise start the embedded server —
 * H2-file-backed under `.data/` when data should survive restarts, in memory for tests.
 */
export async function resolveDatabase(
  mongoUrl: string | undefined,
  { persistent, log = console.log }: { persistent: boolean; log?: (message: string) => void }
): Promise<Database> {
  if (mongoUrl) return { url: mongoUrl, kind: 'external MongoDB (MONGO_URL)', stop: async () => {} }
  const embedded = persistent
    ? await startEmbeddedMongo({ backend: 'h2', file: join(REPO_ROOT, '.data', 'mongo.mv') }, log)
    : await startEmbeddedMongo({ backend: 'memory' }, log)
  return embedded
}
