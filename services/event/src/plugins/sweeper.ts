import fp from 'fastify-plugin'

export interface SweeperOptions {
  intervalMs: number
  /** A transition still uncopied to the audit trail after this long was left by a crashed process. */
  auditGraceMs: number
}

/**
 * Every `intervalMs`, retries the deliveries that are due: backoffs that have passed and
 * claims whose worker died mid-delivery (their lease ran out); and copies to the audit trail
 * the transitions a crashed process made but did not record. Ticks never overlap, and
 * closing waits for the running one so no write lands after the database closes.
 */
export const sweeperPlugin = fp<SweeperOptions>(
  async (app, { intervalMs, auditGraceMs }) => {
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> | undefined
    let stopped = false

    const tick = async () => {
      try {
        const tried = await app.delivery.sweep(() => stopped)
        if (tried > 0) app.log.debug({ tried }, 'delivery sweep')
      } catch (error) {
        app.log.error({ err: error }, 'delivery sweep failed')
      }
      try {
        const copied = await app.repositories.claims.auditPending(new Date(app.clock().getTime() - auditGraceMs))
        if (copied > 0) app.log.warn({ copied }, 'recorded transitions a crashed process left unaudited')
      } catch (error) {
        app.log.error({ err: error }, 'audit sweep failed')
      }
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
  { name: 'sweeper', dependencies: ['delivery', 'repositories', 'clock'], fastify: '5.x' }
)
