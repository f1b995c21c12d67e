#!/usr/bin/env node
// Builds the offline MongoDB stand-in in ../mongo-server (mongo-java-server + EmbeddedMongo.java):
//   mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib   (jars -> lib/)
//   javac -cp 'lib/*' -d classes EmbeddedMongo.java                (launcher -> classes/)
// Runs from npm postinstall, so as a CLI it never fails (exit 0, warning on stderr) and is silent on success.
// Also exported: ensureMongoServerBuilt() -> { ok, reason? } (synchronous), used by src/embedded-mongo.ts.
// Plain Node ESM, no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MONGO_SERVER_DIR = fileURLToPath(new URL('../mongo-server/', import.meta.url));

const POM = join(MONGO_SERVER_DIR, 'pom.xml');
const SRC = join(MONGO_SERVER_DIR, 'EmbeddedMongo.java');
const LIB = join(MONGO_SERVER_DIR, 'lib');
const LIB_STAMP = join(LIB, '.complete'); // written after a successful copy-dependencies
const CLASSES = join(MONGO_SERVER_DIR, 'classes');
const CLASS_FILE = join(CLASSES, 'EmbeddedMongo.class');
const LOCK = join(MONGO_SERVER_DIR, '.build-lock');
const IS_WIN = process.platform === 'win32';

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};

function libUpToDate() {
  if (mtime(LIB_STAMP) < mtime(POM)) return false;
  try {
    return readdirSync(LIB).some((f) => /^mongo-java-server-core-.*\.jar$/.test(f));
  } catch {
    return false;
  }
}

const classesUpToDate = () => mtime(CLASS_FILE) >= mtime(SRC);

/** True when `cmd` can be executed (`cmd -version` / `--version` exits, whatever its code). */
function hasCommand(cmd, arg = '-version') {
  const r = spawnSync(cmd, [arg], { stdio: 'ignore', shell: IS_WIN, timeout: 60_000 });
  return !r.error && r.status !== null && (IS_WIN ? r.status === 0 : true);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: MONGO_SERVER_DIR, encoding: 'utf8', shell: IS_WIN, timeout: 600_000 });
  if (r.error) return `${cmd} failed to start: ${r.error.message}`;
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
    return `${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${out.split('\n').slice(-30).join('\n')}`;
  }
  return null;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Cross-process lock (mkdir is atomic) so parallel test runs / installs don't build into lib/ at once. */
function withLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (Date.now() - mtime(LOCK) > 10 * 60_000) rmSync(LOCK, { recursive: true, force: true }); // stale
      else if (Date.now() > deadline) return { ok: false, reason: `timed out waiting for build lock ${LOCK}` };
      else sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Make sure mongo-server/lib/*.jar and mongo-server/classes/EmbeddedMongo.class exist and are current.
 * Synchronous; never throws. @returns {{ ok: boolean, reason?: string }}
 */
export function ensureMongoServerBuilt() {
  try {
    if (libUpToDate() && classesUpToDate()) return { ok: true };
    if (!hasCommand('java')) return { ok: false, reason: 'java not found on PATH (install Java 17+)' };
    return withLock(() => {
      // re-check: another process may have built it while we waited for the lock
      if (!libUpToDate()) {
        if (!hasCommand('mvn', '-v')) return { ok: false, reason: 'mvn not found on PATH (install Maven 3.8+)' };
        rmSync(LIB, { recursive: true, force: true });
        const err = run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib']);
        if (err) return { ok: false, reason: err };
        writeFileSync(LIB_STAMP, `${new Date().toISOString()}\n`);
      }
      if (!classesUpToDate()) {
        if (!hasCommand('javac')) return { ok: false, reason: 'javac not found on PATH (install a JDK 17+, not just a JRE)' };
        rmSync(CLASSES, { recursive: true, force: true });
        const err = run('javac', ['-cp', join('lib', '*'), '-d', 'classes', 'EmbeddedMongo.java']);
        if (err) return { ok: false, reason: err };
      }
      return existsSync(CLASS_FILE) ? { ok: true } : { ok: false, reason: `${CLASS_FILE} missing after build` };
    });
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

const isMain = (() => {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return process.argv[1] != null && pathToFileURL(process.argv[1]).href === import.meta.url;
  }
})();

if (isMain) {
  const res = ensureMongoServerBuilt();
  if (!res.ok) {
    console.warn(
      `[fetch-mongo-server] note: embedded MongoDB (mongo-java-server) not built: ${res.reason}\n` +
        '[fetch-mongo-server] tests/dev will fall back to mongodb-memory-server (needs internet) or MONGO_URL.',
    );
  }
  process.exitCode = 0;
}
