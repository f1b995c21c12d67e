import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { readOrKeepLast } from '@app/platform'
import { createAppliedMarks, type IngestDeps, type IngestFailurePoints, type ReportOutcome } from '../progress/ingest.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What progress ingestion works with: the routes and the sweeper share it. */
    ingest: IngestDeps
  }
}

const OUTCOMES: readonly (ReportOutcome | 'invalid')[] = ['applied', 'duplicate', 'ignored', 'invalid']
/** How long a request's applied report waits to be marked so, with the others of that moment, in one write. */
const MARK_DELAY_MS = 10

/** Progress ingestion's dependencies and its metrics: reports by outcome, and those still unapplied. */
export const ingestPlugin = fp<{ failurePoints?: IngestFailurePoints | undefined }>(
  async (app, { failurePoints }) => {
    const { events, progress } = app.repositories
    const reports = new Counter({
      name: 'event_progress_reports_total',
      help: 'Progress reports by outcome: applied (counted toward an event), duplicate (a retry, counted nothing), ignored (no event counts it), invalid (a batch item refused)',
      labelNames: ['outcome'],
      registers: [app.metrics]
    })
    for (const outcome of OUTCOMES) reports.inc({ outcome }, 0)
    const marks = createAppliedMarks(progress, { delayMs: MARK_DELAY_MS, log: app.log })
    new Gauge({
      name: 'event_progress_reports_unapplied',
      help: 'Reports stored but not applied yet (the sweeper finishes them; sustained > 0: it cannot)',
      registers: [app.metrics],
      async collect() {
        // Reports applied but waiting for their mark are applied: write the marks before counting.
        await readOrKeepLast(app.log, 'unapplied reports', async () => {
          await marks.flush()
          this.set(await progress.countUnapplied())
        })
      }
    })
    new Gauge({
      name: 'event_progress_oldest_unapplied_age_seconds',
      help: 'Age of the oldest report stored but not applied (0: none). A live request applies its own in milliseconds; sustained minutes: reports that keep failing',
      registers: [app.metrics],
      async collect() {
        await readOrKeepLast(app.log, 'oldest unapplied report', async () => {
          await marks.flush()
          const oldest = await progress.oldestUnapplied()
          this.set(oldest ? Math.max(0, (app.clock().getTime() - oldest.getTime()) / 1000) : 0)
        })
      }
    })
    const behindWatermark = new Counter({
      name: 'event_progress_reports_behind_watermark_total',
      help: "Reports that reached a progress document behind its settled watermark without having been added there (the storing instance's clock more than a minute behind the others', or an insert stalled that long): counted once by contribution. Above 0: check the clocks",
      registers: [app.metrics]
    })
    app.decorate('ingest', {
      events,
      progress,
      failurePoints,
      marks,
      onOutcome: (outcome: ReportOutcome | 'invalid') => reports.inc({ outcome }),
      onBehindWatermark: (count: number) => {
        behindWatermark.inc(count)
        app.log.warn({ count }, 'progress reports arrived behind a settled watermark (counted by contribution): is the clock of an event-service host behind?')
      }
    })
    // Before the database closes (its hook was added earlier, so it runs later).
    app.addHook('onClose', async () => marks.flush())
  },
  { name: 'ingest', dependencies: ['repositories', 'metrics', 'clock'], fastify: '5.x' }
)
