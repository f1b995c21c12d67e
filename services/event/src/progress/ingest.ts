import { createHash } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { badRequest, conflict } from '@app/platform'
import { changesFor, reportProblem, type ProgressReport } from '../conditions/index.js'
import type { EventRepository } from '../repositories/events.js'
import type { ProgressRepository, ReportDoc, ReportEffect } from '../repositories/progress.js'
import type { ProgressReportBody, ProgressReportReply } from '../schemas/progress.js'

/** Clocks drift; anything further ahead than this is a bug or a forgery, not a report. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000

export interface ReportInput extends ProgressReportBody {
  reportedBy: string
  idempotencyKey?: string | undefined
}

/** Same key + same fingerprint = a replay; same key + different fingerprint = a client bug. */
const fingerprintOf = ({ eventType, userId, count, value, occurredAt }: ReportInput) =>
  createHash('sha256')
    .update(JSON.stringify([eventType, userId, count ?? 1, value ?? null, occurredAt ?? null]))
    .digest('base64url')

/**
 * Counts a report toward every active event whose window contains `occurredAt` and which has
 * a condition of the report's type. What it changes is decided once, when the report is first
 * recorded (under its Idempotency-Key); every delivery of that report — the first, a parallel
 * duplicate, a retry after a crash — then applies those same effects, at most once per
 * progress document, and answers with them.
 */
export async function ingestReport(
  repositories: { events: EventRepository; progress: ProgressRepository },
  now: Date,
  input: ReportInput
): Promise<ProgressReportReply> {
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now
  if (occurredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw badRequest('body.occurredAt is in the future', 'OCCURRED_IN_FUTURE')
  }
  const report: ProgressReport = { eventType: input.eventType, count: input.count ?? 1, value: input.value, occurredAt }
  const problem = reportProblem(report)
  if (problem) throw badRequest(problem, 'INVALID_REPORT')

  const events = await repositories.events.findCountingAt(report.eventType, occurredAt)
  const effects: ReportEffect[] = events
    .map((event) => ({ eventId: event._id, changes: changesFor(event.contents, report, event.timezone) }))
    .filter((effect) => effect.changes.length > 0)

  const id = new ObjectId()
  const fingerprint = fingerprintOf(input)
  const { recorded, duplicate } = await repositories.progress.recordReport({
    _id: id,
    userId: input.userId,
    key: input.idempotencyKey ?? id.toHexString(),
    fingerprint,
    reportedBy: input.reportedBy,
    eventType: report.eventType,
    count: report.count,
    value: report.value ?? null,
    occurredAt,
    effects,
    appliedAt: null,
    createdAt: now
  } satisfies ReportDoc)
  if (duplicate && recorded.fingerprint !== fingerprint) {
    throw conflict('This Idempotency-Key was used for a different report', 'IDEMPOTENCY_KEY_REUSED')
  }
  if (recorded.appliedAt === null) {
    if (recorded.effects.length > 0) await repositories.progress.applyEffects(recorded.userId, recorded._id, recorded.effects, now)
    await repositories.progress.markApplied(recorded._id, now)
  }
  return {
    reportId: recorded._id.toHexString(),
    duplicate,
    occurredAt: recorded.occurredAt.toISOString(),
    updates: recorded.effects.map((effect) => ({
      eventId: effect.eventId.toHexString(),
      conditions: effect.changes.map((change) => change.key)
    }))
  }
}
