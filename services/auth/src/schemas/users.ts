import { CloneType } from '@sinclair/typebox'
import {
  AuditPage,
  AuditQuery,
  CreateUserBody,
  EndSessionsReply,
  IdParams,
  PublicUser,
  RevocationFeed,
  UpdateRolesBody,
  UpdateStatusBody,
  problemResponses
} from '@app/contracts'
import { AUTH_TAGS, BEARER_AUTH, OPTIONAL_BEARER_AUTH } from './openapi.js'

const UserReply = CloneType(PublicUser, {
  examples: [{ id: '682c1aaa6fb6c7f00ae8ae33', email: 'player1@example.com', roles: ['USER'], disabled: false, createdAt: '2025-05-11T06:09:53.361Z' }]
})

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

export const auditSchema = {
  tags: AUTH_TAGS,
  operationId: 'listAccountAudit',
  summary: 'The accounts audit log (AUDITOR, ADMIN): roles, status, sessions ended by staff',
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
