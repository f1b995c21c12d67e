import fp from 'fastify-plugin'
import { finishUnappliedReports } from '../progress/ingest.js'

/** How often the sweeper settles the applied lists of progress documents (see the progress repository's `settle`). */
const SETTLE_EVERY_MS = 30_000

export interface SweeperOptions {
  intervalMs: number
  /**
   * A process silent this long is presumed dead: a transition still uncopied to the audit trail
   * after it was left by a crash, and a report a sweeper took that long ago is free again.
   */
  graceMs: number
  /** Progress reports older than this are deleted (PROGRESS_REPORT_RETENTION_DAYS). */
  reportRetentionMs: number
}

/**
 * Every `intervalMs`: retries the deliveries that are due (backoffs that have passed, claims
 * whose worker died mid-delivery); finishes progress reports stored but never applied; settles
 * the applied reports listed in progress documents (see the progress repository's `settle`); copies
 * to the audit trail the transitions a crashed process made but did not record; and deletes
 * progress reports past the retention window (real MongoDB's TTL index does that too; the
 * embedded server ignores TTL). Each part runs whatever the others did. Ticks never overlap,
 * and closing waits for the running one so no write lands after the database closes.
 */
export const sweeperPlugin = fp<SweeperOptions>(
  async (app, { intervalMs, graceMs, reportRetentionMs }) => {
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> | undefined
    let stopped = false
    let lastSettle = 0

    const part = async (name: string, work: () => Promise<number>, logDone: (count: number) => void) => {
      if (stopped) return
      try {
        const count = await work()
        if (count > 0) logDone(count)
      } catch (error) {
        app.log.error({ err: error }, `${name} sweep failed`)
      }
    }
    const tick = async () => {
      await part('delivery', () => app.delivery.sweep(() => stopped), (tried) => app.log.debug({ tried }, 'delivery sweep'))
      await part(
        'progress',
        () => finishUnappliedReports(app.ingest, app.clock, { leaseMs: graceMs, log: app.log }),
        (finished) => app.log.warn({ finished }, 'applied progress reports that were stored but not applied')
      )
      await part(
        'settle',
        async () => {
          // Entries wait a minute anyway: settling every half minute keeps the lists as short, at a fraction of the reads.
          if (app.clock().getTime() - lastSettle < SETTLE_EVERY_MS) return 0
          lastSettle = app.clock().getTime()
          return app.repositories.progress.settle(app.clock())
        },
        (settled) => app.log.debug({ settled }, 'settled the applied reports of progress documents')
      )
      await part(
        'audit',
        () => app.repositories.claims.auditPending(new Date(app.clock().getTime() - graceMs)),
        (copied) => app.log.warn({ copied }, 'recorded transitions a crashed process left unaudited')
      )
      await part(
        'retention',
        () => app.repositories.progress.deleteReportsBefore(new Date(app.clock().getTime() - reportRetentionMs)),
        (deleted) => app.log.info({ deleted }, 'deleted progress reports past the retention window')
      )
    }
    const schedule = () => {
      if (stopped) return
      timer = setTimeout(() => {
        running = tick().finally(schedule)
      }, intervalMs).unref()
    }

    app.addHook('onReady', async () => schedule())
    app.addHook('onClose', async () => {
      stopped = true
      clearTimeout(timer)
      await running
    })
  },
  { name: 'sweeper', dependencies: ['delivery', 'ingest', 'repositories', 'clock'], fastify: '5.x' }
)
