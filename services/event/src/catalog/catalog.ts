import { ObjectId, type Db, type Filter } from 'mongodb'
import { decodeCursor, encodeCursor, escapeRegExp, type Page, type PageRequest } from '@app/platform'
import type { EventDoc, EventRepository } from '../repositories/events.js'
import type { RewardDoc, RewardRepository } from '../repositories/rewards.js'
import { eventStatus, readsWholeCatalog, visibleTo, type CatalogReader, type EventStatus } from './visibility.js'

/**
 * The catalog as readers see it: events and bundles, served from an in-process snapshot when the
 * catalog is small enough, else from the database — the same filters, order and cursors either way.
 *
 * Freshness: every event or bundle write bumps a stamp document (`catalog_state`, `$inc`). A
 * write in this process drops the snapshot at once; another instance's write is noticed at the
 * next stamp check, at most `checkIntervalMs` later (judged on the service clock), which reloads.
 * What the snapshot lacks is looked up in the database, so a miss is never a 404. What changes
 * with every claim (`stockLeft`) is read from the database for the bundles a reply shows. What
 * depends on the reader (audience, visibility at now) is applied per request, never cached.
 * Claims and writes read the database, not this.
 *
 * A page read from the snapshot comes with the snapshot's `renderings`: a reply made only of
 * the page's documents (no reader data) may be kept there under a key naming what it shows, and
 * is dropped with the snapshot, so it is never staler than the documents it was made from.
 */

export interface EventListFilter {
  /** Staff's filter (see `eventStatus`); a player may pass it too and gets the visible part. */
  status?: EventStatus | undefined
  active?: boolean | undefined
  /** true: the window contains now; false: it does not. */
  current?: boolean | undefined
  /** Only events whose name contains this text, ignoring case, taken literally. */
  nameContains?: string | undefined
}

/**
 * The name search: the same escaped pattern and `i` flag on both paths (the database's `$regex`
 * and the snapshot's test), so they agree on what matches. Not index-backed: the other filters
 * narrow first, and a staff catalog is small. (`$regex` as a string with `$options`, not a
 * RegExp: the embedded test server refuses a BSON regex value.)
 */
/** The last search's pattern: a list judges every event against one `q`, compiled once. */
let lastNamePattern: { text: string; pattern: RegExp } | undefined
function namePattern(text: string): RegExp {
  if (lastNamePattern?.text !== text) lastNamePattern = { text, pattern: new RegExp(escapeRegExp(text), 'i') }
  return lastNamePattern.pattern
}

export interface CatalogOptions {
  events: EventRepository
  rewards: RewardRepository
  db: Db
  clock: () => Date
  /** The most another instance's write may stay unseen. */
  checkIntervalMs: number
  /** Above this many events nothing is held in memory. 0: never. */
  maxEvents: number
  /** Rendered pages kept per snapshot (see `Renderings`). 0: none. */
  renderedPages?: number
}

interface Snapshot {
  /** Newest first, as pages are. */
  events: EventDoc[]
  eventsById: Map<string, EventDoc>
  rewards: RewardDoc[]
  rewardsById: Map<string, RewardDoc>
  renderings: Renderings
}

/**
 * Replies rendered from one snapshot's documents (the serialized bytes of a list page), bounded:
 * the oldest goes first. The key must name everything the bytes depend on besides those
 * documents (which ones, in which order, the variant of each, the cursor); per-reader decisions
 * (who sees what) are made before, per request, and show in the key only as their outcome.
 */
export interface Renderings {
  get(key: string): Buffer | undefined
  set(key: string, bytes: Buffer): void
}

/** A page, and where a rendering of it may be kept (null: read from the database, keep nothing). */
export interface CatalogPage<T> extends Page<T> {
  renderings: Renderings | null
}

/** Distinct pages kept per snapshot: audiences, filters and cursors multiply them, players do not. */
const RENDERINGS_PER_SNAPSHOT = 256

function createRenderings(maxEntries: number): Renderings {
  // A Map iterates in insertion order: the first key is the oldest.
  const entries = new Map<string, Buffer>()
  return {
    get: (key) => entries.get(key),
    set(key, bytes) {
      if (maxEntries === 0) return
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
      entries.set(key, bytes)
    }
  }
}

const STAMP_ID = 'catalog'
/** Bundles held in memory at most (per event there are few; past this the database serves). */
const REWARDS_PER_EVENT_BOUND = 20

/** The database query for an event filter (index-backed: `activate`, then the window). */
export function eventFilterOf({ status, active, current, nameContains }: EventListFilter, reader: CatalogReader, now: Date): Filter<EventDoc> {
  const and: Filter<EventDoc>[] = []
  if (nameContains !== undefined) and.push({ name: { $regex: escapeRegExp(nameContains), $options: 'i' } })
  if (active !== undefined) and.push({ activate: active })
  if (current === true) and.push({ startedAt: { $lte: now }, endedAt: { $gt: now } })
  if (current === false) and.push({ $or: [{ startedAt: { $gt: now } }, { endedAt: { $lte: now } }] })
  if (status === 'inactive') and.push({ activate: false })
  if (status === 'upcoming') and.push({ activate: true, startedAt: { $gt: now } })
  if (status === 'live') and.push({ activate: true, startedAt: { $lte: now }, endedAt: { $gt: now } })
  if (status === 'ended') and.push({ activate: true, endedAt: { $lte: now } })
  // A player's audience is judged per event (in `visibleTo`), on what this narrows down.
  if (!readsWholeCatalog(reader)) and.push({ activate: true, startedAt: { $lte: now } })
  return and.length === 0 ? {} : { $and: and }
}

/** The same filter, judged on one event in memory. */
export function eventMatches(event: EventDoc, { status, active, current, nameContains }: EventListFilter, now: Date): boolean {
  if (active !== undefined && event.activate !== active) return false
  if (nameContains !== undefined && !namePattern(nameContains).test(event.name)) return false
  const inWindow = event.startedAt <= now && now < event.endedAt
  if (current !== undefined && inWindow !== current) return false
  return status === undefined || eventStatus(event, now) === status
}

/**
 * A page from documents in `_id` order, newest first (from the cursor on), keeping those `keep`
 * accepts: stops as soon as it knows whether a next page exists.
 */
async function collectPage<T extends { _id: ObjectId }>(
  docs: AsyncIterable<T> | Iterable<T>,
  keep: (doc: T) => boolean | Promise<boolean>,
  limit: number
): Promise<Page<T>> {
  const items: T[] = []
  for await (const doc of docs) {
    if (!(await keep(doc))) continue
    if (items.length === limit) return { items, nextCursor: encodeCursor(items[items.length - 1]!._id) }
    items.push(doc)
  }
  return { items, nextCursor: null }
}

/** The snapshot's documents after the cursor (those with a smaller `_id`; the arrays are newest first). */
function* after<T extends { _id: ObjectId }>(docs: readonly T[], cursor: ObjectId | undefined): Iterable<T> {
  for (const doc of docs) if (!cursor || doc._id.toHexString() < cursor.toHexString()) yield doc
}

export function createCatalog({ events, rewards, db, clock, checkIntervalMs, maxEvents, renderedPages = RENDERINGS_PER_SNAPSHOT }: CatalogOptions) {
  const stamps = db.collection<{ _id: string; version: number }>('catalog_state')
  const eventsCollection = db.collection<EventDoc>('events')
  const rewardsCollection = db.collection<RewardDoc>('rewards')

  /** Null: not loaded, dropped by a write, or the catalog was too big at the last look (`dirty` tells which). */
  let snapshot: Snapshot | null = null
  /** The stamp the held state (a snapshot, or "too big") was read at. */
  let heldStamp = -1
  /** True until loaded, and again after every local write. */
  let dirty = true
  let lastCheckedAt: number | null = null
  let loading: Promise<Snapshot | null> | null = null
  /** Raised by every local write: a load that began before it must not install (or serve) what it read. */
  let generation = 0

  const readStamp = async () => (await stamps.findOne({ _id: STAMP_ID }))?.version ?? 0

  async function load(): Promise<Snapshot | null> {
    const startedGeneration = generation
    // The stamp first, then the data: data newer than its stamp only costs one more reload.
    const stamp = await readStamp()
    const eventDocs = await eventsCollection.find({}).sort({ _id: -1 }).limit(maxEvents + 1).toArray()
    let loaded: Snapshot | null = null
    if (eventDocs.length <= maxEvents) {
      const rewardBound = Math.max(1, eventDocs.length) * REWARDS_PER_EVENT_BOUND
      const rewardDocs = await rewardsCollection.find({}).sort({ _id: -1 }).limit(rewardBound + 1).toArray()
      if (rewardDocs.length <= rewardBound) {
        loaded = {
          events: eventDocs,
          eventsById: new Map(eventDocs.map((event) => [event._id.toHexString(), event])),
          rewards: rewardDocs,
          rewardsById: new Map(rewardDocs.map((reward) => [reward._id.toHexString(), reward])),
          renderings: createRenderings(renderedPages)
        }
      }
    }
    if (generation !== startedGeneration) return null
    snapshot = loaded
    heldStamp = stamp
    dirty = false
    return loaded
  }

  /** The snapshot to serve from now, or null: read the database. */
  async function current(): Promise<Snapshot | null> {
    if (maxEvents === 0) return null
    const now = clock().getTime()
    // A clock set back (tests move it) counts as due.
    const due = lastCheckedAt === null || now < lastCheckedAt || now - lastCheckedAt >= checkIntervalMs
    if (!due && !dirty) return snapshot
    loading ??= (async () => {
      try {
        // The check counts only once it succeeded: while the database is away, nothing older than
        // one interval is served (the read fails as a database read would, with a 503).
        if (!dirty && (await readStamp()) === heldStamp) {
          if (due) lastCheckedAt = now
          return snapshot
        }
        const loaded = await load()
        if (due) lastCheckedAt = now
        return loaded
      } finally {
        loading = null
      }
    })()
    return loading
  }

  /** `stockLeft` moves with every claim: read it for the stocked bundles about to be shown. */
  async function withLiveStock(docs: RewardDoc[]): Promise<RewardDoc[]> {
    const stocked = docs.filter((reward) => typeof reward.stock === 'number').map((reward) => reward._id)
    if (stocked.length === 0) return docs
    const live = new Map(
      (await rewardsCollection.find({ _id: { $in: stocked } }, { projection: { stockLeft: 1 } }).toArray()).map((doc) => [doc._id.toHexString(), doc.stockLeft])
    )
    return docs.map((reward) => (live.has(reward._id.toHexString()) ? { ...reward, stockLeft: live.get(reward._id.toHexString()) ?? null } : reward))
  }

  async function eventById(id: ObjectId, held: Snapshot | null): Promise<EventDoc | null> {
    return held?.eventsById.get(id.toHexString()) ?? (await events.findById(id))
  }

  /**
   * The event if the reader may see it. A refusal judged on the snapshot is confirmed on the
   * database: an event another instance has just activated or opened to the player is shown at
   * once rather than a 404 for up to a check interval (refusals are rare; hits stay free).
   */
  async function visibleEvent(reader: CatalogReader, id: ObjectId, held: Snapshot | null): Promise<EventDoc | null> {
    const now = clock()
    const cached = held?.eventsById.get(id.toHexString())
    if (cached && visibleTo(cached, reader, now)) return cached
    const stored = await events.findById(id)
    return stored && visibleTo(stored, reader, now) ? stored : null
  }

  return {
    /** Events the reader may see, matching the filter, newest first. */
    async listEvents(reader: CatalogReader, filter: EventListFilter, { limit = 20, cursor }: PageRequest): Promise<CatalogPage<EventDoc>> {
      const now = clock()
      const seek = cursor === undefined ? undefined : decodeCursor(cursor)
      const keep = (event: EventDoc) => eventMatches(event, filter, now) && visibleTo(event, reader, now)
      const held = await current()
      if (held) return { ...(await collectPage(after(held.events, seek), keep, limit)), renderings: held.renderings }
      const query = eventFilterOf(filter, reader, now)
      const docs = eventsCollection.find(seek ? { $and: [query, { _id: { $lt: seek } }] } : query).sort({ _id: -1 })
      try {
        return { ...(await collectPage(docs, keep, limit)), renderings: null }
      } finally {
        await docs.close()
      }
    },

    /** The event, if it exists and the reader may see it. */
    async findEvent(reader: CatalogReader, id: ObjectId): Promise<EventDoc | null> {
      return visibleEvent(reader, id, await current())
    },

    /** Bundles of events the reader may see (of one event, when named), newest first. */
    async listRewards(reader: CatalogReader, { eventId }: { eventId?: ObjectId | undefined }, { limit = 20, cursor }: PageRequest): Promise<Page<RewardDoc>> {
      const now = clock()
      const seek = cursor === undefined ? undefined : decodeCursor(cursor)
      const held = await current()
      const visibility = new Map<string, Promise<boolean>>()
      const eventVisible = (id: ObjectId) => {
        const key = id.toHexString()
        let known = visibility.get(key)
        if (!known) {
          known = eventById(id, held).then((event) => event !== null && visibleTo(event, reader, now))
          visibility.set(key, known)
        }
        return known
      }
      const keep = async (reward: RewardDoc) =>
        (eventId === undefined || reward.eventId.equals(eventId)) && (readsWholeCatalog(reader) || (await eventVisible(reward.eventId)))
      let page: Page<RewardDoc>
      if (held) page = await collectPage(after(held.rewards, seek), keep, limit)
      else {
        const query: Filter<RewardDoc> = eventId ? { eventId } : {}
        const docs = rewardsCollection.find(seek ? { $and: [query, { _id: { $lt: seek } }] } : query).sort({ _id: -1 })
        try {
          page = await collectPage(docs, keep, limit)
        } finally {
          await docs.close()
        }
      }
      return { items: held ? await withLiveStock(page.items) : page.items, nextCursor: page.nextCursor }
    },

    /** The bundle, if it exists and the reader may see its event. */
    async findReward(reader: CatalogReader, id: ObjectId): Promise<RewardDoc | null> {
      const held = await current()
      const cached = held?.rewardsById.get(id.toHexString())
      const reward = cached ? (await withLiveStock([cached]))[0]! : await rewards.findById(id)
      if (!reward) return null
      return (await visibleEvent(reader, reward.eventId, held)) ? reward : null
    },

    /** After every event or bundle write: this instance drops its snapshot now, the others at their next check. */
    async changed(): Promise<void> {
      generation += 1
      snapshot = null
      dirty = true
      loading = null
      for (let attempt = 0; ; attempt += 1) {
        try {
          await stamps.updateOne({ _id: STAMP_ID }, { $inc: { version: 1 } }, { upsert: true })
          break
        } catch (error) {
          // Two first writes may both try to insert the stamp; the loser's retry increments it.
          if (attempt > 0) throw error
        }
      }
    }
  }
}
export type Catalog = ReturnType<typeof createCatalog>
