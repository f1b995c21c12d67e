/**
 * Scenario 1: what the read path costs, against its limits. The same authenticated event-list
 * read straight to the event service and through the gateway (JWT + role check + proxy +
 * breaker), and beside them the references (lib/references.ts): a bare Fastify server answering
 * the same bytes, and a bare @fastify/http-proxy in front of it. First as fast as each goes, then
 * direct and gateway at a fixed rate so the tail is not hidden by coordinated omission.
 */
import { runLoad, type LoadSpec } from '../lib/load.js'
import { startReferences } from '../lib/references.js'
import { ms, type Scenario } from '../lib/scenario.js'
import { createEventWithReward } from '../lib/system-under-test.js'

const CATALOG_SIZE = 10
const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`

export const gatewayOverhead: Scenario = async ({ sut, size, log, shared }) => {
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
  const listed = await fetch(targets.direct, { headers })
  if (!listed.ok) throw new Error(`the event list answered ${listed.status}`)
  const references = await startReferences(Buffer.from(await listed.arrayBuffer()))
  try {
    const load = (title: string, url: string, extra: Partial<LoadSpec>) =>
      runLoad({ title, url, headers, connections: size.connections, durationSeconds: size.durationSeconds, ...extra })

    log('warming up every path')
    await load('warm-up bare server', references.bareServer, { durationSeconds: size.warmupSeconds })
    await load('warm-up bare proxy chain', references.bareProxy, { durationSeconds: size.warmupSeconds })
    await load('warm-up direct', targets.direct, { durationSeconds: size.warmupSeconds })
    await load('warm-up gateway', targets.gateway, { durationSeconds: size.warmupSeconds })

    const bareServer = await load('reference: bare server, same bytes (max)', references.bareServer, {})
    const bareProxy = await load('reference: bare proxy → bare server (max)', references.bareProxy, {})
    const maxDirect = await load('list events, direct (max)', targets.direct, {})
    const maxGateway = await load('list events, gateway (max)', targets.gateway, {})
    const fixedDirect = await load(`list events, direct (${size.fixedRate}/s)`, targets.direct, { ratePerSecond: size.fixedRate })
    const fixedGateway = await load(`list events, gateway (${size.fixedRate}/s)`, targets.gateway, { ratePerSecond: size.fixedRate })
    // The overload scenario offers a multiple of this.
    shared.set('gatewayListCapacity', { requestsPerSecond: maxGateway.requestsPerSecond, p99Ms: maxGateway.rawLatencyMs.p99, connections: size.connections })

    const gatewayShare = maxGateway.requestsPerSecond / bareProxy.requestsPerSecond
    const directShare = maxDirect.requestsPerSecond / bareServer.requestsPerSecond
    const throughputRatio = maxGateway.requestsPerSecond / maxDirect.requestsPerSecond
    const addedP99Fixed = fixedGateway.latencyMs.p99 - fixedDirect.latencyMs.p99
    return {
      id: 'gateway-overhead',
      title: '1. Read path — GET event list (USER token): direct and through the gateway, against a bare server and a bare proxy chain answering the same bytes',
      setup: `${CATALOG_SIZE} events in the list (${listed.headers.get('content-length') ?? '?'} bytes); ${size.connections} connections; ${size.durationSeconds} s per run at full speed, then ${size.fixedRate} req/s fixed. References: bare Fastify answering those bytes; bare @fastify/http-proxy in front of it.`,
      runs: [bareServer, bareProxy, maxDirect, maxGateway, fixedDirect, fixedGateway],
      figures: {
        bareServerRps: bareServer.requestsPerSecond,
        bareProxyRps: bareProxy.requestsPerSecond,
        directShareOfBareServer: Math.round(directShare * 1000) / 1000,
        gatewayShareOfBareChain: Math.round(gatewayShare * 1000) / 1000,
        throughputRatio: Math.round(throughputRatio * 1000) / 1000,
        addedP50MaxMs: Math.round((maxGateway.rawLatencyMs.p50 - maxDirect.rawLatencyMs.p50) * 100) / 100,
        addedP99MaxMs: maxGateway.latencyMs.p99 - maxDirect.latencyMs.p99,
        addedP50FixedMs: Math.round((fixedGateway.rawLatencyMs.p50 - fixedDirect.rawLatencyMs.p50) * 100) / 100,
        addedP99FixedMs: addedP99Fixed,
        addedRawP99FixedMs: Math.round((fixedGateway.rawLatencyMs.p99 - fixedDirect.rawLatencyMs.p99) * 100) / 100
      },
      goals: [
        {
          name: 'authenticated event list through the gateway, % of the bare proxy chain',
          target: '≥ 60 %',
          actual: `${percent(gatewayShare)} (${maxGateway.requestsPerSecond} of ${bareProxy.requestsPerSecond} req/s)`,
          met: gatewayShare >= 0.6
        },
        {
          name: 'same, direct, % of the bare server',
          target: '≥ 40 %',
          actual: `${percent(directShare)} (${maxDirect.requestsPerSecond} of ${bareServer.requestsPerSecond} req/s)`,
          met: directShare >= 0.4
        },
        {
          name: `added p99 through the gateway at ${size.fixedRate} req/s`,
          target: '≤ 3 ms',
          actual: ms(addedP99Fixed),
          met: addedP99Fixed <= 3
        }
      ]
    }
  } finally {
    await references.stop()
  }
}
