/**
 * The references every run measures beside the system: a bare Fastify server answering the
 * same event-list bytes, and a bare @fastify/http-proxy in front of it. Nothing can serve the
 * read faster on this machine, so each read figure is also reported as a share of its limit:
 * the direct list of the bare server, the list through the gateway of the bare proxy chain.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '@app/platform'

export interface References {
  /** The bare server's list URL (GET /event). */
  bareServer: string
  /** The same through the bare proxy (GET /event-gateway/event). */
  bareProxy: string
  pids: { bareServer: number; bareProxy: number }
  stop(): Promise<void>
}

function startReference(script: string, env: NodeJS.ProcessEnv): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'references', script)], {
    cwd: join(REPO_ROOT, 'bench'),
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise((resolveStart, rejectStart) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = output.match(/listening (\d+)/)
      if (match) resolveStart({ port: Number(match[1]), child })
    })
    child.once('exit', (code) => rejectStart(new Error(`${script} exited (${code}) before listening`)))
  })
}

/** Starts both, answering `body` (the bytes the real event list returned). */
export async function startReferences(body: Buffer): Promise<References> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-ref-')), 'event-list.json')
  writeFileSync(file, body)
  const server = await startReference('bare-server.mjs', { BENCH_BODY_FILE: file })
  const proxy = await startReference('bare-proxy.mjs', { UPSTREAM: `http://127.0.0.1:${server.port}` })
  const stopped = (child: ChildProcess) =>
    new Promise<void>((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop()
      child.removeAllListeners('exit')
      child.once('exit', () => resolveStop())
      child.kill('SIGTERM')
    })
  return {
    bareServer: `http://127.0.0.1:${server.port}/event`,
    bareProxy: `http://127.0.0.1:${proxy.port}/event-gateway/event`,
    pids: { bareServer: server.child.pid!, bareProxy: proxy.child.pid! },
    stop: async () => {
      await stopped(proxy.child)
      await stopped(server.child)
    }
  }
}
