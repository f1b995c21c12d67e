// Offline embedded MongoDB for dev/tests: runs mongo-java-server (../mongo-server, built by
// ../scripts/fetch-mongo-server.mjs) as a child JVM on 127.0.0.1:<free port>, declaring MongoDB 6.0 / wire 17
// so the mongodb v7 driver accepts it. No sessions/transactions. Falls back to mongodb-memory-server
// (downloads a mongod binary: needs internet) when Java/Maven are unavailable.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EmbeddedMongo {
  url: string;
  kind: 'mongo-java-server (memory)' | 'mongo-java-server (h2)' | 'mongodb-memory-server';
  stop(): Promise<void>;
}

export type EmbeddedMongoOptions = ({ backend: 'memory' } | { backend: 'h2'; file: string }) & {
  /**
   * Bind this port instead of a free one: a server stopped and started again on the same port
   * (with the same h2 file) is what a client sees when its database restarts.
   */
  port?: number;
};

// Same relative path from src/ and from a compiled dist/ sibling.
const MONGO_SERVER_DIR = fileURLToPath(new URL('../mongo-server/', import.meta.url));
const BUILD_SCRIPT_URL = new URL('../scripts/fetch-mongo-server.mjs', import.meta.url).href;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

type BuildResult = { ok: boolean; reason?: string };
class JavaNotFound extends Error {}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

export async function startEmbeddedMongo(opts: EmbeddedMongoOptions, log?: (msg: string) => void): Promise<EmbeddedMongo> {
  const say = log ?? (() => {});
  const { ensureMongoServerBuilt } = (await import(BUILD_SCRIPT_URL)) as { ensureMongoServerBuilt: () => BuildResult };
  const built = ensureMongoServerBuilt();
  if (!built.ok) return await startFallback(opts, built.reason ?? 'unknown reason', log ?? ((m) => console.warn(m)));

  const file = opts.backend === 'h2' ? resolve(opts.file) : undefined;
  if (file) mkdirSync(dirname(file), { recursive: true });

  // freePort() is racy (someone may grab the port before the JVM binds), so retry a few times on bind errors;
  // a fixed port may still be held for a moment by the server that just stopped on it.
  for (let attempt = 1; ; attempt++) {
    if (opts.port !== undefined && attempt > 1) await new Promise((res) => setTimeout(res, 250));
    const port = opts.port ?? (await freePort());
    try {
      const t0 = Date.now();
      const mongo = await spawnJava(port, file);
      say(`embedded mongo: ${mongo.kind} on ${mongo.url} (ready in ${Date.now() - t0} ms)`);
      return mongo;
    } catch (err) {
      if (err instanceof JavaNotFound) return await startFallback(opts, err.message, log ?? ((m) => console.warn(m)));
      if (attempt >= 3 || !/BindException|Address already in use/i.test(String(err))) throw err;
    }
  }
}

async function spawnJava(port: number, file: string | undefined): Promise<EmbeddedMongo> {
  // EMBEDDED_MONGO_HEAP (e.g. 1g): a bigger heap for benchmarks that hold 100 k+ documents in memory.
  const args = [`-Xmx${process.env.EMBEDDED_MONGO_HEAP ?? '256m'}`, '-XX:+UseSerialGC', '-cp', [join('lib', '*'), 'classes'].join(delimiter), 'EmbeddedMongo'];
  args.push('--port', String(port), '--backend', file ? 'h2' : 'memory');
  if (file) args.push('--file', file);

  // stdin stays open for the child's lifetime: when this process dies (even SIGKILL) the JVM sees EOF and exits.
  const child = spawn('java', args, { cwd: MONGO_SERVER_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const onProcessExit = (): void => {
    // Only synchronous work is possible here; SIGTERM lets the JVM close the H2 store.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onProcessExit);
  child.once('exit', () => process.off('exit', onProcessExit));

  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 20_000) stderr += d;
  });
  child.stdin.on('error', () => {}); // EPIPE if the child dies first

  await new Promise<void>((res, reject) => {
    let stdout = '';
    const fail = (why: string): void => {
      cleanup();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`mongo-java-server did not start on port ${port}: ${why}${stderr ? `\nstderr:\n${stderr.trim()}` : ''}`));
    };
    const onData = (d: string): void => {
      stdout += d;
      if (new RegExp(`^READY ${port}$`, 'm').test(stdout)) {
        cleanup();
        res();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      // give stderr a tick to drain before reporting
      void setImmediate(() => fail(`java exited early (${code ?? signal})`));
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'ENOENT') return fail(`could not run java: ${err.message}`);
      cleanup();
      reject(new JavaNotFound('java not found on PATH (install Java 17+)'));
    };
    const timer = setTimeout(() => fail(`no READY line within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  child.stdout.resume(); // keep draining

  // Don't let the child (or its pipes) keep this process alive; the 'exit' hook / stdin EOF take it down.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();

  let stopping: Promise<void> | undefined;
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    kind: file ? 'mongo-java-server (h2)' : 'mongo-java-server (memory)',
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

interface MongoMemoryServerLike {
  getUri(): string;
  stop(opts?: { doCleanup?: boolean; force?: boolean }): Promise<unknown>;
}
interface MongoMemoryServerModule {
  MongoMemoryServer: { create(opts?: { instance?: { dbPath?: string; storageEngine?: string; port?: number } }): Promise<MongoMemoryServerLike> };
}

async function startFallback(opts: EmbeddedMongoOptions, reason: string, log: (msg: string) => void): Promise<EmbeddedMongo> {
  log(`embedded mongo: mongo-java-server unavailable (${reason}); falling back to mongodb-memory-server, which downloads a mongod binary and needs internet`);
  let mod: MongoMemoryServerModule;
  try {
    const specifier = 'mongodb-memory-server-core'; // no install-time download; fetches mongod on first use
    mod = (await import(specifier)) as MongoMemoryServerModule;
  } catch {
    throw new Error(
      `No embedded MongoDB available: mongo-java-server could not be used (${reason}) and mongodb-memory-server is not installed. ` +
        'Install Java 17 + Maven (then run `node packages/devkit/scripts/fetch-mongo-server.mjs`), or set MONGO_URL to a running MongoDB.',
    );
  }
  let dbPath: string | undefined;
  if (opts.backend === 'h2') {
    dbPath = `${resolve(opts.file)}.mongod`; // persistent data dir next to where the H2 file would be
    mkdirSync(dbPath, { recursive: true });
  }
  const instance = {
    ...(dbPath ? { dbPath, storageEngine: 'wiredTiger' } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  };
  const server = await mod.MongoMemoryServer.create(Object.keys(instance).length > 0 ? { instance } : undefined);
  let stopping: Promise<void> | undefined;
  return {
    url: server.getUri(),
    kind: 'mongodb-memory-server',
    stop: () => (stopping ??= server.stop({ doCleanup: !dbPath }).then(() => undefined)),
  };
}
