import type { Db } from 'mongodb'
import type { Migration } from '@app/platform'
import { createProgressRepository } from '../repositories/progress.js'

/**
 * Progress before recurring events was one document per (user, event) and one counter per
 * (user, event, key); now both are per period too. Everything written before belongs to the
 * whole event (`all`), which is what an event without recurrence still uses, so nothing is
 * counted differently. Runs before the indexes are ensured: the new unique index on
 * (user, event, period) is built on documents that all have a period, and the old
 * (user, event) index, which would refuse a second period, is dropped after.
 */
export async function migrateToProgressPeriods(db: Db): Promise<{ documents: number }> {
  return { documents: await createProgressRepository(db).setLegacyPeriods() }
}

export const progressPeriodsMigration: Migration = { name: 'progress-periods', up: migrateToProgressPeriods }
