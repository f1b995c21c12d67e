import fp from 'fastify-plugin'
import { createHttpGrant } from '../delivery/http-grant.js'
import { createLedgerGrant } from '../delivery/ledger-grant.js'
import { createDeliveryWorker, type DeliveryWorker } from '../delivery/worker.js'

declare module 'fastify' {
  interface FastifyInstance {
    delivery: DeliveryWorker
  }
}

export interface DeliveryPluginOptions {
  /** Unset → the built-in `user_rewards` ledger. */
  url?: string | undefined
  timeoutMs: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  leaseMs: number
  callbackWaitMs: number
  breakerResetMs: number
}

/** Decorates `delivery`: grants for `processing` claims, to the delivery system or the ledger. */
export const deliveryPlugin = fp<DeliveryPluginOptions>(
  async (app, options) => {
    const grant = options.url
      ? createHttpGrant({ url: options.url, timeoutMs: options.timeoutMs, breakerResetMs: options.breakerResetMs })
      : createLedgerGrant(app.repositories.userRewards, app.clock)
    app.log.info({ delivery: options.url ? 'http' : 'ledger' }, 'reward delivery configured')
    app.decorate(
      'delivery',
      createDeliveryWorker({ ...options, claims: app.repositories.claims, grant, clock: app.clock, log: app.log })
    )
    app.addHook('onClose', async () => grant.close())
  },
  { name: 'delivery', dependencies: ['repositories', 'clock'], fastify: '5.x' }
)
