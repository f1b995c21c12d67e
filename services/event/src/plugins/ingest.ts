import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { readOrKeepLast } from '@app/platform'
import type { IngestDeps, IngestFailurePoints, ReportOutcome } from '../progress/ingest.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What progress ingestion works with: the routes and the sweeper share it. */
    ingest: IngestDeps
  }
}

const OUTCOMES: readonly ReportOutcome[] = ['applied', 'duplicate', 'ignored']

/** Progress ingestion's dependencies and its metrics: reports by outcome, and those still unapplied. */
export const ingestPlugin = fp<{ failurePoints?: IngestFailurePoints | undefined }>(
  async (app, { failurePoints }) => {
    const { events, progress } = app.repositories
    const reports = new Counter({
      name: 'event_progress_reports_total',
      help: 'Progress reports by outcome: applied (counted toward an event), duplicate (a retry, counted nothing), ignored (no event counts it)',
      labelNames: ['outcome'],
      registers: [app.metrics]
    })
    for (const outcome of OUTCOMES) reports.inc({ outcome }, 0)
    new Gauge({
      name: 'event_progress_reports_unapplied',
      help: 'Reports stored but not applied yet (the sweeper finishes them; sustained > 0: it cannot)',
      registers: [app.metrics],
      async collect() {
        await readOrKeepLast(app.log, 'unapplied reports', async () => this.set(await progress.countUnapplied()))
      }
    })
    app.decorate('ingest', { events, progress, failurePoints, onOutcome: (outcome: ReportOutcome) => reports.inc({ outcome }) })
  },
  { name: 'ingest', dependencies: ['repositories', 'metrics'], fastify: '5.x' }
)
