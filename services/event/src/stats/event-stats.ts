import { measureAll } from '../conditions/index.js'
import { calendarDay } from '../conditions/calendar.js'
import type { ClaimRepository } from '../repositories/claims.js'
import type { EventDoc } from '../repositories/events.js'
import type { ProgressRepository } from '../repositories/progress.js'
import type { RewardRepository } from '../repositories/rewards.js'
import { CLAIM_STATUSES, type ClaimStatus } from '../schemas/claims.js'
import type { EventStats } from '../schemas/stats.js'

/** The most bundles an event's stats list (far more than any live event carries). */
const MAX_BUNDLES = 1_000

/** Nearest-rank percentile of ascending `sorted`; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * An event's figures for one period (SPEC v2, Stats), in one streamed pass over each of two
 * index-backed reads — the period's progress (`progress.by_event_period`) and its claims
 * (`claims.by_event_period`) — plus the event's bundles. Conditions are judged by the same
 * evaluators a claim uses (`measureAll`), so "holding" means exactly what a claim would accept;
 * which is why this is not a `$group`: a login streak's longest run is no aggregation operator.
 */
export async function eventStats(
  deps: { claims: ClaimRepository; progress: ProgressRepository; rewards: RewardRepository },
  event: EventDoc,
  periodKey: string
): Promise<EventStats> {
  const holding = event.contents.map(() => 0)
  let participants = 0
  for await (const { state } of deps.progress.statesIn(event._id, periodKey)) {
    participants += 1
    measureAll(event.contents, state ?? {}).forEach((condition, index) => {
      if (condition.holds) holding[index]! += 1
    })
  }

  const bundles = await deps.rewards.findByEvents([event._id], MAX_BUNDLES)
  const emptyCounts = () => Object.fromEntries(CLAIM_STATUSES.map((status) => [status, 0])) as Record<ClaimStatus, number>
  const counts = new Map(bundles.map((bundle) => [bundle._id.toHexString(), emptyCounts()]))
  const perDay = new Map<string, number>()
  const deliveryMs: number[] = []
  for await (const claim of deps.claims.statsRowsIn(event._id, periodKey)) {
    const bundle = claim.rewardId && counts.get(claim.rewardId.toHexString())
    if (bundle) bundle[claim.status] += 1
    const day = calendarDay(claim.createdAt, event.timezone)
    perDay.set(day, (perDay.get(day) ?? 0) + 1)
    const { queuedAt, completedAt } = claim.delivery ?? {}
    // Claims completed by an operator's resolve or by an earlier version may lack the start: left out.
    if (claim.status === 'completed' && queuedAt && completedAt) deliveryMs.push(Math.max(0, completedAt.getTime() - queuedAt.getTime()))
  }
  deliveryMs.sort((a, b) => a - b)

  return {
    participants,
    conditions: event.contents.map((condition, index) => ({ index, type: condition.type, holding: holding[index]! })),
    bundles: bundles.map((bundle) => ({ rewardId: bundle._id.toHexString(), claims: counts.get(bundle._id.toHexString())!, stockLeft: bundle.stockLeft ?? null })),
    claimsPerDay: [...perDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count })),
    deliveryMs: { p50: percentile(deliveryMs, 50), p95: percentile(deliveryMs, 95) }
  }
}
