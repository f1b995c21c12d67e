import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { invalidField, notFound } from '@app/platform'
import { toPublicUser } from '../accounts.js'
import { tagsOf } from '../repositories/users.js'
import { normalizeTags, retagInBulk, sameTags, tagAuditEntry } from '../tagging.js'
import { bulkTagSchema, updateTagsSchema } from '../schemas/users.js'

/**
 * Audience tags (SPEC v2, *Audiences*): staff set them one account at a time or in bulk. Unlike
 * roles or status they end no token: a player's next refresh carries the new tags, and events
 * judge audiences from the token. Every change is in the audit log.
 */
export const accountTagsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, auditLog } = app.repositories

  app.patch('/auth/users/:id/tags', { schema: updateTagsSchema }, async (request) => {
    const id = request.params.id.toLowerCase()
    const tags = normalizeTags(request.body.tags)
    const now = app.clock()
    const change = await users.setTags(new ObjectId(id), tags, now)
    if (!change) throw notFound('No account with this id', 'USER_NOT_FOUND')
    const before = tagsOf(change.before)
    if (!sameTags(before, tags)) await auditLog.record(tagAuditEntry(request.user.sub, id, before, tags, now))
    return toPublicUser(change.after)
  })

  app.post('/auth/users/tags', { schema: bulkTagSchema }, async (request) => {
    const { ids, emails, add = [], remove = [] } = request.body
    if (ids && emails) throw invalidField('body.emails', 'must be absent when ids is given: name the accounts one way', 'IDS_OR_EMAILS')
    if (!ids && !emails) throw invalidField('body.ids', 'or body.emails is required: the accounts to tag', 'IDS_OR_EMAILS')
    if (add.length === 0 && remove.length === 0) throw invalidField('body.add', 'or body.remove must name a tag', 'NOTHING_TO_CHANGE')
    const both = add.filter((tag) => remove.includes(tag))
    if (both.length > 0) throw invalidField('body.remove', `must not name what body.add names (${both.join(', ')})`, 'TAG_IN_ADD_AND_REMOVE')
    const results = await retagInBulk(
      { users, auditLog },
      { by: ids ? 'id' : 'email', entries: ids ?? emails ?? [], add, remove, actor: request.user.sub, now: app.clock() }
    )
    return { results }
  })
}
