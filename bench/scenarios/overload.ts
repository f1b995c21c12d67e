/**
 * Scenario 6: overload. The gateway's event list offered about twice its measured capacity
 * (scenario 1's max, or measured here), at a fixed rate over four times the connections, so
 * requests arrive faster than they can be served. With load shedding (SHED_*) the excess is
 * refused fast with 503 OVERLOADED and the accepted requests keep a bounded tail; without it
 * every request queues and the tail grows with the queue. Reported: the p99 of accepted
 * requests against the p99 at capacity (goal ≤ 5×), and how fast the refusals came back.
 */
import { runLoad } from '../lib/load.js'
import { ms, type Scenario } from '../lib/scenario.js'

const OVERLOAD_FACTOR = 2

interface Capacity {
  requestsPerSecond: number
  p99Ms: number
  connections: number
}

export const overload: Scenario = async ({ sut, size, log, shared }) => {
  const headers = { authorization: `Bearer ${sut.tokens.player}` }
  const url = `${sut.gateway}/event-gateway/event`
  let capacity = shared.get('gatewayListCapacity') as Capacity | undefined
  if (!capacity) {
    log('measuring the gateway list capacity')
    await runLoad({ title: 'warm-up gateway', url, headers, connections: size.connections, durationSeconds: size.warmupSeconds })
    const max = await runLoad({ title: 'list events, gateway (max)', url, headers, connections: size.connections, durationSeconds: size.durationSeconds })
    capacity = { requestsPerSecond: max.requestsPerSecond, p99Ms: max.rawLatencyMs.p99, connections: size.connections }
  }
  const offered = Math.round(capacity.requestsPerSecond * OVERLOAD_FACTOR)
  const connections = capacity.connections * 4
  log(`offering ${offered} req/s (${OVERLOAD_FACTOR}× ${capacity.requestsPerSecond}) over ${connections} connections`)
  const run = await runLoad({ title: `list events, gateway (${offered}/s offered)`, url, headers, connections, durationSeconds: size.durationSeconds, ratePerSecond: offered })

  const accepted = run.rawLatencyByStatusMs['200'] ?? { count: 0, p50: 0, p99: 0, max: 0 }
  const refused = run.rawLatencyByStatusMs['503'] ?? { count: 0, p50: 0, p99: 0, max: 0 }
  const ratio = capacity.p99Ms > 0 ? accepted.p99 / capacity.p99Ms : Number.NaN
  const other = run.requests - accepted.count - refused.count
  return {
    id: 'overload',
    title: `6. Overload — the gateway's event list offered ${OVERLOAD_FACTOR}× its capacity`,
    setup: `Capacity ${capacity.requestsPerSecond} req/s with p99 ${ms(capacity.p99Ms)} (${capacity.connections} connections, scenario 1); offered ${offered} req/s fixed over ${connections} connections, ${size.durationSeconds} s. Shedding: the SHED_* defaults.`,
    runs: [run],
    figures: {
      offeredPerSecond: offered,
      acceptedPerSecond: Math.round((accepted.count / (run.load.durationSeconds ?? 1)) * 10) / 10,
      accepted: accepted.count,
      refused503: refused.count,
      otherReplies: other,
      acceptedP99Ms: accepted.p99,
      capacityP99Ms: capacity.p99Ms,
      acceptedP99OverCapacityP99: Math.round(ratio * 100) / 100,
      refusedP50Ms: refused.p50,
      refusedP99Ms: refused.p99
    },
    goals: [
      {
        name: `p99 of accepted requests at ${OVERLOAD_FACTOR}× capacity`,
        target: '≤ 5× the p99 at capacity',
        actual: `${Math.round(ratio * 100) / 100}× (${ms(accepted.p99)} vs ${ms(capacity.p99Ms)}); ${refused.count} refused with 503, p50 ${ms(refused.p50)}, p99 ${ms(refused.p99)}`,
        met: ratio <= 5
      }
    ]
  }
}
