import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { readOrKeepLast } from '@app/platform'
import { CLAIM_STATUSES } from '../schemas/claims.js'

/** Stocked bundles reported, newest first: a label set per bundle, so bounded. */
const STOCK_SERIES_LIMIT = 200

/**
 * Gauges read from the database at scrape time, so every instance reports the same, true
 * figures: claims by status, the outbox (claims in `processing`) and how long its oldest
 * claim has waited — what the alert rules watch — and the stock left per limited bundle.
 */
export const claimMetricsPlugin = fp(
  async (app) => {
    const { claims, rewards } = app.repositories
    const fromDatabase = (what: string, read: () => Promise<void>) => readOrKeepLast(app.log, what, read)
    // The depth and the age gauges come from one look at the outbox per scrape.
    let outbox: { at: number; stats: ReturnType<typeof claims.outboxStats> } | undefined
    const outboxStats = () => {
      if (!outbox || Date.now() - outbox.at > 1_000) outbox = { at: Date.now(), stats: claims.outboxStats(app.clock()) }
      return outbox.stats
    }
    new Gauge({
      name: 'event_claims',
      help: 'Claims by status',
      labelNames: ['status'],
      registers: [app.metrics],
      async collect() {
        await fromDatabase('claims by status', async () => {
          const counts = await claims.countByStatus()
          for (const status of CLAIM_STATUSES) this.set({ status }, counts.get(status) ?? 0)
        })
      }
    })
    new Gauge({
      name: 'event_delivery_outbox_depth',
      help: 'Claims in processing: queued, waiting for a retry or a callback, or being sent',
      registers: [app.metrics],
      async collect() {
        await fromDatabase('the outbox depth', async () => this.set((await outboxStats()).depth))
      }
    })
    new Gauge({
      name: 'event_delivery_oldest_processing_age_seconds',
      help: 'How long the longest-waiting processing claim has waited (0: none)',
      registers: [app.metrics],
      async collect() {
        await fromDatabase('the outbox age', async () => {
          this.set((await outboxStats()).oldestAgeSeconds ?? 0)
        })
      }
    })
    new Gauge({
      name: 'event_reward_stock_left',
      help: `Units left of each bundle with a stock (the newest ${STOCK_SERIES_LIMIT})`,
      labelNames: ['reward_id', 'event_id'],
      registers: [app.metrics],
      async collect() {
        await fromDatabase('stock levels', async () => {
          const levels = await rewards.stockLevels(STOCK_SERIES_LIMIT)
          this.reset()
          for (const { _id, eventId, stockLeft } of levels) this.set({ reward_id: _id.toHexString(), event_id: eventId.toHexString() }, stockLeft ?? 0)
        })
      }
    })
    new Gauge({
      name: 'event_delivery_paused',
      help: '1 while delivery is paused (as this instance last read the switch)',
      registers: [app.metrics],
      collect() { this.set(app.delivery.settings().paused ? 1 : 0) }
    })
  },
  { name: 'claim-metrics', dependencies: ['metrics', 'repositories', 'delivery', 'clock'], fastify: '5.x' }
)
