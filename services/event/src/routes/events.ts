import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { isDeepStrictEqual } from 'node:util'
import { ObjectId } from 'mongodb'
import { IdParams, problemResponses } from '@app/contracts'
import { badRequest, conflict, invalidField, notFound } from '@app/platform'
import { auditSnapshot, changedFields } from '../catalog/changes.js'
import { EDIT_ATTEMPTS, afterLostEdit, catalogWritten, editedMeanwhile, nullOrKind, versionConflict } from '../catalog/edits.js'
import { normalizedAudience, readsWholeCatalog } from '../catalog/visibility.js'
import { isExclusive } from '../claims/slots.js'
import { isKnownTimezone } from '../conditions/calendar.js'
import { periodMisfit } from '../conditions/index.js'
import { leavesOf } from '../schemas/conditions.js'
import type { EventDoc } from '../repositories/events.js'
import { versionOf } from '../repositories/versions.js'
import { CreateEventBody, Event, EventListQuery, EventPage, UpdateEventBody } from '../schemas/events.js'
import { bearer } from './openapi.js'

const tags = ['events']

/**
 * An event as read. Who an audience admits or excludes (`noneTags: ["fraud-suspect"]`) is for
 * staff and game servers: a player's copy leaves it out.
 */
function toEvent(event: EventDoc, forPlayer = false): Event {
  return {
    id: event._id.toHexString(),
    name: event.name,
    description: event.description,
    activate: event.activate,
    startedAt: event.startedAt.toISOString(),
    endedAt: event.endedAt.toISOString(),
    timezone: event.timezone,
    recurrence: event.recurrence ?? null,
    requireApproval: event.requireApproval,
    exclusiveRewards: isExclusive(event),
    ...(forPlayer ? {} : { audience: event.audience ?? null }),
    contents: event.contents,
    version: versionOf(event),
    createdBy: event.createdBy,
    createdAt: event.createdAt.toISOString(),
    updatedAt: event.updatedAt.toISOString()
  }
}

function assertWindow(startedAt: Date, endedAt: Date): void {
  if (endedAt <= startedAt) throw badRequest('body.endedAt must be after startedAt', 'INVALID_WINDOW')
}

function assertTimezone(timezone: string): void {
  if (!isKnownTimezone(timezone)) throw badRequest(`body.timezone ${timezone} is not a known IANA time zone`, 'UNKNOWN_TIMEZONE')
}

/** What an edit may change, in the order the audit log lists them. */
const EDITABLE = ['name', 'description', 'activate', 'startedAt', 'endedAt', 'requireApproval', 'audience', 'exclusiveRewards', 'timezone', 'recurrence', 'contents'] as const
/** Fixed once the event has progress or a claim (SPEC v2, *Edits*): progress and slots were counted under them. */
const FIXED_AFTER_ACTIVITY = ['exclusiveRewards', 'timezone', 'recurrence', 'contents'] as const

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events, rewards, claims, progress, auditLog } = app.repositories
  const { catalog } = app
  const written = { auditLog, catalog }

  app.post(
    '/event',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'createEvent',
        summary: 'Create an event',
        description: 'The author is the caller (token `sub`); a `userId` in the body is accepted and ignored.',
        body: CreateEventBody,
        response: { 201: Event, ...problemResponses(400, 401, 403, 413, 415) }
      }
    },
    async (request, reply) => {
      const { name, description = '', activate = true, timezone = 'UTC', recurrence = null, requireApproval = false, exclusiveRewards = false, contents } =
        request.body
      assertTimezone(timezone)
      const misfit = periodMisfit(contents, recurrence, 'body.contents')
      if (misfit) throw invalidField(misfit.field, misfit.message, 'CONDITION_EXCEEDS_PERIOD')
      const startedAt = new Date(request.body.startedAt)
      const endedAt = new Date(request.body.endedAt)
      assertWindow(startedAt, endedAt)
      const now = app.clock()
      const audience = normalizedAudience(request.body.audience)
      const event = await events.insert({
        name,
        description,
        activate,
        startedAt,
        endedAt,
        timezone,
        ...(recurrence ? { recurrence } : {}),
        requireApproval,
        exclusiveRewards,
        ...(audience ? { audience } : {}),
        contents,
        countedConditions: leavesOf(contents),
        version: 1,
        createdBy: request.user.sub,
        createdAt: now,
        updatedAt: now
      })
      const created = toEvent(event)
      await catalogWritten(written, { at: now, actor: request.user.sub, action: 'event.create', entity: { type: 'event', id: created.id }, before: null, after: auditSnapshot(created) })
      return reply.code(201).send(created)
    }
  )

  app.get(
    '/event',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'listEvents',
        summary: 'List events, newest first',
        description:
          'Players see the events that are active and have started (ended ones included) and whose `audience` admits their tags; ' +
          'staff and game servers see every event. `status` (upcoming, live, ended, inactive) narrows either: a player asking for ' +
          '`upcoming` or `inactive` gets an empty list. `q` finds events by a part of their name. Filters combine (AND).',
        querystring: EventListQuery,
        response: { 200: EventPage, ...problemResponses(400, 401, 403) }
      }
    },
    async (request, reply) => {
      const { status, active, current, q, limit, cursor } = request.query
      const page = await catalog.listEvents(request.user, { status, active, current, nameContains: q }, { limit, cursor })
      const forPlayer = !readsWholeCatalog(request.user)
      const render = () => ({ items: page.items.map((event) => toEvent(event, forPlayer)), nextCursor: page.nextCursor })
      if (!page.renderings) return render()
      // Every player (and every reader) who is shown the same events of one snapshot gets the
      // same bytes: building and serializing them was most of this route's CPU under load.
      // The key is what the page shows, decided per reader above; nothing of the reader is in the bytes.
      const key = `${forPlayer ? 'player' : 'whole'} ${page.nextCursor ?? '-'} ${page.items.map((event) => event._id.toHexString()).join(',')}`
      let bytes = page.renderings.get(key)
      if (!bytes) {
        bytes = Buffer.from(reply.serialize(render()) as string)
        page.renderings.set(key, bytes)
      }
      // The type provider knows only the object form of a reply; these are its serialized bytes.
      return reply.type('application/json; charset=utf-8').send(bytes as never)
    }
  )

  app.get(
    '/event/:id',
    {
      schema: {
        tags,
        ...bearer,
        operationId: 'getEvent',
        summary: 'One event',
        description: 'A player gets 404 for an event they may not see (inactive, not started, or outside its audience).',
        params: IdParams,
        response: { 200: Event, ...problemResponses(400, 401, 403, 404) }
      }
    },
    async (request) => {
      const event = await catalog.findEvent(request.user, new ObjectId(request.params.id))
      if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
      return toEvent(event, !readsWholeCatalog(request.user))
    }
  )

  /** The stored form of the edit, validated against the event as read (throws the 400 / 409). */
  async function changesTo(event: EventDoc, body: Omit<UpdateEventBody, 'version'>): Promise<Partial<EventDoc>> {
    const { startedAt, endedAt, audience, recurrence, ...plain } = body
    const changes: Partial<EventDoc> = { ...plain }
    if (startedAt !== undefined) changes.startedAt = new Date(startedAt)
    if (endedAt !== undefined) changes.endedAt = new Date(endedAt)
    if (audience !== undefined) changes.audience = normalizedAudience(audience)
    if (recurrence !== undefined) changes.recurrence = recurrence
    assertWindow(changes.startedAt ?? event.startedAt, changes.endedAt ?? event.endedAt)
    if (changes.timezone !== undefined) assertTimezone(changes.timezone)

    const current: Record<(typeof FIXED_AFTER_ACTIVITY)[number], unknown> = {
      exclusiveRewards: isExclusive(event),
      timezone: event.timezone,
      recurrence: event.recurrence ?? null,
      contents: event.contents
    }
    const fixedChanged = FIXED_AFTER_ACTIVITY.filter((key) => changes[key] !== undefined && !isDeepStrictEqual(changes[key], current[key]))
    if (fixedChanged.length === 0) return changes
    const [hasProgress, hasClaims] = await Promise.all([progress.hasAny(event._id), claims.hasAny(event._id)])
    if (hasProgress || hasClaims) {
      throw conflict(
        `${fixedChanged.map((key) => `body.${key}`).join(', ')} cannot change: the event has ${hasClaims ? 'claims' : 'progress'} already`,
        'EVENT_HAS_ACTIVITY'
      )
    }
    // Every condition must still fit one period: the event's own and each bundle's milestone.
    const nextRecurrence = changes.recurrence !== undefined ? changes.recurrence : (event.recurrence ?? null)
    const misfit = periodMisfit(changes.contents ?? event.contents, nextRecurrence, 'body.contents')
    if (misfit) throw invalidField(changes.contents ? misfit.field : 'body.recurrence', misfit.message, 'CONDITION_EXCEEDS_PERIOD')
    if (changes.recurrence !== undefined) {
      for (const bundle of await rewards.findByEvents([event._id], 1_000)) {
        const bundleMisfit = periodMisfit(bundle.conditions ?? [], nextRecurrence, 'conditions')
        if (bundleMisfit) {
          throw invalidField('body.recurrence', `does not fit bundle ${bundle._id.toHexString()}: its ${bundleMisfit.field} ${bundleMisfit.message}`, 'CONDITION_EXCEEDS_PERIOD')
        }
      }
    }
    return changes
  }

  app.patch(
    '/event/:id',
    {
      preValidation: nullOrKind({ audience: 'object', recurrence: 'object' }),
      schema: {
        tags,
        ...bearer,
        operationId: 'updateEvent',
        summary: 'Update an event',
        description:
          'Name, description, window, `activate`, `requireApproval`, `audience`; `exclusiveRewards`, `timezone`, `recurrence` and `contents` ' +
          'only until the event has its first progress or claim (409 EVENT_HAS_ACTIVITY). With `version`, the edit lands only on that ' +
          'version (409 VERSION_CONFLICT with `currentVersion` otherwise); without it the last write wins. Every edit is audited.',
        params: IdParams,
        body: UpdateEventBody,
        response: { 200: Event, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
      }
    },
    async (request) => {
      const id = new ObjectId(request.params.id)
      const { version: expected, ...body } = request.body
      for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt += 1) {
        const event = await events.findById(id)
        if (!event) throw notFound('No such event', 'EVENT_NOT_FOUND')
        const version = versionOf(event)
        if (expected !== undefined && expected !== version) throw versionConflict('event', version)
        const changes = await changesTo(event, body)
        const diff = changedFields(event, { ...event, ...changes }, EDITABLE)
        if (diff.changed.length === 0) return toEvent(event)
        // Counted before the conditions change, so no report is missed in between (extra counting is harmless).
        if (changes.contents) await events.countAlso(id, changes.contents)
        const now = app.clock()
        const updated = await events.updateAtVersion(id, version, { ...changes, updatedAt: now })
        if (!updated) {
          await afterLostEdit('event', expected, version, () => events.findById(id))
          continue
        }
        await catalogWritten(written, { at: now, actor: request.user.sub, action: 'event.update', entity: { type: 'event', id: id.toHexString() }, before: diff.before, after: diff.after })
        return toEvent(updated)
      }
      throw editedMeanwhile('event')
    }
  )
}
