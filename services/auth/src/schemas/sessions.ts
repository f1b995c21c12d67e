import { CloneType } from '@sinclair/typebox'
import { LoginBody, LogoutReply, RefreshBody, TokenPair, problemResponses } from '@app/contracts'
import { AUTH_TAGS, OPTIONAL_BEARER_AUTH } from './openapi.js'

const TokenPairReply = CloneType(TokenPair, {
  examples: [
    {
      accessToken: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ik5qVmYuLi4ifQ.eyJzdWIiOiI2ODJjMWFhYTZmYjZjN2YwMGFlOGFlMzMifQ.c2lnbmF0dXJl',
      refreshToken: 'Xk3qV9mZp2Lr8Tn4Wb6Yc1Hd5Jf7Kg0Ms2Nv4Pq6Rs8',
      expiresIn: 900,
      tokenType: 'Bearer'
    }
  ]
})

/** `{}` first: Swagger UI pre-fills it, so a token pasted into "Authorize" is the one sent. */
const RefreshTokenBody = CloneType(RefreshBody, { examples: [{}, { refreshToken: 'Xk3qV9mZp2Lr8Tn4Wb6Yc1Hd5Jf7Kg0Ms2Nv4Pq6Rs8' }] })

export const loginSchema = {
  tags: AUTH_TAGS,
  operationId: 'login',
  summary: 'Log in: email and password for a token pair',
  description:
    'Opens a session. A wrong password and an unknown email get the same 401. Too many failures for one account ' +
    'from your client (LOGIN_THROTTLED), or too many attempts from your client (RATE_LIMITED), are a 429 with ' +
    'Retry-After; an account failing from many clients is only slowed down (by up to 3 s), never locked. A disabled ' +
    'account with the right password is a 403 ACCOUNT_DISABLED. 503 with Retry-After when password hashing is saturated.',
  security: [],
  body: LoginBody,
  response: { 200: TokenPairReply, ...problemResponses(400, 401, 403, 413, 415, 429, 503) }
}

export const refreshSchema = {
  tags: AUTH_TAGS,
  operationId: 'refreshTokens',
  summary: 'Rotate a refresh token for a new pair',
  description:
    'The refresh token goes in the body or as `Authorization: Bearer <refreshToken>` (then the body may be `{}` or ' +
    'absent). It is rotated: the answer carries a new one. Presented again within REFRESH_REUSE_GRACE_SECONDS ' +
    '(10 s) — a retry after a lost reply, two tabs at once — it gets another working pair of the same session; ' +
    'later, it revokes the whole session (every token rotated from the same login). A disabled account: 403.',
  security: OPTIONAL_BEARER_AUTH,
  body: RefreshTokenBody,
  response: { 200: TokenPairReply, ...problemResponses(400, 401, 403, 413, 415) }
}

export const logoutSchema = {
  tags: AUTH_TAGS,
  operationId: 'logout',
  summary: 'Log out: end the session of a refresh token',
  description:
    'The refresh token goes in the body or as `Authorization: Bearer <refreshToken>` (then the body may be `{}` or ' +
    'absent). Every refresh token of the ' +
    'session stops working; `revoked` is false when the session had ended already. Access tokens already issued ' +
    'stay valid until they expire.',
  security: OPTIONAL_BEARER_AUTH,
  body: RefreshTokenBody,
  response: { 200: CloneType(LogoutReply, { examples: [{ revoked: true }] }), ...problemResponses(400, 401, 413, 415) }
}
