import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { ObjectId } from 'mongodb'
import { badRequest, conflict } from '@app/platform'
import { changesFor, reportProblem, type ProgressReport } from '../conditions/index.js'
import { periodKeyOf } from '../conditions/periods.js'
import { countedConditionsOf, type EventRepository } from '../repositories/events.js'
import { periodOfEffect, type ProgressRepository, type ReportDoc, type ReportEffect } from '../repositories/progress.js'
import type { ProgressReportBody, ProgressReportReply } from '../schemas/progress.js'

/** Clocks drift; anything further ahead than this is a bug or a forgery, not a report. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000

/** A report as the route read it, whoever sent it: the body's fields, the reporter, the key. */
export interface ReportInput {
  eventType: ProgressReportBody['eventType']
  userId: string
  count?: number | undefined
  value?: string | undefined
  occurredAt?: string | undefined
  reportedBy: string
  idempotencyKey?: string | undefined
}

/** What happened to a report: counted, recognised as a retry, or counted toward no event. */
export type ReportOutcome = 'applied' | 'duplicate' | 'ignored'

/**
 * Places where a test may make the ingestion fail, as a crash would: between storing a report
 * and applying it, and between applying it and marking it applied. Production passes none.
 */
export interface IngestFailurePoints {
  afterReportStored?(reportId: ObjectId): void | Promise<void>
  afterEffectsApplied?(reportId: ObjectId): void | Promise<void>
}

export interface IngestDeps {
  events: EventRepository
  progress: ProgressRepository
  failurePoints?: IngestFailurePoints | undefined
  onOutcome?: ((outcome: ReportOutcome) => void) | undefined
}

/**
 * A retry is recognised by what it means, not by its bytes: `…00Z` and `…00.000Z` are one
 * instant, an omitted `count` is 1, and two retries that both omit `occurredAt` are the same
 * report (its time is fixed at first receipt). Reporter and user are the scope, not the print.
 */
const fingerprintOf = ({ eventType, count, value, occurredAt }: ReportInput) =>
  createHash('sha256')
    .update(JSON.stringify([eventType, count ?? 1, value ?? null, occurredAt === undefined ? null : Date.parse(occurredAt)]))
    .digest('base64url')

/** The first version's fingerprint, for retries of reports it stored. */
const firstVersionFingerprintOf = ({ eventType, userId, count, value, occurredAt }: ReportInput) =>
  createHash('sha256')
    .update(JSON.stringify([eventType, userId, count ?? 1, value ?? null, occurredAt ?? null]))
    .digest('base64url')

/**
 * Applies a stored report's effects (exactly once per event, see the progress repository) and
 * marks it applied. Safe to run any number of times, from any instance, at once or years apart.
 */
export async function applyReport(deps: IngestDeps, report: ReportDoc, now: Date): Promise<void> {
  const effects: ReportEffect[] = await deps.progress.effectsNotAppliedByFirstVersion(report)
  await deps.progress.applyEffects(report.userId, report._id, effects, now)
  await deps.failurePoints?.afterEffectsApplied?.(report._id)
  await deps.progress.markApplied(report._id, now)
}

/**
 * Counts a report toward every active event whose window contains `occurredAt` and which counts
 * the report's type (a condition of its own or of one of its bundles). What it changes is decided once, when the report is first
 * stored under its idempotency scope (reporting account, user, key); every delivery of that
 * report — the first, a parallel duplicate, a retry after a crash, the sweeper — then applies
 * those same effects, and answers with them.
 */
export async function ingestReport(deps: IngestDeps, now: Date, input: ReportInput): Promise<ProgressReportReply> {
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now
  if (occurredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw badRequest('body.occurredAt is in the future', 'OCCURRED_IN_FUTURE')
  }
  const report: ProgressReport = { eventType: input.eventType, count: input.count ?? 1, value: input.value, occurredAt }
  const problem = reportProblem(report)
  if (problem) throw badRequest(problem, 'INVALID_REPORT')

  const events = await deps.events.findCountingAt(report.eventType, occurredAt)
  const effects: ReportEffect[] = events
    .map((event) => ({
      eventId: event._id,
      // The period containing the report, not the one current at arrival: a late report counts where it happened.
      periodKey: periodKeyOf(event, occurredAt),
      changes: changesFor(countedConditionsOf(event), report, event.timezone)
    }))
    .filter((effect) => effect.changes.length > 0)

  const id = new ObjectId()
  const fingerprint = fingerprintOf(input)
  const { recorded, duplicate } = await deps.progress.recordReport({
    _id: id,
    reportedBy: input.reportedBy,
    userId: input.userId,
    key: input.idempotencyKey ?? id.toHexString(),
    fingerprint,
    eventType: report.eventType,
    count: report.count,
    value: report.value ?? null,
    occurredAt,
    effects,
    appliedAt: null,
    sweepLeaseUntil: null,
    createdAt: now,
    v: 2
  } satisfies ReportDoc)
  if (duplicate && recorded.fingerprint !== (recorded.v === 2 ? fingerprint : firstVersionFingerprintOf(input))) {
    throw conflict('This Idempotency-Key was used for a different report', 'IDEMPOTENCY_KEY_REUSED')
  }
  if (!duplicate) await deps.failurePoints?.afterReportStored?.(recorded._id)
  if (recorded.appliedAt === null) await applyReport(deps, recorded, now)
  deps.onOutcome?.(duplicate ? 'duplicate' : recorded.effects.length > 0 ? 'applied' : 'ignored')
  return {
    reportId: recorded._id.toHexString(),
    duplicate,
    occurredAt: recorded.occurredAt.toISOString(),
    updates: recorded.effects.map((effect) => ({
      eventId: effect.eventId.toHexString(),
      periodKey: periodOfEffect(effect),
      conditions: effect.changes.map((change) => change.key)
    }))
  }
}

/** A report unapplied this long is stranded (its request crashed or failed): a live request applies its own in milliseconds. */
export const STRANDED_AFTER_MS = 1_000

/**
 * The sweeper's part: finishes reports stored but never applied (a crashed request, a database
 * that failed between the writes), each under a short lease so several instances share the
 * work rather than repeat it — repeating it would be harmless. A report that fails again is
 * logged and left for the next tick; the others go on. Returns how many it finished.
 */
export async function finishUnappliedReports(
  deps: IngestDeps,
  now: () => Date,
  { limit = 200, leaseMs, log }: { limit?: number; leaseMs: number; log: FastifyBaseLogger }
): Promise<number> {
  let finished = 0
  for (const { _id } of await deps.progress.unapplied(new Date(now().getTime() - STRANDED_AFTER_MS), limit)) {
    const report = await deps.progress.leaseUnapplied(_id, now(), leaseMs)
    if (!report) continue
    try {
      await applyReport(deps, report, now())
      finished += 1
    } catch (error) {
      log.error({ err: error, reportId: _id.toHexString() }, 'could not apply a stranded progress report; the next tick retries it')
      // A failure is not a crash: free it for the next tick rather than wait out the lease.
      await deps.progress.releaseUnapplied(_id).catch(() => {})
    }
  }
  return finished
}
