import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Database {
  url: string
  /** Which server this is, for logs and benchmark labels. */
  kind: string
  stop(): Promise<void>
}

/** The repository root (where `.data/` lives), found from this file in src/ or dist/. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Development tooling, loaded only when a run has no MONGO_URL; production images do not have it. */
const DEVKIT = '@app/devkit'
interface Devkit {
  startEmbeddedDatabase(options: { persistent: boolean; log: (message: string) => void }): Promise<Database>
}

/**
 * The rule everywhere: `MONGO_URL` set → use it; otherwise (never in production: the services
 * refuse that at start-up) start the embedded server from `@app/devkit` — H2-file-backed under
 * `.data/` when data should survive restarts, in memory for tests. The runtime does not depend
 * on the devkit: it is imported here, on that path alone.
 */
export async function resolveDatabase(
  mongoUrl: string | undefined,
  { persistent, log = console.log }: { persistent: boolean; log?: (message: string) => void }
): Promise<Database> {
  if (mongoUrl) return { url: mongoUrl, kind: 'external MongoDB (MONGO_URL)', stop: async () => {} }
  let devkit: Devkit
  try {
    devkit = (await import(DEVKIT)) as Devkit
  } catch {
    throw new Error('MONGO_URL is not set and the embedded database (@app/devkit, development only) is not installed: set MONGO_URL')
  }
  return devkit.startEmbeddedDatabase({ persistent, log })
}
