/**
 * With NODE_ENV=production a service refuses what only development may leave unset — the
 * database (auth, event) and the signing key (auth) — with one line naming each and a non-zero
 * exit, before it starts anything (no embedded database, no generated key). The real server
 * entry points are spawned, as a container would run them.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { REPO_ROOT } from '@app/platform'

const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
/** A working directory with no .env above it, so nothing but `env` configures the process. */
const EMPTY_DIR = mkdtempSync(join(tmpdir(), 'production-refusals-'))

async function runServer(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--conditions=@app/source', '--import', TSX_LOADER, join(REPO_ROOT, dir, 'src', 'server.ts')], {
    cwd: EMPTY_DIR,
    // Ports 0: were the refusal missing, the server would bind somewhere harmless (and the test fail on the exit code).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', AUTH_PORT: '0', AUTH_ADMIN_PORT: '0', EVENT_PORT: '0', EVENT_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)))
  clearTimeout(killer)
  return { code, stdout, stderr, ms: performance.now() - started }
}

const MONGO_LINE = 'NODE_ENV=production requires MONGO_URL: production never starts an embedded database'
const KEY_LINE = /^NODE_ENV=production requires JWT_PRIVATE_KEY: /m

test('event: production without MONGO_URL exits 78 with one line, starting no database', async () => {
  const run = await runServer('services/event', {})
  assert.equal(run.code, 78, run.stderr)
  assert.deepEqual(run.stderr.trim().split('\n'), [MONGO_LINE])
  assert.doesNotMatch(run.stdout, /embedded mongo/)
})

test('auth: production without MONGO_URL and JWT_PRIVATE_KEY names both, one line each', async () => {
  const run = await runServer('services/auth', {})
  assert.equal(run.code, 78, run.stderr)
  const lines = run.stderr.trim().split('\n')
  assert.equal(lines.length, 2, run.stderr)
  assert.equal(lines[0], MONGO_LINE)
  assert.match(lines[1] ?? '', KEY_LINE)
})

test('auth: production with a database but no JWT_PRIVATE_KEY refuses to sign with a generated key', async () => {
  const run = await runServer('services/auth', { MONGO_URL: 'mongodb://127.0.0.1:9/' })
  assert.equal(run.code, 78, run.stderr)
  assert.match(run.stderr.trim(), KEY_LINE)
  assert.equal(run.stderr.trim().split('\n').length, 1)
})

test('outside production the same configuration is fine (the refusal is production\'s alone)', async () => {
  const { assertProductionReady, PRODUCTION_NEEDS_MONGO } = await import('@app/platform')
  assert.doesNotThrow(() => assertProductionReady({ NODE_ENV: 'development' }, PRODUCTION_NEEDS_MONGO))
  assert.throws(() => assertProductionReady({ NODE_ENV: 'production', MONGO_URL: '' }, PRODUCTION_NEEDS_MONGO), /MONGO_URL/)
})
