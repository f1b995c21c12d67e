/**
 * Scenario 1: what the gateway costs. The same authenticated event-list read, straight to the
 * event service and through the gateway (JWT + role check + proxy + breaker), first as fast as
 * it goes, then at a fixed rate so the tail is not hidden by coordinated omission.
 */
import { runLoad, type LoadSpec } from '../lib/load.js'
import { ms, type Scenario } from '../lib/scenario.js'
import { createEventWithReward } from '../lib/system-under-test.js'

const CATALOG_SIZE = 10

export const gatewayOverhead: Scenario = async ({ sut, size, log }) => {
  for (let index = 0; index < CATALOG_SIZE; index++) {
    await createEventWithReward(sut.gateway, sut.tokens.operator, {
      name: `catalog-${index}`, requireApproval: index % 2 === 0, contents: [{ type: 'attendance', count: 3 }]
    })
  }
  const headers = { authorization: `Bearer ${sut.tokens.player}` }
  const targets = {
    direct: `${sut.direct.event}/event`,
    gateway: `${sut.gateway}/event-gateway/event`
  }
  const load = (title: string, url: string, extra: Partial<LoadSpec>) =>
    runLoad({ title, url, headers, connections: size.connections, durationSeconds: size.durationSeconds, ...extra })

  log('warming up both paths')
  await load('warm-up direct', targets.direct, { durationSeconds: size.warmupSeconds })
  await load('warm-up gateway', targets.gateway, { durationSeconds: size.warmupSeconds })

  const maxDirect = await load('list events, direct (max)', targets.direct, {})
  const maxGateway = await load('list events, gateway (max)', targets.gateway, {})
  const fixedDirect = await load(`list events, direct (${size.fixedRate}/s)`, targets.direct, { ratePerSecond: size.fixedRate })
  const fixedGateway = await load(`list events, gateway (${size.fixedRate}/s)`, targets.gateway, { ratePerSecond: size.fixedRate })

  const throughputRatio = maxGateway.requestsPerSecond / maxDirect.requestsPerSecond
  const addedP99Fixed = fixedGateway.latencyMs.p99 - fixedDirect.latencyMs.p99
  return {
    id: 'gateway-overhead',
    title: '1. Gateway overhead — GET event list (USER token), direct vs through the gateway',
    setup: `${CATALOG_SIZE} events in the list; ${size.connections} connections; ${size.durationSeconds} s per run at full speed, then ${size.fixedRate} req/s fixed.`,
    runs: [maxDirect, maxGateway, fixedDirect, fixedGateway],
    figures: {
      throughputRatio: Math.round(throughputRatio * 1000) / 1000,
      addedP50MaxMs: Math.round((maxGateway.rawLatencyMs.p50 - maxDirect.rawLatencyMs.p50) * 100) / 100,
      addedP99MaxMs: maxGateway.latencyMs.p99 - maxDirect.latencyMs.p99,
      addedP50FixedMs: Math.round((fixedGateway.rawLatencyMs.p50 - fixedDirect.rawLatencyMs.p50) * 100) / 100,
      addedP99FixedMs: addedP99Fixed,
      addedRawP99FixedMs: Math.round((fixedGateway.rawLatencyMs.p99 - fixedDirect.rawLatencyMs.p99) * 100) / 100
    },
    goals: [
      {
        name: 'through-gateway throughput vs direct',
        target: '≥ 50 %',
        actual: `${Math.round(throughputRatio * 1000) / 10} %`,
        met: throughputRatio >= 0.5
      },
      {
        name: `added p99 at ${size.fixedRate} req/s`,
        target: '≤ 3 ms',
        actual: ms(addedP99Fixed),
        met: addedP99Fixed <= 3
      }
    ]
  }
}
