import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdString, DateTimeString } from './common.js'
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

export const PublicUser = Type.Object(
  {
    id: ObjectIdString,
    email: Type.String(),
    roles: RolesSchema,
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
  typ: 'access'
  iss: string
  aud: string | string[]
  iat: number
  exp: number
}
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
