import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's notion of now: windows, days, due deliveries, grace periods. Tests may shift it. */
    clock: () => Date
  }
}

export const clockPlugin = fp<{ clock?: () => Date }>(
  async (app, { clock = () => new Date() }) => {
    app.decorate('clock', clock)
  },
  { name: 'clock', fastify: '5.x' }
)
