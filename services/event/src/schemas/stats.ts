import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdString } from '@app/contracts'
import { CONDITION_TYPES, type ConditionType } from './conditions.js'

export const EventStatsQuery = Type.Object(
  {
    periodKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 20,
        description: 'The period to count (a recurring event: `2026-12-01`, `2026-W49`, `2026-12`); default: the current one. `all` for an event without recurrence',
        examples: ['2026-12-01']
      })
    )
  },
  { additionalProperties: false, title: 'EventStatsQuery', examples: [{ periodKey: '2026-12-01' }] }
)
export type EventStatsQuery = Static<typeof EventStatsQuery>

const Count = Type.Integer({ minimum: 0, examples: [12] })
const Milliseconds = Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'null: no delivered claim yet' })

export const EventStats = Type.Object(
  {
    participants: Type.Integer({ minimum: 0, description: 'Players with progress in the period', examples: [1520] }),
    conditions: Type.Array(
      Type.Object(
        {
          index: Type.Integer({ minimum: 0, description: "Position in the event's `contents`" }),
          type: Type.Unsafe<ConditionType | 'any'>({ type: 'string', enum: [...CONDITION_TYPES, 'any'], examples: ['attendance'] }),
          holding: Type.Integer({ minimum: 0, description: 'Participants for whom the condition holds now', examples: [830] })
        },
        { additionalProperties: false, title: 'EventConditionStats' }
      ),
      { description: "The event's own conditions, in order" }
    ),
    bundles: Type.Array(
      Type.Object(
        {
          rewardId: ObjectIdString,
          claims: Type.Object(
            { pending: Count, processing: Count, completed: Count, rejected: Count, failed: Count },
            { additionalProperties: false, title: 'ClaimCounts', description: "The period's claims of the bundle, by status" }
          ),
          stockLeft: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Units left across all periods; null: unlimited' })
        },
        { additionalProperties: false, title: 'BundleStats' }
      ),
      { description: 'Every bundle of the event, oldest first' }
    ),
    claimsPerDay: Type.Array(
      Type.Object(
        { day: Type.String({ description: "Calendar day in the event's timezone", examples: ['2026-12-01'] }), count: Count },
        { additionalProperties: false, title: 'ClaimsPerDay' }
      ),
      { description: "Claims made in the period, per calendar day in the event's timezone, days without claims left out, oldest first" }
    ),
    deliveryMs: Type.Object(
      { p50: Milliseconds, p95: Milliseconds },
      {
        additionalProperties: false,
        title: 'DeliveryLatency',
        description: "Completed claims of the period: from entering `processing` (created, or approved) to completed, in ms (nearest-rank percentiles)"
      }
    )
  },
  {
    additionalProperties: false,
    title: 'EventStats',
    examples: [
      {
        participants: 1520,
        conditions: [{ index: 0, type: 'attendance', holding: 830 }],
        bundles: [{ rewardId: '682c1ccc6fb6c7f00ae8ae51', claims: { pending: 12, processing: 1, completed: 790, rejected: 3, failed: 0 }, stockLeft: 197 }],
        claimsPerDay: [{ day: '2026-12-01', count: 806 }],
        deliveryMs: { p50: 41, p95: 180 }
      }
    ]
  }
)
export type EventStats = Static<typeof EventStats>
