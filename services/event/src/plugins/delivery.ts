import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { CircuitState, DeliveryAnswerKind } from '../delivery/grant.js'
import { createHttpGrant } from '../delivery/http-grant.js'
import { createLedgerGrant } from '../delivery/ledger-grant.js'
import { createDeliveryWorker, type DeliveryWorker } from '../delivery/worker.js'
import type { DeliverySettingsDoc } from '../repositories/delivery-settings.js'

declare module 'fastify' {
  interface FastifyInstance {
    delivery: DeliveryWorker & {
      mode: 'http' | 'ledger'
      /** The pause switch as this instance last read it (at most `SETTINGS_REFRESH_MS` old). */
      settings(): DeliverySettingsDoc
      circuit(): CircuitState
      /** Pauses or resumes for every instance; this one follows at once, the others within a second. */
      setPaused(paused: boolean, by: string): Promise<{ changed: boolean; settings: DeliverySettingsDoc }>
    }
  }
}

export interface DeliveryPluginOptions {
  /** Unset → the built-in `user_rewards` ledger. */
  url?: string | undefined
  secret?: string | undefined
  timeoutMs: number
  giveUpAfterMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  leaseMs: number
  callbackWaitMs: number
  breakerResetMs: number
}

/** How often an instance re-reads the pause switch: another instance's pause stops it within this. */
const SETTINGS_REFRESH_MS = 1_000

const ANSWER_KINDS: readonly DeliveryAnswerKind[] = ['granted', 'accepted', 'busy', 'refused', 'unknown', 'not-sent']
const CIRCUIT_STATES: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }

/** Decorates `delivery`: grants for `processing` claims, to the delivery system or the ledger, and the pause switch. */
export const deliveryPlugin = fp<DeliveryPluginOptions>(
  async (app, options) => {
    const { deliverySettings, userRewards, claims } = app.repositories
    const grant = options.url
      ? createHttpGrant({ url: options.url, secret: options.secret, timeoutMs: options.timeoutMs, breakerResetMs: options.breakerResetMs })
      : createLedgerGrant(userRewards, app.clock)
    const mode = options.url ? 'http' : 'ledger'
    app.log.info({ delivery: mode, signed: Boolean(options.secret) }, 'reward delivery configured')

    const attempts = new Counter({
      name: 'event_delivery_attempts_total',
      help: 'Delivery attempts by what the answer meant: granted, accepted (202), busy (409), refused, unknown, not-sent (open circuit)',
      labelNames: ['outcome'],
      registers: [app.metrics]
    })
    for (const kind of ANSWER_KINDS) attempts.inc({ outcome: kind }, 0)
    new Gauge({
      name: 'event_delivery_circuit_state',
      help: "This instance's circuit breaker in front of the delivery system: 0 closed, 1 half-open, 2 open",
      registers: [app.metrics],
      collect() { this.set(CIRCUIT_STATES[grant.circuit()]) }
    })

    let settings: DeliverySettingsDoc = await deliverySettings.get()
    const refresh = async () => {
      try {
        settings = await deliverySettings.get()
      } catch (error) {
        app.log.warn({ err: error }, 'could not re-read the delivery pause switch; keeping the last one read')
      }
    }
    const timer = setInterval(() => void refresh(), SETTINGS_REFRESH_MS).unref()
    if (settings.paused) app.log.warn({ pausedAt: settings.pausedAt, pausedBy: settings.pausedBy }, 'delivery is paused')

    const worker = createDeliveryWorker({
      ...options,
      claims,
      grant,
      clock: app.clock,
      log: app.log,
      settings: () => settings,
      onAnswer: (kind) => attempts.inc({ outcome: kind })
    })
    app.decorate('delivery', {
      ...worker,
      mode,
      settings: () => settings,
      circuit: () => grant.circuit(),
      async setPaused(paused: boolean, by: string) {
        const result = await deliverySettings.setPaused(paused, by, app.clock())
        settings = result.settings
        return result
      }
    })
    app.addHook('onClose', async () => {
      clearInterval(timer)
      grant.close()
    })
  },
  { name: 'delivery', dependencies: ['repositories', 'clock', 'metrics'], fastify: '5.x' }
)
