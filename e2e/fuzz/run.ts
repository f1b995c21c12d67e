/**
 * `npm run fuzz`: schemathesis against the gateway's combined OpenAPI document, on the real
 * processes, once per role with that role's access token. Every operation gets generated and
 * mutated requests (valid and invalid), and each reply is checked for
 *   - not_a_server_error: no 5xx,
 *   - status_code_conformance: the status is one the operation documents,
 *   - response_schema_conformance: the body matches the schema documented for that status
 *     (errors included: they are documented as the application/problem+json they are).
 * Afterwards the gateway must still answer /health and /ready. Prints one line per role and a
 * summary; exits non-zero on any failure.
 *
 * Needs the `schemathesis` CLI (pip install -r e2e/fuzz/requirements.txt), or its path in
 * SCHEMATHESIS. FUZZ_EXAMPLES (default 30) sets schemathesis' --max-examples per operation and
 * phase; FUZZ_SEED makes a run repeatable (each run prints the seed it used).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// Generous limits: the fuzzer is one client sending thousands of requests and logins.
import { ADMIN, UNTHROTTLED, client, startE2eSystem } from '../test/helpers.js'

const ROLES = ['USER', 'OPERATOR', 'AUDITOR', 'ADMIN', 'SERVICE', 'DELIVERY'] as const
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'response_schema_conformance']
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 30)
const SEED = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 47))
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? 'schemathesis'

interface RoleResult {
  role: string
  exitCode: number
  generated: number
  failing: number
  uniqueFailures: number
  errored: number
  seconds: number
  log: string
}

function line(text = ''): void {
  process.stdout.write(`${text}\n`)
}

const version = spawnSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' })
if (version.status !== 0) {
  line(`[fuzz] ${SCHEMATHESIS} not found: pip install -r e2e/fuzz/requirements.txt (or set SCHEMATHESIS)`)
  line('[fuzz] 0 cases tried, 0 held, 1 failed')
  process.exit(1)
}
line(`[fuzz] ${version.stdout.trim()}; checks ${CHECKS.join(', ')}; max examples ${EXAMPLES}; seed ${SEED}`)

const started = performance.now()
const workDir = mkdtempSync(join(tmpdir(), 'fuzz-'))
const system = await startE2eSystem(UNTHROTTLED)
let failed = false
try {
  const gatewayUrl = system.url('gateway')
  const api = client(gatewayUrl)
  const document = (await (await fetch(`${gatewayUrl}/api-docs/json`)).json()) as { paths: Record<string, Record<string, unknown>>; info: { description: string } }
  if (/Incomplete/.test(document.info.description)) throw new Error('the combined OpenAPI document is incomplete')
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item).filter((key) => key !== 'parameters')).length

  const login = async (email: string, password: string): Promise<string> => {
    const reply = await api('POST', '/auth/login', { body: { email, password } })
    if (reply.status !== 200) throw new Error(`login ${email}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply.body.accessToken as string
  }
  const adminToken = await login(ADMIN.email, ADMIN.password)
  const accounts: Record<string, { email: string; password: string }> = { ADMIN }
  for (const role of ROLES.filter((name) => name !== 'ADMIN')) {
    const account = { email: `fuzz-${role.toLowerCase()}@fuzz.test`, password: `fuzz-${role.toLowerCase()}-password` }
    const created = await api('POST', '/auth/users', { token: adminToken, body: { ...account, roles: [role] } })
    if (created.status !== 201) throw new Error(`create ${role}: ${created.status} ${JSON.stringify(created.body)}`)
    accounts[role] = account
  }

  const results: RoleResult[] = []
  for (const role of ROLES) {
    // A fresh token per run: a role's run must not outlive its token (15 minutes by default).
    const token = await login(accounts[role]!.email, accounts[role]!.password)
    const log = join(workDir, `${role}.log`)
    const roleStarted = performance.now()
    const { exitCode, output } = await runSchemathesis([
      'run', `${gatewayUrl}/api-docs/json`,
      '--header', `Authorization: Bearer ${token}`,
      '--checks', CHECKS.join(','),
      '--max-examples', String(EXAMPLES),
      '--seed', SEED,
      '--generation-database', 'none',
      '--request-timeout', '10',
      '--no-color'
    ])
    writeFileSync(log, output)
    const count = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0)
    const result: RoleResult = {
      role,
      exitCode,
      generated: count(/(\d+) generated/),
      failing: count(/(\d+) found \d+ unique failure/),
      uniqueFailures: count(/found (\d+) unique failure/),
      errored: count(/(\d+) errored/),
      seconds: (performance.now() - roleStarted) / 1000,
      log
    }
    results.push(result)
    line(
      `[fuzz] ${role.padEnd(8)} ${operations} operations, ${result.generated} cases, ${result.uniqueFailures} unique failures ` +
        `(${result.failing} failing cases), ${result.errored} errored, ${result.seconds.toFixed(0)} s, exit ${exitCode}`
    )
    if (exitCode !== 0 || result.generated === 0) {
      failed = true
      line(`[fuzz] ---- ${role}: schemathesis output (also in ${log}) ----`)
      line(output)
    }
  }

  const health = await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0)
  const ready = await fetch(`${system.adminUrl('gateway')}/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0)
  const alive = [...system.services.values()].every((service) => service.process.exitCode === null && service.process.signalCode === null)
  line(`[fuzz] afterwards: gateway /health ${health}, /ready ${ready}, every process running: ${alive}`)
  if (health !== 200 || ready !== 200 || !alive) failed = true

  const cases = results.reduce((sum, result) => sum + result.generated, 0)
  const failing = results.reduce((sum, result) => sum + result.failing, 0)
  const unique = results.reduce((sum, result) => sum + result.uniqueFailures, 0)
  const seconds = (performance.now() - started) / 1000
  line(
    `[fuzz] ${ROLES.length} roles × ${operations} operations: ${cases} cases, ${unique} unique failures, ` +
      `${failing} failing cases, seed ${SEED}, ${seconds.toFixed(0)} s`
  )
  line(`[fuzz] ${cases} cases tried, ${cases - failing} held, ${failing} failed${failed && failing === 0 ? ' (and the run itself failed: see above)' : ''}`)
} catch (error) {
  failed = true
  line(`[fuzz] could not run: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
} finally {
  await system.stopAll()
}
process.exit(failed ? 1 : 0)

/** Runs the CLI in a scratch directory (so nothing lands in the repository) and keeps its output. */
function runSchemathesis(args: string[]): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { cwd: workDir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output }))
  })
}
