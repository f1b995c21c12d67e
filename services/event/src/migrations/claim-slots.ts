import type { Db } from 'mongodb'
import type { Migration } from '@app/platform'
import { createClaimRepository } from '../repositories/claims.js'
import { createEventRepository } from '../repositories/events.js'

/** Claims given their slot per bulk write. */
const BATCH = 1_000

export type MigrationReport = {
  events: number
  claims: number
}

/**
 * From one claim per (user, event) to claim slots (SPEC v2, "Each bundle once"), run before the
 * indexes are ensured by the first start of this version (then recorded, see `runMigrations`).
 * Each step only fills in a field that is absent, so a second run — or two instances starting
 * at once — changes nothing.
 *
 * 1. Events written before milestones count their own conditions (`countedConditions`).
 * 2. Claims written before slots hold their event's slot: the old rule allowed one claim per
 *    player and event whichever bundle, and such events keep it (`isExclusive`), so an old claim
 *    still blocks a second claim on its event. The unique index on (user, slot) is created
 *    after this (it needs every claim to have a slot), and the old index dropped after that.
 */
export async function migrateToClaimSlots(db: Db): Promise<MigrationReport> {
  const events = createEventRepository(db)
  const claims = createClaimRepository(db)
  const report: MigrationReport = { events: 0, claims: 0 }
  for (const event of await events.withoutCountedConditions()) {
    report.events += (await events.setCountedConditions(event._id, event.contents)).modifiedCount
  }
  let previous = new Set<string>()
  for (;;) {
    const legacy = await claims.withoutSlot(BATCH)
    if (legacy.length === 0) break
    // Another instance may be migrating the same claims (then this batch changes nothing and the
    // next read moves on); the same claims read twice means the writes do not take.
    if (legacy.every((claim) => previous.has(claim._id.toHexString()))) throw new Error('claim slot migration made no progress')
    previous = new Set(legacy.map((claim) => claim._id.toHexString()))
    report.claims += await claims.setLegacySlots(legacy)
  }
  return report
}

export const claimSlotsMigration: Migration = { name: 'claim-slots', up: migrateToClaimSlots }
