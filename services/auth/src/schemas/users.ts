import { CloneType } from '@sinclair/typebox'
import {
  AccountTagsRecord,
  AuditPage,
  AuditQuery,
  BulkTagBody,
  BulkTagReply,
  CreateUserBody,
  EndSessionsReply,
  IdParams,
  PublicUser,
  RevocationFeed,
  UpdateRolesBody,
  UpdateStatusBody,
  UpdateTagsBody,
  UserDirectoryQuery,
  UserPage,
  problemResponses
} from '@app/contracts'
import { AUTH_TAGS, BEARER_AUTH, OPTIONAL_BEARER_AUTH } from './openapi.js'

const USER_EXAMPLE = { id: '682c1aaa6fb6c7f00ae8ae33', email: 'player1@example.com', roles: ['USER'], tags: ['vip'], disabled: false, createdAt: '2025-05-11T06:09:53.361Z' }
const UserReply = CloneType(PublicUser, { examples: [USER_EXAMPLE] })
const UserPageReply = CloneType(UserPage, { examples: [{ items: [USER_EXAMPLE], nextCursor: 'aCwarqb8tvAK6K4z' }] })

export const createUserSchema = {
  tags: AUTH_TAGS,
  operationId: 'createUser',
  summary: 'Create an account',
  description:
    'Public sign-up always creates a USER: `roles` / `role` in the body are ignored, and it is limited per client ' +
    '(SIGNUP_RATE_LIMIT_PER_CLIENT: 429 with Retry-After). With an ADMIN access token, any roles may be given and ' +
    'the limit does not apply. A token that is sent must be valid (401 otherwise). 503 with Retry-After when ' +
    'password hashing is saturated.',
  security: OPTIONAL_BEARER_AUTH,
  body: CreateUserBody,
  response: { 201: UserReply, ...problemResponses(400, 401, 409, 413, 415, 429, 503) }
}

export const currentUserSchema = {
  tags: AUTH_TAGS,
  operationId: 'getCurrentUser',
  summary: 'The account of the access token',
  description: 'People only: players and staff. Machine accounts (SERVICE, DELIVERY) read no accounts, their own included (403).',
  security: BEARER_AUTH,
  response: { 200: UserReply, ...problemResponses(401, 403, 404) }
}

export const updateRolesSchema = {
  tags: AUTH_TAGS,
  operationId: 'updateUserRoles',
  summary: "Replace an account's roles (ADMIN)",
  description:
    'Tokens issued before the change are refused by every service within 5 s; the account\'s next refresh ' +
    'carries the new roles. An ADMIN cannot remove ADMIN from their own account, so the last ADMIN cannot lock ' +
    'everyone out by accident. Audited.',
  security: BEARER_AUTH,
  params: IdParams,
  body: UpdateRolesBody,
  response: { 200: UserReply, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
}

export const updateStatusSchema = {
  tags: AUTH_TAGS,
  operationId: 'updateUserStatus',
  summary: 'Disable or enable an account (ADMIN)',
  description:
    'Disabled: the account cannot log in or refresh (403 ACCOUNT_DISABLED), and every service refuses the access ' +
    'tokens it holds within 5 s (401 TOKEN_REVOKED). Enabled: it can log in again. Repeating the current status ' +
    'changes nothing. You cannot disable your own account. Audited.',
  security: BEARER_AUTH,
  params: IdParams,
  body: UpdateStatusBody,
  response: { 200: UserReply, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
}

export const endSessionsSchema = {
  tags: AUTH_TAGS,
  operationId: 'endUserSessions',
  summary: 'End every session of an account (ADMIN)',
  description:
    'Its refresh tokens stop working at once and its access tokens are refused by every service within 5 s. ' +
    'The account may log in again. Audited.',
  security: BEARER_AUTH,
  params: IdParams,
  response: { 200: EndSessionsReply, ...problemResponses(400, 401, 403, 404) }
}

export const listUsersSchema = {
  tags: AUTH_TAGS,
  operationId: 'listUsers',
  summary: 'The account directory (OPERATOR, AUDITOR, ADMIN)',
  description:
    'Newest first, `limit` at a time; filters combine (AND): `email` — addresses starting with it, in any case, taken ' +
    'literally; `role`; `tag`; `id` (one account: the console reads a player page so). The cursor stays valid while accounts are created: a page never repeats or skips an ' +
    'account that existed when the first page was read (newer ones are not in that listing). No hash, no session ' +
    'detail: the same account shape as everywhere.',
  security: BEARER_AUTH,
  querystring: UserDirectoryQuery,
  response: { 200: UserPageReply, ...problemResponses(400, 401, 403) }
}

export const updateTagsSchema = {
  tags: AUTH_TAGS,
  operationId: 'updateUserTags',
  summary: "Replace an account's audience tags (OPERATOR, ADMIN)",
  description:
    'At most 20 tags, each once, matching `^[a-z0-9][a-z0-9_-]{0,31}$`; `[]` removes them all. Stored as a sorted set. ' +
    'Tokens already out are not revoked: the account\'s next refresh (or login) carries the new tags, and audiences ' +
    'are judged from the token. Audited when the tags change.',
  security: BEARER_AUTH,
  params: IdParams,
  body: UpdateTagsBody,
  response: { 200: UserReply, ...problemResponses(400, 401, 403, 404, 413, 415) }
}

export const bulkTagSchema = {
  tags: AUTH_TAGS,
  operationId: 'bulkTagUsers',
  summary: 'Add and remove tags on many accounts (OPERATOR, ADMIN)',
  description:
    'Name up to 1,000 accounts by `ids` or by `emails` (one of them), and the tags to `add` and/or `remove` (a tag may ' +
    'not be in both: 400). One result per entry, in order: `updated` (also when the account had the change already), ' +
    '`not_found`, or `invalid` with a `detail` — an entry that is no id/email, repeats an earlier one, or would leave ' +
    'its account with more than 20 tags. A bad entry fails nothing else; only a malformed request is a 400. Each ' +
    'account changed gets one audit entry. Like a single change, it shows in tokens at their next refresh.',
  security: BEARER_AUTH,
  body: BulkTagBody,
  response: { 200: BulkTagReply, ...problemResponses(400, 401, 403, 413, 415) }
}

export const auditSchema = {
  tags: AUTH_TAGS,
  operationId: 'listAccountAudit',
  summary: 'The accounts audit log (AUDITOR, ADMIN): roles, tags, status, sessions ended by staff',
  description: 'Newest first; filter by `entityId` (the account changed) or `actor` (who changed it).',
  security: BEARER_AUTH,
  querystring: AuditQuery,
  response: { 200: AuditPage, ...problemResponses(400, 401, 403) }
}

export const revocationsSchema = {
  tags: AUTH_TAGS,
  operationId: 'getRevocations',
  summary: 'Token revocations, for the other services to poll (internal; not forwarded by the gateway)',
  description: 'Per account changed within the last access-token lifetime, the lowest token version still valid.',
  response: { 200: RevocationFeed }
}

export const accountTagsRecordSchema = {
  tags: AUTH_TAGS,
  operationId: 'getAccountTagsRecord',
  summary: "An account's current audience tags, for the event service's eligibility dry run (internal; not forwarded by the gateway)",
  params: IdParams,
  response: { 200: AccountTagsRecord, ...problemResponses(400, 404) }
}
