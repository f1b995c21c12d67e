import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'

export type ReadinessCheck = () => Promise<unknown>

export interface HealthOptions {
  /** Named checks; the service is ready only when every one resolves within the timeout. */
  checks: Record<string, ReadinessCheck>
  timeoutMs?: number
  /**
   * What the checks found about each instance behind them (the gateway: `event http://…` →
   * `ok`, `breaker open`, `unreachable`), read after the checks ran. Informational: readiness
   * is the checks' verdict alone.
   */
  instances?: () => Record<string, string>
}

const Liveness = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false })
export const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.String()])),
    instances: Type.Optional(Type.Record(Type.String(), Type.String()))
  },
  { additionalProperties: false }
)
export type Readiness = Static<typeof Readiness>

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs the readiness checks (served as `/ready` on the internal listener). */
    readiness(): Promise<Readiness>
  }
}

/**
 * `/health` (public) says the process is alive; `readiness()` says it can serve — its
 * dependencies answer — and is served on the internal listener, since it names them.
 */
export const healthPlugin = fp<HealthOptions>(
  async (app, { checks, timeoutMs = 1_500, instances }) => {
    app.get('/health', { schema: { hide: true, response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }))

    app.decorate('readiness', async (): Promise<Readiness> => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await Promise.race([
              check(),
              new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref())
            ])
            return [name, 'ok'] as const
          } catch (error) {
            return [name, error instanceof Error ? error.message : 'failed'] as const
          }
        })
      )
      const ready = results.every(([, result]) => result === 'ok')
      return { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results), ...(instances ? { instances: instances() } : {}) }
    })
  },
  { name: 'health', fastify: '5.x' }
)
