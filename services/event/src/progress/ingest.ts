import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { ObjectId } from 'mongodb'
import { badRequest, conflict } from '@app/platform'
import { changesFor, reportProblem, type ProgressReport } from '../conditions/index.js'
import { periodKeyOf } from '../conditions/periods.js'
import { countedConditionsOf, type EventDoc, type EventRepository } from '../repositories/events.js'
import { isApplied, periodOfEffect, type ProgressRepository, type ReportApplication, type ReportDoc, type ReportEffect } from '../repositories/progress.js'
import type { BatchReportResult, ProgressReportBody, ProgressReportReply } from '../schemas/progress.js'

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
  onOutcome?: ((outcome: ReportOutcome | 'invalid') => void) | undefined
  /** Reports that reached a progress document behind its settled watermark, counted by contribution (see the progress repository's `countBehindWatermark`). */
  onBehindWatermark?: ((count: number) => void) | undefined
  /** Where a request's reports are marked applied (see `AppliedMarks`); none: at once, awaited. */
  marks?: AppliedMarks | undefined
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
 * With `marks`, the marking is left to them (a request's report: off its path, see `AppliedMarks`).
 */
export async function applyReport(deps: IngestDeps, report: ReportDoc, now: Date, marks?: AppliedMarks): Promise<void> {
  noteBehindWatermark(deps, await deps.progress.applyEffects(await applicationOf(deps, report), now))
  await deps.failurePoints?.afterEffectsApplied?.(report._id)
  if (marks) marks.mark(report._id, now)
  else await deps.progress.markApplied(report._id, now)
}

const noteBehindWatermark = (deps: IngestDeps, count: number) => {
  if (count > 0) deps.onBehindWatermark?.(count)
}

/** What applying a stored report means, whichever version stored it. */
const applicationOf = async (deps: IngestDeps, report: ReportDoc): Promise<ReportApplication> => ({
  userId: report.userId,
  reportId: report._id,
  createdAt: report.createdAt,
  increments: report.increments === true,
  effects: await deps.progress.effectsNotAppliedByFirstVersion(report)
})

/** A report as the domain reads it, or why it could never count (→ 400, or `invalid` in a batch). */
function readReport(input: ReportInput, now: Date): { report: ProgressReport } | { problem: string; field?: string; code: string } {
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now
  if (occurredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return { field: 'occurredAt', problem: 'is in the future', code: 'OCCURRED_IN_FUTURE' }
  const report: ProgressReport = { eventType: input.eventType, count: input.count ?? 1, value: input.value, occurredAt }
  const problem = reportProblem(report)
  return problem ? { problem, code: 'INVALID_REPORT' } : { report }
}

/** What a report changes in each of these events that counts it at its `occurredAt` (decided once, when it is first stored). */
const effectsOf = (events: readonly EventDoc[], report: ProgressReport): ReportEffect[] =>
  events
    .filter((event) => event.startedAt <= report.occurredAt && report.occurredAt < event.endedAt)
    .map((event) => ({
      eventId: event._id,
      // The period containing the report, not the one current at arrival: a late report counts where it happened.
      periodKey: periodKeyOf(event, report.occurredAt),
      changes: changesFor(countedConditionsOf(event), report, event.timezone)
    }))
    .filter((effect) => effect.changes.length > 0)

function reportDocOf(input: ReportInput, report: ProgressReport, effects: ReportEffect[], now: Date): ReportDoc {
  const id = new ObjectId()
  return {
    _id: id,
    reportedBy: input.reportedBy,
    userId: input.userId,
    key: input.idempotencyKey ?? id.toHexString(),
    fingerprint: fingerprintOf(input),
    eventType: report.eventType,
    count: report.count,
    value: report.value ?? null,
    occurredAt: report.occurredAt,
    effects,
    // A report no event counts has nothing to apply: it is stored applied, in the same write.
    appliedAt: effects.length === 0 ? now : false,
    sweepLeaseUntil: null,
    createdAt: now,
    v: 2,
    increments: true
  }
}

/** Whether a stored report is the one `input` retries (by meaning), rather than another report reusing its key. */
const isRetryOf = (recorded: ReportDoc, input: ReportInput) =>
  recorded.fingerprint === (recorded.v === 2 ? fingerprintOf(input) : firstVersionFingerprintOf(input))

const outcomeOf = (recorded: ReportDoc, duplicate: boolean): ReportOutcome => (duplicate ? 'duplicate' : recorded.effects.length > 0 ? 'applied' : 'ignored')

/**
 * Counts a report toward every active event whose window contains `occurredAt` and which counts
 * the report's type (a condition of its own or of one of its bundles). What it changes is decided once, when the report is first
 * stored under its idempotency scope (reporting account, user, key); every delivery of that
 * report — the first, a parallel duplicate, a retry after a crash, the sweeper — then applies
 * those same effects, and answers with them. Its marking as applied is left to `deps.marks`
 * when there are any: applying again is harmless, so the reply need not wait for it.
 */
export async function ingestReport(deps: IngestDeps, now: Date, input: ReportInput): Promise<ProgressReportReply> {
  const read = readReport(input, now)
  if ('problem' in read) throw badRequest(read.field ? `body.${read.field} ${read.problem}` : read.problem, read.code)
  const { report } = read
  const effects = effectsOf(await deps.events.findCountingAt(report.eventType, report.occurredAt), report)
  const { recorded, duplicate } = await deps.progress.recordReport(reportDocOf(input, report, effects, now))
  if (duplicate && !isRetryOf(recorded, input)) {
    throw conflict('This Idempotency-Key was used for a different report', 'IDEMPOTENCY_KEY_REUSED')
  }
  if (!duplicate) await deps.failurePoints?.afterReportStored?.(recorded._id)
  if (!isApplied(recorded)) await applyReport(deps, recorded, now, deps.marks)
  deps.onOutcome?.(outcomeOf(recorded, duplicate))
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

/** A batch item that passed its schema: a single report's fields plus its `id` (the idempotency key). */
export type BatchItem = Omit<ReportInput, 'reportedBy' | 'idempotencyKey'> & { id: string }

/**
 * Ingests a batch (SPEC v2, "Progress — batch") under the single report's rules, in as few
 * round trips as the data allows: one read of the events counting any of the batch's types,
 * one unordered insert of every report (a duplicate key: a retry, read back in one query), one
 * bulk write of progress, one write marking them applied. `items` are the results of the per-item schema
 * check, in order: an item already found invalid is answered so in its place.
 */
export async function ingestBatch(
  deps: IngestDeps,
  now: Date,
  reportedBy: string,
  items: readonly ({ item: BatchItem } | { invalid: BatchReportResult })[]
): Promise<BatchReportResult[]> {
  const results: BatchReportResult[] = new Array(items.length)
  const seen = new Set<string>()
  const accepted: { index: number; input: ReportInput; report: ProgressReport }[] = []
  for (const [index, entry] of items.entries()) {
    if ('invalid' in entry) {
      results[index] = entry.invalid
      continue
    }
    const { id, ...fields } = entry.item
    const input: ReportInput = { ...fields, reportedBy, idempotencyKey: id }
    if (seen.has(id)) {
      results[index] = { id, status: 'duplicate', detail: 'this id appears earlier in the batch' }
      continue
    }
    const read = readReport(input, now)
    if ('problem' in read) {
      const where = read.field ? `reports.${index}.${read.field}` : `reports.${index}:`
      results[index] = { id, status: 'invalid', detail: `${where} ${read.problem} (${read.code})` }
      continue
    }
    seen.add(id)
    accepted.push({ index, input, report: read.report })
  }
  if (accepted.length > 0) await ingestAccepted(deps, now, accepted, results)
  for (const result of results) deps.onOutcome?.(result.status)
  return results
}

async function ingestAccepted(
  deps: IngestDeps,
  now: Date,
  accepted: readonly { index: number; input: ReportInput; report: ProgressReport }[],
  results: BatchReportResult[]
): Promise<void> {
  const times = accepted.map(({ report }) => report.occurredAt.getTime())
  const events = await deps.events.findCountingAny(
    [...new Set(accepted.map(({ report }) => report.eventType))],
    new Date(Math.min(...times)),
    new Date(Math.max(...times))
  )
  const docs = accepted.map(({ input, report }) => reportDocOf(input, report, effectsOf(events, report), now))
  const recorded = await deps.progress.recordReports(docs)
  const toApply: ReportDoc[] = []
  for (const [at, { recorded: stored, duplicate }] of recorded.entries()) {
    const { index, input } = accepted[at]!
    const id = input.idempotencyKey!
    if (duplicate && !isRetryOf(stored, input)) {
      results[index] = { id, status: 'invalid', detail: 'this id was used for a different report (IDEMPOTENCY_KEY_REUSED)' }
      continue
    }
    if (!duplicate) await deps.failurePoints?.afterReportStored?.(stored._id)
    // A retry of a report stored but not applied yet (a crash, or its first delivery still at work) applies it too: harmless twice.
    if (!isApplied(stored)) toApply.push(stored)
    const outcome = outcomeOf(stored, duplicate)
    results[index] = outcome === 'duplicate' ? { id, status: outcome, detail: 'received before: counted once, not again' } : { id, status: outcome }
  }
  if (toApply.length === 0) return
  noteBehindWatermark(deps, await deps.progress.applyEffectsOfMany(await Promise.all(toApply.map((report) => applicationOf(deps, report))), now))
  for (const report of toApply) await deps.failurePoints?.afterEffectsApplied?.(report._id)
  await deps.progress.markAppliedMany(toApply.map((report) => report._id), now)
}

/**
 * Marks reports applied a few milliseconds after their effects were, many in one write, off the
 * request's path. Safe because applying a report is idempotent: a mark lost to a crash leaves
 * the report unapplied, and the sweeper applies it again — changing nothing — and marks it.
 */
export interface AppliedMarks {
  mark(reportId: ObjectId, now: Date): void
  /** Writes every mark waiting (on close, and in tests). */
  flush(): Promise<void>
}

export function createAppliedMarks(progress: ProgressRepository, { delayMs, log }: { delayMs: number; log: FastifyBaseLogger }): AppliedMarks {
  let waiting: ObjectId[] = []
  let latest = new Date(0)
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()
  const flush = async () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    const ids = waiting
    waiting = []
    if (ids.length > 0) {
      writing = writing.then(() =>
        progress.markAppliedMany(ids, latest).catch((error) => log.warn({ err: error, reports: ids.length }, 'could not mark reports applied; the sweeper will'))
      )
    }
    await writing
  }
  return {
    mark(reportId, now) {
      waiting.push(reportId)
      if (now > latest) latest = now
      timer ??= setTimeout(() => void flush(), delayMs)
    },
    flush
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
