import { CloneType, Type, type Static } from '@sinclair/typebox'
import { AccountTag, DateTimeString, MAX_TAGS_PER_ACCOUNT, ObjectIdString, PageQuery, pageOf } from '@app/contracts'
import { Condition } from './conditions.js'

/** The seed's example body, accepted exactly as written. */
export const SEED_EVENT = {
  name: '이벤트1',
  activate: true,
  description: '이벤트입니다',
  startedAt: '2025-05-11T06:09:53.361Z',
  endedAt: '2025-05-25T06:09:53.361Z',
  userId: '682c1aaa6fb6c7f00ae8ae33',
  requireApproval: true,
  contents: [{ type: 'attendance', count: 1 }]
}

const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['이벤트1'] })
const descriptionOptions = { maxLength: 2000, examples: ['이벤트입니다'] }
const activateOptions = { description: 'Off → no progress is counted and nothing can be claimed' }
const exclusiveOptions = {
  description: 'true: a player may claim at most one bundle of the event; false: each bundle once'
}
export const Conditions = Type.Array(Condition, {
  minItems: 1,
  maxItems: 20,
  description: 'All must hold (AND); an `any` group holds when one of its members does'
})

export const Recurrence = Type.Object(
  {
    every: Type.Unsafe<'day' | 'week' | 'month'>({
      type: 'string',
      enum: ['day', 'week', 'month'],
      description: 'Calendar days, ISO weeks (Monday 00:00) or months, in the event\'s time zone'
    })
  },
  {
    additionalProperties: false,
    title: 'Recurrence',
    description:
      'The event starts over every period: progress and claims are per period (`periodKey`: `2026-11-26`, `2026-W48`, `2026-11`), ' +
      'a report counts toward the period containing its `occurredAt`, and conditions are judged on the current period alone. ' +
      'A day-counting condition must fit the shortest period (a day: 1, a week: 7, a month: 28 days).',
    examples: [{ every: 'day' }]
  }
)

const AudienceTags = (description: string) =>
  Type.Optional(Type.Array(AccountTag, { maxItems: MAX_TAGS_PER_ACCOUNT, uniqueItems: true, description, examples: [['vip']] }))

/** Judged from the player's access token (`tags`): a tag change shows at the player's next refresh. */
export const Audience = Type.Object(
  {
    anyTags: AudienceTags('The player holds at least one of these'),
    allTags: AudienceTags('The player holds every one of these'),
    noneTags: AudienceTags('The player holds none of these')
  },
  {
    additionalProperties: false,
    title: 'Audience',
    description:
      'Who sees the event and may claim its bundles: every given rule must hold (AND). No rule, `{}` or only empty lists: everyone. ' +
      'Outside it a player gets 404 on the event and its bundles (and their claims) and does not find them in lists; staff and game servers see every event. ' +
      'Progress may accrue regardless.',
    examples: [{ anyTags: ['vip', 'whale'], noneTags: ['banned-kr'] }, { allTags: ['region-kr', 'returning'] }]
  }
)

export const Version = Type.Integer({
  minimum: 1,
  description: 'The version the edit was made against (1 when created, +1 per edit): a stale one is a 409 VERSION_CONFLICT. Absent: last write wins.',
  examples: [1]
})

/** IANA names (`Asia/Seoul`, `UTC`, `Etc/GMT+9`); offsets such as `+09:00` are not time zones. */
const timezoneOptions = {
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$',
  description: 'IANA time zone whose calendar days, weeks and months the day-based conditions and periods count',
  examples: ['Asia/Seoul']
}

export const CreateEventBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ ...descriptionOptions, default: '' })),
    activate: Type.Optional(Type.Boolean({ ...activateOptions, default: true })),
    startedAt: DateTimeString,
    /** Exclusive; must be after startedAt. */
    endedAt: DateTimeString,
    timezone: Type.Optional(Type.String({ ...timezoneOptions, default: 'UTC' })),
    recurrence: Type.Optional(Recurrence),
    requireApproval: Type.Optional(
      Type.Boolean({ default: false, description: 'Claims wait for an operator (`pending`) instead of going straight to delivery' })
    ),
    exclusiveRewards: Type.Optional(Type.Boolean({ ...exclusiveOptions, default: false })),
    audience: Type.Optional(Audience),
    /** The seed sends the author; the token's `sub` is recorded instead. */
    userId: Type.Optional(ObjectIdString),
    contents: Conditions
  },
  {
    additionalProperties: false,
    title: 'EventInput',
    examples: [
      SEED_EVENT,
      {
        name: 'Spring login streak',
        audience: { anyTags: ['vip'], noneTags: ['banned-kr'] },
        startedAt: '2025-05-11T00:00:00.000+09:00',
        endedAt: '2025-06-11T00:00:00.000+09:00',
        timezone: 'Asia/Seoul',
        contents: [
          { type: 'login_streak', days: 7 },
          { type: 'quest', questId: 'q-17' },
          { type: 'purchase', amount: 10000 }
        ]
      },
      {
        name: '7-day attendance',
        description: 'Bundles for day 1, day 3 and day 7 (each claimed once, see the bundles)',
        startedAt: '2026-12-01T00:00:00.000+09:00',
        endedAt: '2026-12-15T00:00:00.000+09:00',
        timezone: 'Asia/Seoul',
        contents: [{ type: 'attendance', count: 1 }]
      },
      {
        name: 'Daily login reward',
        description: 'Check in once a day, claim once a day; the day turns at midnight in Seoul',
        startedAt: '2026-12-01T00:00:00.000+09:00',
        endedAt: '2027-01-01T00:00:00.000+09:00',
        timezone: 'Asia/Seoul',
        recurrence: { every: 'day' },
        contents: [{ type: 'attendance', count: 1 }]
      },
      {
        name: 'Weekly mission',
        description: 'Three check-ins in a week and either quest q-1 or a purchase of 1,000; resets Monday 00:00',
        startedAt: '2026-11-30T00:00:00.000+09:00',
        endedAt: '2027-03-01T00:00:00.000+09:00',
        timezone: 'Asia/Seoul',
        recurrence: { every: 'week' },
        exclusiveRewards: false,
        contents: [
          { type: 'attendance', count: 3 },
          { type: 'any', of: [{ type: 'quest', questId: 'q-1' }, { type: 'purchase', amount: 1000 }] }
        ]
      }
    ]
  }
)
export type CreateEventBody = Static<typeof CreateEventBody>

export const UpdateEventBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.String(descriptionOptions)),
    activate: Type.Optional(Type.Boolean(activateOptions)),
    startedAt: Type.Optional(DateTimeString),
    endedAt: Type.Optional(DateTimeString),
    requireApproval: Type.Optional(Type.Boolean({ description: 'Claims made from now on wait for an operator (claims made already keep their state)' })),
    audience: Type.Optional(Type.Union([Audience, Type.Null()], { description: 'null or `{}`: everyone' })),
    exclusiveRewards: Type.Optional(Type.Boolean({ ...exclusiveOptions, description: `${exclusiveOptions.description}. Fixed after the first progress or claim.` })),
    timezone: Type.Optional(Type.String({ ...timezoneOptions, description: `${timezoneOptions.description}. Fixed after the first progress or claim.` })),
    recurrence: Type.Optional(Type.Union([Recurrence, Type.Null()], { description: 'null: one period, the whole event. Fixed after the first progress or claim.' })),
    contents: Type.Optional(CloneType(Conditions, { description: `${Conditions.description}. Fixed after the first progress or claim.` })),
    version: Type.Optional(Version)
  },
  {
    additionalProperties: false,
    minProperties: 1,
    title: 'EventUpdate',
    description:
      'Only the fields given change. `recurrence`, `timezone`, `exclusiveRewards` and `contents` cannot change once the event has progress or a claim ' +
      '(409 EVENT_HAS_ACTIVITY; sending the value it has is no change).',
    examples: [
      { activate: false },
      { endedAt: '2025-05-31T06:09:53.361Z', version: 2 },
      { audience: { anyTags: ['vip'] }, requireApproval: true, version: 1 }
    ]
  }
)
export type UpdateEventBody = Static<typeof UpdateEventBody>

/** The window is [startedAt, endedAt). */
export const Event = Type.Object(
  {
    id: ObjectIdString,
    name: Type.String(),
    description: Type.String(),
    activate: Type.Boolean(),
    startedAt: DateTimeString,
    endedAt: DateTimeString,
    timezone: Type.String(),
    recurrence: Type.Union([Recurrence, Type.Null()], { description: 'null: one period, the whole event' }),
    requireApproval: Type.Boolean(),
    exclusiveRewards: Type.Boolean(exclusiveOptions),
    audience: Type.Optional(Type.Union([Audience, Type.Null()], { description: 'null: everyone. Shown to staff and game servers only: a player\'s copy has no `audience`' })),
    contents: Conditions,
    version: Type.Integer({ minimum: 1, description: 'Raised by every edit; send it back with the next one' }),
    createdBy: Type.String(),
    createdAt: DateTimeString,
    updatedAt: DateTimeString
  },
  { additionalProperties: false, title: 'Event' }
)
export type Event = Static<typeof Event>

export const EventStatusFilter = Type.Unsafe<'upcoming' | 'live' | 'ended' | 'inactive'>({
  type: 'string',
  enum: ['upcoming', 'live', 'ended', 'inactive'],
  title: 'EventStatus',
  description:
    'inactive: `activate` false; upcoming: active, startedAt > now; live: active, startedAt ≤ now < endedAt; ended: active, endedAt ≤ now. ' +
    'Players see live and ended events only (of their audience): for them `upcoming` and `inactive` are empty lists.',
  examples: ['live']
})

export const EventListQuery = Type.Object(
  {
    status: Type.Optional(EventStatusFilter),
    active: Type.Optional(Type.Boolean({ description: 'Only events whose `activate` flag is this' })),
    current: Type.Optional(Type.Boolean({ description: 'true: window contains now; false: window is past or future' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        // MongoDB refuses a regex with a NUL byte (a 500): refused here as the 400 it is.
        pattern: '^[^\\u0000]+$',
        description: 'Only events whose name contains this text, ignoring case (taken literally: `.` or `*` are no wildcards)',
        examples: ['attendance']
      })
    ),
    ...PageQuery
  },
  { additionalProperties: false }
)
export type EventListQuery = Static<typeof EventListQuery>
export const EventPage = pageOf(Event, 'EventPage')
