import { CloneType } from '@sinclair/typebox'
import { CreateUserBody, IdParams, PublicUser, UpdateRolesBody, problemResponses } from '@app/contracts'
import { AUTH_TAGS, BEARER_AUTH, OPTIONAL_BEARER_AUTH } from './openapi.js'

const UserReply = CloneType(PublicUser, {
  examples: [{ id: '682c1aaa6fb6c7f00ae8ae33', email: 'player1@example.com', roles: ['USER'], createdAt: '2025-05-11T06:09:53.361Z' }]
})

export const createUserSchema = {
  tags: AUTH_TAGS,
  summary: 'Create an account',
  description:
    'Public sign-up always creates a USER: `roles` / `role` in the body are ignored. ' +
    'With an ADMIN access token, any roles may be given. A token that is sent must be valid (401 otherwise).',
  security: OPTIONAL_BEARER_AUTH,
  body: CreateUserBody,
  response: { 201: UserReply, ...problemResponses(400, 401, 409, 413, 415) }
}

export const currentUserSchema = {
  tags: AUTH_TAGS,
  summary: 'The account of the access token',
  description: 'Every role but DELIVERY (the delivery system only confirms deliveries: 403).',
  security: BEARER_AUTH,
  response: { 200: UserReply, ...problemResponses(401, 403, 404) }
}

export const updateRolesSchema = {
  tags: AUTH_TAGS,
  summary: "Replace an account's roles (ADMIN)",
  description: 'An ADMIN cannot remove ADMIN from their own account, so the last ADMIN cannot lock everyone out by accident.',
  security: BEARER_AUTH,
  params: IdParams,
  body: UpdateRolesBody,
  response: { 200: UserReply, ...problemResponses(400, 401, 403, 404, 409, 413, 415) }
}
