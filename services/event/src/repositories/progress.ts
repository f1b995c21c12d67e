import { MongoBulkWriteError, type AnyBulkWriteOperation, type Db, type Filter, type ObjectId, type UpdateFilter } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan, type RetiredIndexes } from '@app/platform'
import type { ProgressState, StateChange } from '../conditions/index.js'
import type { ConditionType } from '../schemas/conditions.js'
import { findPage, type PageRequest } from '@app/platform'
import { WHOLE_EVENT } from '../conditions/periods.js'

/** A user's progress toward one event's conditions in one period (`all` unless the event recurs). */
export interface ProgressDoc {
  _id: ObjectId
  userId: string
  eventId: ObjectId
  /** Filled in as `all` for documents written before periods, by the start-up migration. */
  periodKey: string
  state: ProgressState
  /** Written by the first version only (its last 50 applied reports); read for reports it left unapplied. */
  recentReports?: ObjectId[]
  /**
   * The reports whose counters were added here (`$inc`) and not settled yet, with their
   * `createdAt`: applying one of them again is refused (see `applyAll`). Bounded by time, not
   * history: `settle` removes an entry once it is old and its report marked applied.
   */
  applied?: AppliedEntry[]
  /** Just past the newest entry `settle` removed: a report created before it is refused the `$inc` (see `countBehindWatermark`). */
  settledBefore?: Date
  createdAt: Date
  updatedAt: Date
}

/** A report whose counters were added to a progress document (`ProgressDoc.applied`). */
export interface AppliedEntry {
  id: ObjectId
  /** The report's `createdAt`. */
  at: Date
}

/** The changes one report makes to one event's progress, in the period containing the report. */
export interface ReportEffect {
  eventId: ObjectId
  /** Absent on effects recorded before periods: the whole event (`all`). */
  periodKey?: string
  changes: StateChange[]
}

/** The period an effect counts toward (`all` for effects recorded before periods). */
export const periodOfEffect = (effect: Pick<ReportEffect, 'periodKey'>) => effect.periodKey ?? WHOLE_EVENT

/**
 * Every report received, unique per idempotency scope (reporting account, user, key); what it
 * changes is fixed at first receipt, so every delivery of it — a retry, a parallel duplicate,
 * the sweeper after a crash — applies the same effects.
 */
export interface ReportDoc {
  _id: ObjectId
  /** The account that reported it (token `sub`): two game servers' keys never collide. */
  reportedBy: string
  userId: string
  /** The caller's Idempotency-Key, or the report's own id when it sent none. */
  key: string
  /** Tells a retry of the same report (by meaning) from a different report reusing the key. */
  fingerprint: string
  eventType: ConditionType
  count: number
  value: string | null
  occurredAt: Date
  effects: ReportEffect[]
  /**
   * When every effect had been applied. Not yet: `false` for reports of this version, `null` for
   * reports stored before — so an instance of the previous version (its sweeper looks for `null`)
   * never applies a report of this version by the previous scheme during a rolling upgrade.
   */
  appliedAt: Date | null | false
  /** A sweeper working on it owns it until then, so two instances do not both finish it. */
  sweepLeaseUntil?: Date | null
  createdAt: Date
  /** 2: applied with the exactly-once schemes below; absent on reports of the first version. */
  v?: 2
  /**
   * Its counters are added with a guarded `$inc` into `added` (reports stored by this version);
   * absent: recorded as contributions and summed into `sum` (reports stored before).
   */
  increments?: true
}

/** Readers of progress never need the applied reports (only the guard does): they stay in the database. */
const WITHOUT_APPLIED = { applied: 0 } as const

/** Whether a stored report has been applied (and marked so). */
export const isApplied = (report: Pick<ReportDoc, 'appliedAt'>): boolean => report.appliedAt instanceof Date

/** The values `appliedAt` holds while a report is not applied (see `ReportDoc.appliedAt`). */
const NOT_APPLIED = { $in: [null, false as const] }

/**
 * One report's addition to one counter (invites, money spent) of one event, as reports stored by
 * the previous version count: the counter's `sum` is the sum of its contributions. The `_id` names the (report, event, counter), so recording the same
 * contribution twice is refused by the primary key — exactly once, however late the retry.
 */
export interface ContributionDoc {
  _id: string
  userId: string
  eventId: ObjectId
  /** Filled in as `all` for contributions recorded before periods, by the start-up migration. */
  periodKey: string
  key: string
  amount: number
  at: Date
}

export const progressIndexes = (retentionDays: number): IndexPlan => ({
  progress: [
    { key: { userId: 1, eventId: 1, periodKey: 1 }, name: 'one_per_user_event_period', unique: true },
    { key: { eventId: 1, _id: -1 }, name: 'by_event' },
    // Event stats read one period's progress of one event.
    { key: { eventId: 1, periodKey: 1 }, name: 'by_event_period' },
    // `settle` finds the documents listing reports behind its watermark; most list none.
    { key: { 'applied.at': 1 }, name: 'applied_reports', sparse: true }
  ],
  progress_reports: [
    { key: { reportedBy: 1, userId: 1, key: 1 }, name: 'idempotency_scope', unique: true },
    { key: { appliedAt: 1, createdAt: 1 }, name: 'unapplied' },
    // Real MongoDB deletes reports past the window by itself; the sweeper does the same where TTL is ignored.
    { key: { createdAt: 1 }, name: 'retention', expireAfterSeconds: retentionDays * 24 * 60 * 60 }
  ],
  progress_contributions: [{ key: { userId: 1, eventId: 1, periodKey: 1, key: 1 }, name: 'by_period_counter' }]
})

export const retiredProgressIndexes: RetiredIndexes = {
  // Scoped to the reported user alone: two reporters using one key scheme collided.
  progress_reports: ['idempotency_key'],
  // Before periods: one document per (user, event), one counter per (user, event, key).
  progress: ['one_per_user_event'],
  progress_contributions: ['by_counter']
}

/** A report lands in one period per event, so (report, event, counter) names a contribution. */
const contributionId = (reportId: ObjectId, eventId: ObjectId, key: string) => `${reportId.toHexString()}:${eventId.toHexString()}:${key}`
const counterOf = (userId: string, eventId: ObjectId, periodKey: string, key: string) => `${userId}:${eventId.toHexString()}:${periodKey}:${key}`

/**
 * How long an applied report's entry stays in `ProgressDoc.applied` at least. The watermark
 * `settle` raises is at least this far behind its clock, so a report stored on an instance whose
 * clock is behind by less — or whose insert stalled for less after it took its `createdAt` — is
 * still newer than the watermark when it is applied (older ones are counted all the same, see
 * `countBehindWatermark`, at two more reads). A minute is far beyond what synchronized clocks
 * drift, and keeps the list short: every update of the document carries it.
 */
export const SETTLE_AFTER_MS = 60 * 1000

/** One report's effects, to apply for one user. */
export interface ReportApplication {
  userId: string
  reportId: ObjectId
  /** The report's `createdAt` (see `settle`). */
  createdAt: Date
  /** Its counters are added with a guarded `$inc` (see `ReportDoc.increments`). */
  increments: boolean
  effects: readonly ReportEffect[]
}

/** The changes of one report to one (user, event, period). */
interface TargetPart {
  application: ReportApplication
  changes: StateChange[]
}

/** One progress document to update, with the parts of every report that change it. */
interface Target {
  userId: string
  eventId: ObjectId
  periodKey: string
  parts: TargetPart[]
  /** Whether this update found the document there already, by an earlier attempt's duplicate key. */
  seenExisting: boolean
}

/** The parts whose counters this update adds with `$inc`: each report at most once per document. */
const guardedParts = (target: Target) => target.parts.filter(({ application, changes }) => application.increments && changes.some((change) => 'add' in change))

/**
 * Which document to update. For reports that add to counters, the filter is the guard that makes
 * the `$inc` exactly once: none of them is listed among the document's applied reports, and none
 * is behind its settled watermark. A document that fails the guard does not match; the upsert then
 * collides with it on the unique index, which is how `applyAll` learns that.
 */
function filterFor(target: Target): Filter<ProgressDoc> {
  const filter: Filter<ProgressDoc> = { userId: target.userId, eventId: target.eventId, periodKey: target.periodKey }
  const guarded = guardedParts(target)
  if (guarded.length === 0) return filter
  const oldest = new Date(Math.min(...guarded.map(({ application }) => application.createdAt.getTime())))
  return { ...filter, 'applied.id': { $nin: guarded.map(({ application }) => application.reportId) }, settledBefore: { $not: { $gt: oldest } } }
}

/**
 * The update for one progress document: day and quest changes are sets (adding a day twice is
 * adding it once); a counter of a report of this version is `$inc`ed into `added`, guarded (see
 * `filterFor`) and the report listed in `applied`; a counter of a report stored before is raised
 * to the sum of its contributions (`$max` into `sum`: a sum read before a concurrent report's
 * contribution can never lower what that report wrote). Applying a report again — any time, any
 * number of times — therefore changes nothing.
 */
function updateFor(target: Target, sums: ReadonlyMap<string, number>, now: Date): UpdateFilter<ProgressDoc> {
  const $addToSet: Record<string, { $each: string[] }> = {}
  const $max: Record<string, number> = {}
  const $inc: Record<string, number> = {}
  const $set: Record<string, unknown> = { updatedAt: now }
  for (const { application, changes } of target.parts) {
    for (const change of changes) {
      if ('addDay' in change) ($addToSet[`state.${change.key}.days`] ??= { $each: [] }).$each.push(change.addDay)
      else if ('add' in change && application.increments) $inc[`state.${change.key}.added`] = ($inc[`state.${change.key}.added`] ?? 0) + change.add
      else if ('add' in change) {
        // Several reports of one batch may add to one counter: the sum read covers them all.
        const sum = sums.get(counterOf(target.userId, target.eventId, target.periodKey, change.key)) ?? change.add
        $max[`state.${change.key}.sum`] = Math.max(sum, $max[`state.${change.key}.sum`] ?? 0)
      } else $set[`state.${change.key}.done`] = true
    }
  }
  const guarded = guardedParts(target)
  return {
    $set,
    $setOnInsert: { createdAt: now },
    ...(Object.keys($addToSet).length > 0 ? { $addToSet } : {}),
    ...(Object.keys($max).length > 0 ? { $max } : {}),
    ...(Object.keys($inc).length > 0 ? { $inc } : {}),
    ...(guarded.length > 0 ? { $push: { applied: { $each: guarded.map(({ application }) => ({ id: application.reportId, at: application.createdAt })) } } } : {})
  } as UpdateFilter<ProgressDoc>
}

/**
 * What to do with an update that lost to the unique index: a first upsert racing another for a
 * new document is sent again (it finds the document now); an update for several reports is split
 * into one per report, so one applied before does not hold up the others; one report's update
 * that found the document there and still did not match was refused by the guard — `refused`.
 */
function afterDuplicateKey(target: Target): { retry: Target[]; refused: Target[] } {
  const guarded = guardedParts(target)
  if (guarded.length === 0) return { retry: [{ ...target, seenExisting: true }], refused: [] }
  if (target.parts.length > 1) return { retry: target.parts.map((part) => ({ ...target, parts: [part], seenExisting: true })), refused: [] }
  return target.seenExisting ? { retry: [], refused: [target] } : { retry: [{ ...target, seenExisting: true }], refused: [] }
}

/** Indexes of the operations a bulk write lost to a unique index; null for any other failure. */
function duplicateKeyOperations(error: unknown): number[] | null {
  if (!(error instanceof MongoBulkWriteError)) return null
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
  if (failures.length === 0 || failures.some((failure) => failure.code !== 11000)) return null
  return failures.map((failure) => failure.index)
}

export function createProgressRepository(db: Db) {
  const progress = db.collection<ProgressDoc>('progress')
  const reports = db.collection<ReportDoc>('progress_reports')
  const contributions = db.collection<ContributionDoc>('progress_contributions')

  /**
   * Records each counter contribution of these reports (of the previous version) once — ones
   * recorded before, by a retry or a racing duplicate, are skipped — then reads every counter they
   * touch summed: one insert and one aggregation for any number of reports.
   */
  async function contribute(applications: readonly ReportApplication[], now: Date): Promise<Map<string, number>> {
    const docs: ContributionDoc[] = applications.flatMap(({ userId, reportId, effects }) =>
      effects.flatMap((effect) =>
        effect.changes.flatMap((change) =>
          'add' in change
            ? [
                {
                  _id: contributionId(reportId, effect.eventId, change.key),
                  userId,
                  eventId: effect.eventId,
                  periodKey: periodOfEffect(effect),
                  key: change.key,
                  amount: change.add,
                  at: now
                }
              ]
            : []
        )
      )
    )
    if (docs.length === 0) return new Map()
    try {
      await contributions.insertMany(docs, { ordered: false })
    } catch (error) {
      if (duplicateKeyOperations(error) === null && !isDuplicateKeyError(error)) throw error
    }
    const distinct = <T>(values: T[]) => [...new Map(values.map((value) => [String(value), value])).values()]
    const sums = await contributions
      .aggregate<{ _id: { userId: string; eventId: ObjectId; periodKey: string; key: string }; sum: number }>([
        {
          // A superset of the counters touched (each field on its own): the map is read by exact counter.
          $match: {
            userId: { $in: distinct(docs.map((doc) => doc.userId)) },
            eventId: { $in: distinct(docs.map((doc) => doc.eventId)) },
            periodKey: { $in: distinct(docs.map((doc) => doc.periodKey)) },
            key: { $in: distinct(docs.map((doc) => doc.key)) }
          }
        },
        { $group: { _id: { userId: '$userId', eventId: '$eventId', periodKey: '$periodKey', key: '$key' }, sum: { $sum: '$amount' } } }
      ])
      .toArray()
    return new Map(sums.map((row) => [counterOf(row._id.userId, row._id.eventId, row._id.periodKey, row._id.key), row.sum]))
  }

  /**
   * Applies reports' effects to progress, exactly once per (report, event) however often it runs
   * (see `filterFor`, `updateFor`, `contribute`): one unordered bulk write with one update per
   * (user, event, period) touched — after the contributions, for reports of the previous version.
   * Updates that lost to the unique index are sent again as `afterDuplicateKey` says; what the
   * guard refused goes to `countBehindWatermark`. Returns how many reports that took.
   */
  async function applyAll(applications: readonly ReportApplication[], now: Date): Promise<number> {
    if (applications.every((application) => application.effects.length === 0)) return 0
    const sums = await contribute(
      applications.filter((application) => !application.increments),
      now
    )
    const targets = new Map<string, Target>()
    for (const application of applications) {
      for (const effect of application.effects) {
        const periodKey = periodOfEffect(effect)
        const key = counterOf(application.userId, effect.eventId, periodKey, '')
        const target = targets.get(key) ?? { userId: application.userId, eventId: effect.eventId, periodKey, parts: [], seenExisting: false }
        target.parts.push({ application, changes: effect.changes })
        targets.set(key, target)
      }
    }
    let pending = [...targets.values()]
    const refused: Target[] = []
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await progress.bulkWrite(
          pending.map((target) => ({ updateOne: { filter: filterFor(target), update: updateFor(target, sums, now), upsert: true } })),
          { ordered: false }
        )
        pending = []
      } catch (error) {
        const duplicates = duplicateKeyOperations(error)
        // Past a few rounds the index is refusing for another reason than a race or a guard.
        if (duplicates === null || attempt === 4) throw error
        const next = duplicates.map((index) => afterDuplicateKey(pending[index]!))
        pending = next.flatMap(({ retry }) => retry)
        refused.push(...next.flatMap((outcome) => outcome.refused))
      }
    }
    return refused.length === 0 ? 0 : countBehindWatermark(refused, now)
  }

  /**
   * A report the guard refused was added to that document already — it is listed there, or it
   * has been marked applied (an entry is settled only after its report is marked) — unless it
   * reached the document behind its watermark without ever being added there: stored by an
   * instance whose clock is behind the settling one's by more than `SETTLE_AFTER_MS`, or whose
   * insert stalled that long. Never listed and not marked means never added (marks only go one
   * way, and the watermark, once past it, refuses every `$inc` of it), so such a report's
   * counters for that document are counted the other exactly-once way: a contribution keyed by
   * (report, event, counter) and the counter's `sum` raised to the contributions' sum. Checked in
   * that order — listed, then marked — so an attempt that finds neither cannot race one that
   * added it. Rare: two reads per refusal. Returns how many were counted so.
   */
  async function countBehindWatermark(refused: readonly Target[], now: Date): Promise<number> {
    let counted = 0
    for (const target of refused) {
      const { application } = target.parts[0]!
      const keys = { userId: target.userId, eventId: target.eventId, periodKey: target.periodKey }
      if (await progress.findOne({ ...keys, 'applied.id': application.reportId }, { projection: { _id: 1 } })) continue
      if (!(await reports.findOne({ _id: application.reportId, appliedAt: NOT_APPLIED }, { projection: { _id: 1 } }))) continue
      counted += 1
      const effects = application.effects.filter((effect) => effect.eventId.equals(target.eventId) && periodOfEffect(effect) === target.periodKey)
      await applyAll([{ ...application, increments: false, effects }], now)
    }
    return counted
  }

  /** When the oldest report not applied yet was stored (null: none). */
  const oldestUnapplied = async (): Promise<Date | null> =>
    (await reports.find({ appliedAt: NOT_APPLIED }, { projection: { createdAt: 1 } }).sort({ createdAt: 1 }).limit(1).toArray())[0]?.createdAt ?? null

  /**
   * Settles applied reports: removes from `ProgressDoc.applied` the entries older than
   * `SETTLE_AFTER_MS` whose reports are marked applied (or gone with the retention clean-up), and
   * raises the document's `settledBefore` just past the newest of them, so an attempt that read
   * one of them as unapplied before it was marked, and writes only now, is refused. An entry whose
   * report is not marked stays, however old: that is what lets `countBehindWatermark` tell a
   * report never added from one added. Works in pages of `pageSize` documents, at most
   * `maxPages` a call; a document with nothing to settle (its old entries all wait for their
   * reports) is passed over for the rest of the call, so waiting documents hold back the others
   * only past `pageSize × maxPages` of them. Returns how many documents changed.
   */
  async function settle(now: Date, { pageSize = 500, maxPages = 20 } = {}): Promise<number> {
    const margin = new Date(now.getTime() - SETTLE_AFTER_MS)
    const waitingDocs: ObjectId[] = []
    let changed = 0
    for (let page = 0; page < maxPages; page++) {
      const docs = await progress
        .find({ 'applied.at': { $lt: margin }, ...(waitingDocs.length > 0 ? { _id: { $nin: waitingDocs } } : {}) }, { projection: { applied: 1 } })
        .limit(pageSize)
        .toArray()
      if (docs.length === 0) break
      const candidates = docs.flatMap((doc) => (doc.applied ?? []).filter((entry) => entry.at < margin).map((entry) => entry.id))
      const unmarked = await reports.find({ _id: { $in: candidates }, appliedAt: NOT_APPLIED }, { projection: { _id: 1 } }).toArray()
      const waiting = new Set(unmarked.map((report) => report._id.toHexString()))
      const operations: AnyBulkWriteOperation<ProgressDoc>[] = []
      for (const doc of docs) {
        const settled = (doc.applied ?? []).filter((entry) => entry.at < margin && !waiting.has(entry.id.toHexString()))
        if (settled.length === 0) {
          waitingDocs.push(doc._id)
          continue
        }
        const newest = Math.max(...settled.map((entry) => entry.at.getTime()))
        operations.push({
          updateOne: {
            filter: { _id: doc._id },
            update: { $pull: { applied: { id: { $in: settled.map((entry) => entry.id) } } }, $max: { settledBefore: new Date(newest + 1) } } as UpdateFilter<ProgressDoc>
          }
        })
      }
      if (operations.length > 0) changed += (await progress.bulkWrite(operations, { ordered: false })).modifiedCount
      if (docs.length < pageSize) break
    }
    return changed
  }

  return {
    find: (userId: string, eventId: ObjectId, periodKey: string) => progress.findOne({ userId, eventId, periodKey }, { projection: WITHOUT_APPLIED }),

    /** Every player's progress state in one period of an event (one document per player), streamed: the stats. */
    statesIn: (eventId: ObjectId, periodKey: string) =>
      progress.find({ eventId, periodKey }, { projection: { _id: 0, state: 1 } }).batchSize(5_000) as AsyncIterable<Pick<ProgressDoc, 'state'>>,
    /** Whether anyone has progress in the event (the `by_event` index): what fixes its conditions, time zone and periods. */
    hasAny: async (eventId: ObjectId) => (await progress.findOne({ eventId }, { projection: { _id: 1 } })) !== null,

    /** One player's progress in each of these (event, period) pairs, in one read. */
    findPeriods: (userId: string, periods: readonly { eventId: ObjectId; periodKey: string }[]) =>
      periods.length === 0 ? Promise.resolve([]) : progress.find({ userId, $or: periods.map(({ eventId, periodKey }) => ({ eventId, periodKey })) }, { projection: WITHOUT_APPLIED }).toArray(),

    list({ userId, eventId }: { userId?: string | undefined; eventId?: ObjectId | undefined }, page: PageRequest) {
      const filter: Filter<ProgressDoc> = {}
      if (userId !== undefined) filter.userId = userId
      if (eventId !== undefined) filter.eventId = eventId
      return findPage(progress, filter, page, WITHOUT_APPLIED)
    },

    /** Stores a new report; if its scope (reporter, user, key) holds one already, returns that one instead. */
    async recordReport(report: ReportDoc): Promise<{ recorded: ReportDoc; duplicate: boolean }> {
      try {
        await reports.insertOne(report)
        return { recorded: report, duplicate: false }
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
        const existing = await reports.findOne({ reportedBy: report.reportedBy, userId: report.userId, key: report.key })
        if (!existing) throw error
        return { recorded: existing, duplicate: true }
      }
    },

    /** Applies one report's effects (see `applyAll`). */
    applyEffects: (application: ReportApplication, now: Date) => applyAll([application], now),

    /** Applies many reports' effects in one bulk write (see `applyAll`). */
    applyEffectsOfMany: applyAll,

    settle,

    /**
     * The effects of a first-version report that the first version had applied to none of the
     * events yet: it remembered applied reports in `recentReports`, and re-applying one it had
     * counted would count it twice.
     */
    async effectsNotAppliedByFirstVersion(report: ReportDoc): Promise<ReportEffect[]> {
      if (report.v === 2 || report.effects.length === 0) return report.effects
      const applied = await progress
        .find({ userId: report.userId, eventId: { $in: report.effects.map((effect) => effect.eventId) }, recentReports: report._id }, { projection: { eventId: 1 } })
        .toArray()
      const done = new Set(applied.map((doc) => doc.eventId.toHexString()))
      return report.effects.filter((effect) => !done.has(effect.eventId.toHexString()))
    },

    /**
     * Stores new reports in one unordered insert; for each whose scope (reporter, user, key) holds
     * one already, returns that one instead (read in one query). `duplicate[i]` says which.
     */
    async recordReports(docs: readonly ReportDoc[]): Promise<{ recorded: ReportDoc; duplicate: boolean }[]> {
      if (docs.length === 0) return []
      let lost: number[] = []
      try {
        await reports.insertMany([...docs], { ordered: false })
      } catch (error) {
        const duplicates = duplicateKeyOperations(error)
        if (duplicates === null) throw error
        lost = duplicates
      }
      if (lost.length === 0) return docs.map((recorded) => ({ recorded, duplicate: false }))
      const [first] = docs
      const existing = await reports
        .find({ reportedBy: first!.reportedBy, $or: lost.map((index) => ({ userId: docs[index]!.userId, key: docs[index]!.key })) })
        .toArray()
      const byScope = new Map(existing.map((doc) => [`${doc.userId}\u0000${doc.key}`, doc]))
      const lostSet = new Set(lost)
      return docs.map((doc, index) => {
        if (!lostSet.has(index)) return { recorded: doc, duplicate: false }
        const recorded = byScope.get(`${doc.userId}\u0000${doc.key}`)
        // Deleted between the insert and the read (the retention clean-up): too rare to be worth a second pass.
        if (!recorded) throw new Error(`progress report ${doc.key} vanished while being recorded`)
        return { recorded, duplicate: true }
      })
    },

    /** Marks these reports applied, in one write. */
    markAppliedMany: (reportIds: readonly ObjectId[], now: Date) =>
      reportIds.length === 0
        ? Promise.resolve()
        : reports.updateMany({ _id: { $in: [...reportIds] }, appliedAt: NOT_APPLIED }, { $set: { appliedAt: now, sweepLeaseUntil: null } }).then(() => {}),

    markApplied: (reportId: ObjectId, now: Date) =>
      reports.updateOne({ _id: reportId, appliedAt: NOT_APPLIED }, { $set: { appliedAt: now, sweepLeaseUntil: null } }),

    /** Reports stored before `createdBefore` and not applied: a crash between the two writes. */
    unapplied: (createdBefore: Date, limit: number) =>
      reports.find({ appliedAt: NOT_APPLIED, createdAt: { $lt: createdBefore } }, { projection: { _id: 1 } }).sort({ createdAt: 1 }).limit(limit).toArray(),

    /** Takes an unapplied report for `leaseMs` unless another sweeper holds it; null: applied meanwhile, or taken. */
    leaseUnapplied: (id: ObjectId, now: Date, leaseMs: number) =>
      reports.findOneAndUpdate(
        { _id: id, appliedAt: NOT_APPLIED, $or: [{ sweepLeaseUntil: null }, { sweepLeaseUntil: { $lt: now } }] },
        { $set: { sweepLeaseUntil: new Date(now.getTime() + leaseMs) } },
        { returnDocument: 'after' }
      ),

    releaseUnapplied: (id: ObjectId) => reports.updateOne({ _id: id, appliedAt: NOT_APPLIED }, { $set: { sweepLeaseUntil: null } }),

    countUnapplied: () => reports.countDocuments({ appliedAt: NOT_APPLIED }),

    oldestUnapplied,

    /** Gives progress written before periods its period, the whole event; returns how many documents changed. */
    async setLegacyPeriods(): Promise<number> {
      const set = { $set: { periodKey: WHOLE_EVENT } }
      const [docs, counters] = await Promise.all([
        progress.updateMany({ periodKey: { $exists: false } }, set),
        contributions.updateMany({ periodKey: { $exists: false } }, set)
      ])
      return docs.modifiedCount + counters.modifiedCount
    },

    /** The retention window, where TTL indexes are not enforced (the embedded server); returns how many went. */
    async deleteReportsBefore(cutoff: Date): Promise<number> {
      return (await reports.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount
    }
  }
}
export type ProgressRepository = ReturnType<typeof createProgressRepository>
