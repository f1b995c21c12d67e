/**
 * Scenario 2: does argon2 block anything? Reads at a fixed rate, first alone, then beside a
 * steady stream of logins (argon2id verifies). The event list lives in another process than
 * argon2; `GET /auth/users/me` lives in the same one, so it shows the auth event loop itself.
 */
import { runTogether } from '../lib/load.js'
import { ms, type Scenario } from '../lib/scenario.js'
import { call } from '../lib/system-under-test.js'

const LOGIN = { email: 'login-bench@bench.test', password: 'login-bench-password' }

export const loginUnderArgon2: Scenario = async ({ sut, size, log }) => {
  const signUp = await call(sut.gateway, 'POST', '/auth/users', { body: LOGIN })
  if (signUp.status !== 201) throw new Error(`sign-up for the login benchmark: ${signUp.status}`)
  const reader = { authorization: `Bearer ${sut.tokens.player}` }
  const seconds = size.durationSeconds
  const reads = () => [
    {
      title: `list events (${size.listRate}/s)`, url: `${sut.gateway}/event-gateway/event`, headers: reader,
      connections: 10, durationSeconds: seconds, ratePerSecond: size.listRate
    },
    {
      title: `auth /users/me (${size.meRate}/s)`, url: `${sut.gateway}/auth/users/me`, headers: reader,
      connections: 5, durationSeconds: seconds, ratePerSecond: size.meRate
    }
  ]
  log('reads alone')
  const [listAlone, meAlone] = await runTogether(reads())
  log(`reads beside ${size.loginRate} logins/s`)
  const [listLoaded, meLoaded, logins] = await runTogether([
    ...reads(),
    {
      title: `login (${size.loginRate}/s)`, url: `${sut.gateway}/auth/login`, method: 'POST', body: JSON.stringify(LOGIN),
      connections: 10, durationSeconds: seconds, ratePerSecond: size.loginRate
    }
  ])
  const loginFailures = logins!.non2xx + logins!.errors
  if (loginFailures > 0) log(`warning: ${loginFailures} logins failed: ${JSON.stringify(logins!.statusCodes)}`)
  return {
    id: 'login-under-argon2',
    title: `2. Login under argon2 — ${size.loginRate} logins/s beside fixed-rate reads (all through the gateway)`,
    setup: `${seconds} s per run; reads alone first, then the same reads with logins (argon2id, 19 MiB, t=2; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}).`,
    runs: [listAlone!, meAlone!, listLoaded!, meLoaded!, logins!],
    figures: {
      listP99AloneMs: listAlone!.latencyMs.p99,
      listP99WithLoginsMs: listLoaded!.latencyMs.p99,
      meP99AloneMs: meAlone!.latencyMs.p99,
      meP99WithLoginsMs: meLoaded!.latencyMs.p99,
      loginP50Ms: logins!.latencyMs.p50,
      loginP99Ms: logins!.latencyMs.p99,
      loginsPerSecond: logins!.requestsPerSecond
    },
    goals: [
      {
        name: `event list p99 with ${size.loginRate} logins/s`,
        target: '≤ 25 ms',
        actual: ms(listLoaded!.latencyMs.p99),
        met: listLoaded!.latencyMs.p99 <= 25
      },
      {
        name: 'every login succeeded',
        target: '0 failed',
        actual: `${loginFailures} failed`,
        met: loginFailures === 0
      }
    ]
  }
}
