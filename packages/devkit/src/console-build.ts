/**
 * The operator console must be built before a gateway can serve it (`npm start`, the browser
 * tests). Built when console/dist is missing or older than anything it is built from: its
 * source and the typed client it bundles. A fresh clone builds once; an edit builds again.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@app/platform'

/** What the build reads (relative to the repository). */
const CONSOLE_INPUTS = ['console/src', 'console/public', 'console/index.html', 'console/vite.config.ts', 'console/package.json', 'packages/client/src']

/** The newest file under `path` (files only: a checkout gives directories the time of the checkout). */
function newestChange(path: string): number {
  if (!existsSync(path)) return 0
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), 0)
}

/** Why the console needs building, or null when console/dist is up to date. */
export function consoleBuildNeeded(root = REPO_ROOT): string | null {
  const index = join(root, 'console', 'dist', 'index.html')
  if (!existsSync(index)) return 'console/dist is missing'
  const builtAt = statSync(index).mtimeMs
  const changed = CONSOLE_INPUTS.find((input) => newestChange(join(root, input)) > builtAt)
  return changed ? `${changed} changed since the last build` : null
}

/** Builds the console (Vite, `npm run build --workspace=@app/console`) if it needs it. */
export async function ensureConsoleBuilt({ log = () => {}, stdio = 'ignore' }: { log?: (line: string) => void; stdio?: 'inherit' | 'ignore' } = {}): Promise<void> {
  const reason = consoleBuildNeeded()
  if (!reason) return
  log(`building the operator console (${reason})…`)
  const code = await new Promise<number | null>((resolveBuild, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const child = spawn(npm, ['run', 'build', '--workspace=@app/console'], { cwd: REPO_ROOT, stdio: ['ignore', stdio, stdio] })
    child.once('error', reject)
    child.once('exit', resolveBuild)
  })
  if (code !== 0) throw new Error(`building the operator console failed (exit ${code}): run \`npm run build --workspace=@app/console\` to see why`)
  log('operator console built')
}
