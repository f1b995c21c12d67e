import { CloneType, Type, type Static } from '@sinclair/typebox'
import { DateTimeString, ObjectIdString, PageQuery, pageOf } from './common.js'
import { RoleEnum, RolesSchema, type Role } from './roles.js'

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, examples: ['player1@example.com'] })
const Password = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  examples: ['correct-horse-battery']
})

export const CreateUserBody = Type.Object(
  {
    email: Email,
    password: Password,
    roles: Type.Optional(RolesSchema),
    /** The seed's sign-up body carried a single `role`; accepted, same rules as `roles`. */
    role: Type.Optional(RoleEnum)
  },
  {
    additionalProperties: false,
    title: 'UserInput',
    examples: [{ email: 'player1@example.com', password: 'correct-horse-battery' }]
  }
)
export type CreateUserBody = Static<typeof CreateUserBody>

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  // A placeholder, never a real credential: Swagger UI pre-fills "Try it out" with it.
  { additionalProperties: false, title: 'LoginInput', examples: [{ email: 'player1@example.com', password: 'your-password' }] }
)
export type LoginBody = Static<typeof LoginBody>

export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 20, maxLength: 4096 })) },
  { additionalProperties: false, title: 'RefreshInput', description: 'The refresh token here, or as `Authorization: Bearer <refreshToken>`' }
)
export type RefreshBody = Static<typeof RefreshBody>

export const TokenPair = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    expiresIn: Type.Integer({ description: 'Access token lifetime in seconds', examples: [900] }),
    tokenType: Type.Literal('Bearer')
  },
  { additionalProperties: false, title: 'TokenPair' }
)
export type TokenPair = Static<typeof TokenPair>

/** Audience tags (SPEC v2, *Audiences*): lower-case, at most 32 characters, at most 20 per account. */
export const ACCOUNT_TAG_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$'
export const MAX_TAGS_PER_ACCOUNT = 20
/** Accounts one bulk tagging request may name. */
export const MAX_BULK_TAG_ACCOUNTS = 1000

export const AccountTag = Type.String({
  pattern: ACCOUNT_TAG_PATTERN,
  description: 'a-z, 0-9, `_` and `-`, starting with a letter or digit; at most 32 characters',
  examples: ['vip']
})
export const AccountTags = Type.Array(AccountTag, {
  maxItems: MAX_TAGS_PER_ACCOUNT,
  uniqueItems: true,
  description: `At most ${MAX_TAGS_PER_ACCOUNT}, each once`,
  examples: [['vip', 'region-kr']]
})

export const PublicUser = Type.Object(
  {
    id: ObjectIdString,
    email: Type.String(),
    roles: RolesSchema,
    tags: CloneType(AccountTags, {
      description: 'Audience tags staff set (events target them; access tokens carry them). A set, kept sorted'
    }),
    disabled: Type.Boolean({ description: 'A disabled account cannot log in, refresh, or use any token it holds' }),
    createdAt: DateTimeString
  },
  { additionalProperties: false, title: 'User' }
)
export type PublicUser = Static<typeof PublicUser>

export const UpdateRolesBody = Type.Object(
  { roles: RolesSchema },
  { additionalProperties: false, title: 'RolesUpdate', examples: [{ roles: ['OPERATOR'] }] }
)
export type UpdateRolesBody = Static<typeof UpdateRolesBody>

export const UpdateTagsBody = Type.Object(
  { tags: AccountTags },
  { additionalProperties: false, title: 'TagsUpdate', examples: [{ tags: ['vip', 'region-kr'] }, { tags: [] }] }
)
export type UpdateTagsBody = Static<typeof UpdateTagsBody>

/** Tags to add or remove in bulk: each once, at most as many as an account may hold. */
const TagChange = CloneType(AccountTags, { minItems: 1, examples: [['vip']] })

export const BulkTagBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64, description: 'An account id; one that is no ObjectId is `invalid`', examples: ['682c1aaa6fb6c7f00ae8ae33'] }), {
        minItems: 1,
        maxItems: MAX_BULK_TAG_ACCOUNTS,
        description: `Accounts by id (at most ${MAX_BULK_TAG_ACCOUNTS}); give \`ids\` or \`emails\`, not both`
      })
    ),
    emails: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 254, description: 'An account email, any case', examples: ['player1@example.com'] }), {
        minItems: 1,
        maxItems: MAX_BULK_TAG_ACCOUNTS,
        description: `Accounts by email (at most ${MAX_BULK_TAG_ACCOUNTS}); give \`ids\` or \`emails\`, not both`
      })
    ),
    add: Type.Optional(CloneType(TagChange, { description: 'Tags each account gets (kept if it has them)' })),
    remove: Type.Optional(CloneType(TagChange, { description: 'Tags each account loses (nothing if it lacks them); none may also be in `add`' }))
  },
  {
    additionalProperties: false,
    title: 'BulkTagUpdate',
    examples: [
      { ids: ['682c1aaa6fb6c7f00ae8ae33', '682c1aaa6fb6c7f00ae8ae34'], add: ['vip'] },
      { emails: ['player1@example.com'], add: ['returning'], remove: ['new-player'] }
    ]
  }
)
export type BulkTagBody = Static<typeof BulkTagBody>

export const BULK_TAG_STATUSES = ['updated', 'not_found', 'invalid'] as const
export type BulkTagStatus = (typeof BULK_TAG_STATUSES)[number]

export const BulkTagResult = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'The entry of `ids`, as given' })),
    email: Type.Optional(Type.String({ description: 'The entry of `emails`, as given' })),
    status: Type.Unsafe<BulkTagStatus>({
      type: 'string',
      enum: [...BULK_TAG_STATUSES],
      description: '`updated`: the account has the change (also when it had it already); `not_found`: no such account; `invalid`: this entry was refused (`detail` says why), the others were not'
    }),
    detail: Type.Optional(Type.String({ examples: ['The account would have 21 tags; at most 20'] })),
    tags: Type.Optional(CloneType(AccountTags, { description: '`updated`: the account\'s tags now' }))
  },
  { additionalProperties: false, title: 'BulkTagResult' }
)
export type BulkTagResult = Static<typeof BulkTagResult>

export const BulkTagReply = Type.Object(
  { results: Type.Array(BulkTagResult, { description: 'One per entry, in the order given' }) },
  {
    additionalProperties: false,
    title: 'BulkTagResults',
    examples: [
      {
        results: [
          { id: '682c1aaa6fb6c7f00ae8ae33', status: 'updated', tags: ['vip'] },
          { id: '682c1aaa6fb6c7f00ae8ae34', status: 'not_found' },
          { id: 'nope', status: 'invalid', detail: 'Not an account id (24 hex characters)' }
        ]
      }
    ]
  }
)
export type BulkTagReply = Static<typeof BulkTagReply>

/** The account directory's filters (GET /auth/users). */
export const UserDirectoryQuery = Type.Object(
  {
    // The console's player page is addressed by the account's id (`#/players/<id>`).
    id: Type.Optional(CloneType(ObjectIdString, { description: 'The account with this id (a page of one, or none)' })),
    email: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        // No address holds spaces or control characters (and a regex may not hold a NUL).
        pattern: '^[^\\s\\u0000-\\u001f\\u007f]+$',
        description: 'Emails starting with this, any case (taken literally: `.` is a dot)',
        examples: ['player']
      })
    ),
    role: Type.Optional(CloneType(RoleEnum, { description: 'Accounts with this role' })),
    tag: Type.Optional(CloneType(AccountTag, { description: 'Accounts with this tag' })),
    ...PageQuery
  },
  { additionalProperties: false }
)
export type UserDirectoryQuery = Static<typeof UserDirectoryQuery>

export const LogoutReply = Type.Object(
  { revoked: Type.Boolean({ description: 'false: the session had ended already' }) },
  { additionalProperties: false, title: 'LogoutResult' }
)

export const UpdateStatusBody = Type.Object(
  { disabled: Type.Boolean({ description: 'true: the account cannot log in, refresh or use its tokens (within 5 s everywhere); false: it can again' }) },
  { additionalProperties: false, title: 'StatusUpdate', examples: [{ disabled: true }, { disabled: false }] }
)
export type UpdateStatusBody = Static<typeof UpdateStatusBody>

export const EndSessionsReply = Type.Object(
  { revoked: Type.Integer({ minimum: 0, description: 'Sessions that were open and are now ended' }) },
  { additionalProperties: false, title: 'EndedSessions', examples: [{ revoked: 2 }] }
)
export type EndSessionsReply = Static<typeof EndSessionsReply>

/** Claims of an access token, as every service reads them after verification. */
export interface AccessTokenClaims {
  sub: string
  roles: Role[]
  sid: string
  /**
   * The account's token version when the token was issued. Changing roles, disabling the account
   * or ending its sessions raises the version; every service then refuses older tokens (see the
   * revocation feed). Absent on tokens issued before versions existed: version 0.
   */
  ver?: number
  /** The account's audience tags when the token was issued (a change shows at the next refresh). Absent on older tokens: none. */
  tags?: string[]
  typ: 'access'
  iss: string
  aud: string | string[]
  iat: number
  exp: number
}
export const UserPage = pageOf(PublicUser, 'UserPage')

export const TOKEN_TYPE_ACCESS = 'access'
export const TOKEN_TYPE_REFRESH = 'refresh'

/**
 * What auth publishes for every service to poll (GET /internal/revocations): per account, the
 * lowest token version still valid, for accounts changed within the last access-token lifetime
 * (older tokens have expired anyway, so the list stays small).
 */
export const RevocationFeed = Type.Object(
  {
    entries: Type.Array(
      Type.Object({ userId: ObjectIdString, minVersion: Type.Integer({ minimum: 0 }) }, { additionalProperties: false, title: 'Revocation' })
    ),
    generatedAt: DateTimeString
  },
  { additionalProperties: false, title: 'RevocationFeed' }
)
export type RevocationFeed = Static<typeof RevocationFeed>

/** An account's audience tags as auth holds them now, for the event service's eligibility dry run (internal). */
export const AccountTagsRecord = Type.Object(
  { userId: ObjectIdString, tags: AccountTags },
  { additionalProperties: false, title: 'AccountTagsRecord' }
)
export type AccountTagsRecord = Static<typeof AccountTagsRecord>
