import { measureAll } from '../conditions/index.js'
import type { EventDoc } from '../repositories/events.js'
import type { ProgressDoc } from '../repositories/progress.js'
import type { UserEvent } from '../schemas/progress.js'

/** A user's standing in one event; no progress document yet means nothing counted yet. */
export function toUserEvent(event: EventDoc, userId: string, progress: ProgressDoc | null): UserEvent {
  const conditions = measureAll(event.contents, progress?.state ?? {})
  return {
    userId,
    eventId: event._id.toHexString(),
    eventName: event.name,
    satisfied: conditions.every((condition) => condition.holds),
    conditions,
    updatedAt: progress ? progress.updatedAt.toISOString() : null
  }
}
