import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'

export type ReadinessCheck = () => Promise<unknown>

export interface HealthOptions {
  /** Named checks; `/ready` is 200 only when every one resolves within the timeout. */
  checks: Record<string, ReadinessCheck>
  timeoutMs?: number
}

const Liveness = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false })
const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.String()]))
  },
  { additionalProperties: false }
)

/** `/health` says the process is alive; `/ready` says it can serve (its dependencies answer). */
export const healthPlugin = fp<HealthOptions>(
  async (app, { checks, timeoutMs = 1_500 }) => {
    app.get('/health', { schema: { hide: true, response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }))

    app.get('/ready', { schema: { hide: true, response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
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
      if (!ready) reply.code(503).header('retry-after', '1')
      return { status: ready ? ('ready' as const) : ('not ready' as const), checks: Object.fromEntries(results) }
    })
  },
  { name: 'health', fastify: '5.x' }
)
