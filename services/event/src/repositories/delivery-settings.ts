import type { Db } from 'mongodb'
import { isDuplicateKeyError } from '@app/platform'

/** The one document that says whether delivery is paused, shared by every instance. */
export interface DeliverySettingsDoc {
  _id: 'delivery'
  paused: boolean
  pausedAt: Date | null
  pausedBy: string | null
  /** Paused time of every earlier pause, added up: what the delivery clock has not counted. */
  pausedMsTotal: number
  updatedAt: Date
}

export const NEVER_PAUSED: DeliverySettingsDoc = {
  _id: 'delivery',
  paused: false,
  pausedAt: null,
  pausedBy: null,
  pausedMsTotal: 0,
  updatedAt: new Date(0)
}

/**
 * Milliseconds of un-paused time up to `now`: the clock retry budgets run on, so a pause stops
 * every claim's budget at once and a resume starts them all again, without touching the claims.
 */
export function deliveryClock(settings: DeliverySettingsDoc, now: Date): number {
  const pausedNow = settings.paused && settings.pausedAt ? now.getTime() - settings.pausedAt.getTime() : 0
  return now.getTime() - settings.pausedMsTotal - Math.max(0, pausedNow)
}

export function createDeliverySettingsRepository(db: Db) {
  const settings = db.collection<DeliverySettingsDoc>('settings')

  return {
    async get(): Promise<DeliverySettingsDoc> {
      return (await settings.findOne({ _id: 'delivery' })) ?? NEVER_PAUSED
    },

    /**
     * Pauses or resumes; `changed` is false when it was so already (a repeat, or a concurrent
     * request that got there first). Each change is one conditional update, so two resumes
     * racing cannot count the same pause twice.
     */
    async setPaused(paused: boolean, by: string, now: Date): Promise<{ changed: boolean; settings: DeliverySettingsDoc }> {
      const current = await this.get()
      if (current.paused === paused) return { changed: false, settings: current }
      if (paused) {
        try {
          const updated = await settings.findOneAndUpdate(
            { _id: 'delivery', paused: false },
            { $set: { paused: true, pausedAt: now, pausedBy: by, updatedAt: now }, $setOnInsert: { pausedMsTotal: 0 } },
            { upsert: true, returnDocument: 'after' }
          )
          if (updated) return { changed: true, settings: updated }
        } catch (error) {
          // The upsert met a document paused meanwhile: someone else paused first.
          if (!isDuplicateKeyError(error)) throw error
        }
        return { changed: false, settings: await this.get() }
      }
      const pausedFor = current.pausedAt ? Math.max(0, now.getTime() - current.pausedAt.getTime()) : 0
      const updated = await settings.findOneAndUpdate(
        { _id: 'delivery', paused: true, pausedAt: current.pausedAt },
        { $set: { paused: false, pausedAt: null, pausedBy: null, updatedAt: now }, $inc: { pausedMsTotal: pausedFor } },
        { returnDocument: 'after' }
      )
      return updated ? { changed: true, settings: updated } : { changed: false, settings: await this.get() }
    }
  }
}
export type DeliverySettingsRepository = ReturnType<typeof createDeliverySettingsRepository>
