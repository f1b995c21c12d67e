import fp from 'fastify-plugin'

/**
 * Every `intervalMs`, retries the deliveries that are due: backoffs that have passed and
 * claims whose worker died mid-delivery (their lease ran out). Ticks never overlap, and
 * closing waits for the running one so no write lands after the database closes.
 */
export const sweeperPlugin = fp<{ intervalMs: number }>(
  async (app, { intervalMs }) => {
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
  { name: 'sweeper', dependencies: ['delivery'], fastify: '5.x' }
)
