/**
 * `npm start` supervises (SPEC v2, Operations): the real start script (scripts/start.ts) runs
 * the system on free ports against the embedded test database; the event service is SIGKILLed
 * and must be back within seconds, the gateway answering 503 meanwhile and nothing else
 * restarted; killed five times in a row it makes the script stop everything with a message.
 * Ctrl-C (SIGINT) stops everything.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, describe, test } from 'node:test'
import { randomBytes } from 'node:crypto'
import { freePort } from '@app/devkit'
import { REPO_ROOT } from '@app/platform'
import { startTestMongo, type TestMongo } from '@app/devkit/testkit'
import { ADMIN } from './helpers.js'

const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms))

let mongo: TestMongo | undefined
after(() => mongo?.stop())

interface StartRun {
  child: ChildProcess
  output: () => string
  /** The pid of each service's last "ready" line. */
  pids: () => Map<string, number>
  /** How many times each service has become ready. */
  readyCount: (name: string) => number
  gatewayUrl: string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  exited: Promise<number | null>
}

async function runStart(): Promise<StartRun> {
  mongo ??= await startTestMongo()
  const suffix = randomBytes(3).toString('hex')
  const ports: Record<string, string> = {}
  for (const variable of ['AUTH_PORT', 'AUTH_ADMIN_PORT', 'EVENT_PORT', 'EVENT_ADMIN_PORT', 'GATEWAY_PORT', 'ADMIN_PORT']) ports[variable] = String(await freePort())
  const child = spawn(process.execPath, ['--conditions=@app/source', '--import', TSX_LOADER, join(REPO_ROOT, 'scripts', 'start.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...ports,
      MONGO_URL: mongo.url,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      AUTH_DB_NAME: `start_auth_${suffix}`,
      EVENT_DB_NAME: `start_event_${suffix}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_MAX: '100000',
      // The gateway's breaker opens while the event service is down; a short reset lets its
      // first trial after the restart close it, so the gateway's recovery shows the restart's.
      BREAKER_RESET_TIMEOUT_MS: '1000'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: string) => {
    output += chunk
    for (const listener of listeners) listener()
  }
  child.stdout!.setEncoding('utf8').on('data', onData)
  child.stderr!.setEncoding('utf8').on('data', onData)
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))
  const readyLines = () => [...output.matchAll(/^\[start\] (\w+) ready on \S+ \(pid (\d+)\)$/gm)]
  const run: StartRun = {
    child,
    output: () => output,
    pids: () => new Map(readyLines().map((match) => [match[1]!, Number(match[2])])),
    readyCount: (name) => readyLines().filter((match) => match[1] === name).length,
    gatewayUrl: `http://127.0.0.1:${ports.GATEWAY_PORT}`,
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise<void>((resolveWait, reject) => {
        const check = () => {
          if (!pattern.test(output)) return
          listeners.delete(check)
          clearTimeout(timer)
          resolveWait()
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s; output:\n${output.slice(-3000)}`))
        }, timeoutMs)
        listeners.add(check)
        check()
      }),
    exited
  }
  await run.waitFor(/^\[start\] all up/m)
  return run
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function adminToken(gatewayUrl: string): Promise<string> {
  const reply = await fetch(`${gatewayUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
  assert.equal(reply.status, 200)
  return ((await reply.json()) as { accessToken: string }).accessToken
}

describe('npm start supervises the services', () => {
  test('a killed event service is back within seconds, the gateway says 503 meanwhile, nothing else restarts; five crashes in a row stop everything', { timeout: 240_000 }, async () => {
    const run = await runStart()
    try {
      const first = run.pids()
      const token = await adminToken(run.gatewayUrl)
      const listEvents = async () => {
        const reply = await fetch(`${run.gatewayUrl}/event-gateway/event`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) })
        await reply.arrayBuffer()
        return reply.status
      }
      assert.equal(await listEvents(), 200)

      process.kill(first.get('event')!, 'SIGKILL')
      const killedAt = performance.now()
      let restartedInMs = Number.NaN
      const restarted = (async () => {
        while (run.readyCount('event') < 2 && performance.now() - killedAt < 60_000) await sleep(20)
        restartedInMs = performance.now() - killedAt
      })()
      const seen = new Map<number, number>()
      let backInMs = Number.NaN
      while (performance.now() - killedAt < 30_000) {
        const status = await listEvents()
        seen.set(status, (seen.get(status) ?? 0) + 1)
        if (status === 200 && seen.has(503)) {
          backInMs = performance.now() - killedAt
          break
        }
        await sleep(50)
      }
      await restarted
      console.log(
        `[supervision] event ready again ${(restartedInMs / 1000).toFixed(2)} s after SIGKILL, served through the gateway after ` +
          `${(backInMs / 1000).toFixed(2)} s; gateway answers meanwhile: ${JSON.stringify(Object.fromEntries(seen))}`
      )
      assert.ok(seen.get(503)! > 0, 'the gateway answered 503 while the event service was down')
      assert.deepEqual([...seen.keys()].filter((status) => status !== 200 && status !== 503), [], 'nothing but 503 while down')
      assert.ok(backInMs < 15_000, `back within 15 s (backoff 1 s + start-up), took ${backInMs} ms`)
      assert.match(run.output(), /^\[start\] event exited \(SIGKILL\); restarting it in 1 s$/m)
      const second = run.pids()
      assert.notEqual(second.get('event'), first.get('event'), 'a new event process')
      for (const name of ['auth', 'gateway']) {
        assert.equal(run.readyCount(name), 1, `${name} was not restarted`)
        assert.ok(alive(first.get(name)!), `${name} still runs as pid ${first.get(name)}`)
      }

      // Four more crashes, each as soon as the restarted process is up: 5 within the minute.
      for (let crash = 2; crash <= 5; crash++) {
        await run.waitFor(new RegExp(`^\\[start\\] event ready on \\S+ \\(pid \\d+\\)$`, 'm'))
        const readyBefore = run.readyCount('event')
        assert.equal(readyBefore, crash, `event became ready for the ${crash}th time`)
        process.kill(run.pids().get('event')!, 'SIGKILL')
        if (crash < 5) {
          await run.waitFor(new RegExp(`restarting it in ${2 ** (crash - 1)} s$`, 'm'))
          const deadline = performance.now() + 60_000
          while (run.readyCount('event') === readyBefore && performance.now() < deadline) await sleep(50)
        }
      }
      const code = await Promise.race([run.exited, sleep(30_000).then(() => 'still running')])
      assert.equal(code, 1, run.output().slice(-2000))
      assert.match(run.output(), /^\[start\] event exited \(SIGKILL\): it crashed 5 times within 60 s; giving up and stopping everything$/m)
      for (const [name, pid] of run.pids()) assert.ok(!alive(pid), `${name} (pid ${pid}) was stopped`)
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL')
    }
  })

  test('Ctrl-C stops every service and the script', { timeout: 120_000 }, async () => {
    const run = await runStart()
    const pids = run.pids()
    assert.deepEqual([...pids.keys()].sort(), ['auth', 'event', 'gateway'])
    run.child.kill('SIGINT')
    const code = await Promise.race([run.exited, sleep(30_000).then(() => 'still running')])
    assert.equal(code, 0, run.output().slice(-2000))
    for (const [name, pid] of pids) assert.ok(!alive(pid), `${name} (pid ${pid}) was stopped`)
    assert.doesNotMatch(run.output(), /restarting/, 'a stop is not a crash')
  })
})
