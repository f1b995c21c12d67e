/**
 * Audience tags (SPEC v2, *Audiences* and the `/auth/users…` rows): staff replace an account's
 * tags or add and remove tags on up to 1,000 accounts at once; access tokens carry them from the
 * next login or refresh; every change is in the audit log, once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { assertNoSecretsIn, call, decodeJwt, login, loginAsAdmin, seenReplies, signUp, startAuth, stopTestDatabase, uniqueEmail, type TestAuth } from './helpers.js'

let auth: TestAuth
let admin: string
let operator: { id: string; accessToken: string }

before(async () => {
  // The real 1 MB body limit: 1,000 ids are about 27 kB.
  auth = await startAuth({ bodyLimit: 1024 * 1024 })
  admin = (await loginAsAdmin(auth.url)).accessToken
  const email = uniqueEmail('operator')
  const created = await call(auth.url, 'POST', '/auth/users', { token: admin, body: { email, password: 'operator-password', roles: ['OPERATOR'] } })
  assert.equal(created.status, 201, created.text)
  operator = { id: created.body.id, accessToken: (await login(auth.url, email, 'operator-password')).accessToken }
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const users = () => auth.app.mongo.db.collection('users')
const auditRows = () => auth.app.mongo.db.collection('audit_log')
const setTags = (id: string, body: unknown, token = operator.accessToken) => call(auth.url, 'PATCH', `/auth/users/${id}/tags`, { token, body })
const bulk = (body: unknown, token = operator.accessToken) => call(auth.url, 'POST', '/auth/users/tags', { token, body })
const storedTags = async (id: string) => ((await users().findOne({ _id: new ObjectId(id) })) as { tags?: string[] } | null)?.tags
const tagAuditOf = async (id: string) =>
  (await auditRows().find({ 'entity.id': id, action: 'user.tags' }).sort({ _id: 1 }).toArray()).map(({ actor, before, after }) => ({ actor, before, after }))

/**
 * Accounts written straight into the database (a password hash each would take minutes for a
 * thousand), shaped as the service stores them — no `tags` field, like accounts from before tags.
 */
async function seedAccounts(count: number, label: string, fields: Record<string, unknown> = {}): Promise<Array<{ id: string; email: string }>> {
  const now = new Date()
  const docs = Array.from({ length: count }, (_, index) => ({
    _id: new ObjectId(),
    email: `${label}-${index}-${process.pid}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkc2VlZGVk$seededseededseededseededseededseededsee',
    roles: ['USER'],
    createdAt: now,
    updatedAt: now,
    ...fields
  }))
  await users().insertMany(docs)
  return docs.map((doc) => ({ id: doc._id.toHexString(), email: doc.email }))
}

describe('PATCH /auth/users/:id/tags', () => {
  test('replaces the tags (a sorted set), answers the account, audits each change once and a repeat not at all', async () => {
    const player = await signUp(auth.url)
    const set = await setTags(player.id, { tags: ['vip', 'region-kr', 'a_1'] })
    assert.equal(set.status, 200, set.text)
    assert.deepEqual(set.body.tags, ['a_1', 'region-kr', 'vip'])
    assert.deepEqual(Object.keys(set.body).sort(), ['createdAt', 'disabled', 'email', 'id', 'roles', 'tags'])
    const again = await setTags(player.id, { tags: ['vip', 'a_1', 'region-kr'] })
    assert.deepEqual(again.body.tags, ['a_1', 'region-kr', 'vip'], 'the same set in another order is no change')
    const cleared = await setTags(player.id, { tags: [] }, admin)
    assert.equal(cleared.status, 200, cleared.text)
    assert.deepEqual(cleared.body.tags, [])
    assert.deepEqual(await storedTags(player.id), [])
    const adminId = (await call(auth.url, 'GET', '/auth/users/me', { token: admin })).body.id
    assert.deepEqual(await tagAuditOf(player.id), [
      { actor: operator.id, before: { tags: [] }, after: { tags: ['a_1', 'region-kr', 'vip'] } },
      { actor: adminId, before: { tags: ['a_1', 'region-kr', 'vip'] }, after: { tags: [] } }
    ])
    const log = await call(auth.url, 'GET', `/auth/audit?entityId=${player.id}`, { token: admin })
    assert.deepEqual(log.body.items.map((entry: { action: string }) => entry.action), ['user.tags', 'user.tags'], 'served by GET /auth/audit')
  })

  test('20 tags is the most; an unknown account is a 404; every bad body is a 400 naming the field and changes nothing', async () => {
    const player = await signUp(auth.url)
    const twenty = Array.from({ length: 20 }, (_, index) => `t${index}`)
    assert.equal((await setTags(player.id, { tags: twenty })).status, 200)
    assert.equal((await setTags(new ObjectId().toHexString(), { tags: ['vip'] })).status, 404)
    assert.equal((await setTags(new ObjectId().toHexString(), { tags: ['vip'] })).body.code, 'USER_NOT_FOUND')
    const cases: Array<[string, unknown, string]> = [
      ['upper case', { tags: ['VIP'] }, 'body.tags.0'],
      ['starts with a dash', { tags: ['-vip'] }, 'body.tags.0'],
      ['starts with an underscore', { tags: ['_vip'] }, 'body.tags.0'],
      ['a space', { tags: ['big spender'] }, 'body.tags.0'],
      ['33 characters', { tags: ['a'.repeat(33)] }, 'body.tags.0'],
      ['empty', { tags: [''] }, 'body.tags.0'],
      ['a dot', { tags: ['region.kr'] }, 'body.tags.0'],
      ['21 tags', { tags: [...twenty, 'one-more'] }, 'body.tags'],
      ['twice the same', { tags: ['vip', 'vip'] }, 'body.tags'],
      ['not an array', { tags: { vip: true } }, 'body.tags'],
      ['an object tag', { tags: [{ $ne: null }] }, 'body.tags.0'],
      ['missing', {}, 'body.tags'],
      ['an extra field', { tags: ['vip'], roles: ['ADMIN'] }, 'body.roles']
    ]
    for (const [name, body, field] of cases) {
      const reply = await setTags(player.id, body)
      assert.equal(reply.status, 400, `${name}: ${reply.text}`)
      assert.equal(reply.body.errors?.[0]?.field, field, `${name}: ${reply.text}`)
    }
    assert.equal((await setTags('not-an-id', { tags: [] })).status, 400)
    assert.deepEqual(await storedTags(player.id), [...twenty].sort())
    assert.equal((await tagAuditOf(player.id)).length, 1)
  })

  test('ten identical changes at once are audited once; ten different ones leave an unbroken before/after chain', async () => {
    const player = await signUp(auth.url)
    const same = await Promise.all(Array.from({ length: 10 }, () => setTags(player.id, { tags: ['spring', 'vip'] })))
    assert.deepEqual(same.map((reply) => reply.status), Array(10).fill(200))
    assert.deepEqual(await tagAuditOf(player.id), [{ actor: operator.id, before: { tags: [] }, after: { tags: ['spring', 'vip'] } }])

    const other = await signUp(auth.url)
    const sets = Array.from({ length: 10 }, (_, index) => [`set-${index}`])
    await Promise.all(sets.map((tags) => setTags(other.id, { tags })))
    const chain = await tagAuditOf(other.id)
    assert.equal(chain.length, 10)
    // Each change starts from what another one left (the entries may be written in another order
    // than the changes): followed from [], the links reach every entry and end at what is stored.
    const from = new Map(chain.map((step) => [JSON.stringify(step.before.tags), step.after.tags]))
    assert.equal(from.size, 10, 'no two changes started from the same tags: none was lost')
    let tags: string[] = []
    for (let step = 0; step < 10; step++) tags = from.get(JSON.stringify(tags)) ?? assert.fail(`the chain breaks after ${JSON.stringify(tags)}`)
    assert.deepEqual(await storedTags(other.id), tags)
  })

  test('an account from before tags (no field) reads as none', async () => {
    const [old] = await seedAccounts(1, 'pre-tags')
    const listed = await call(auth.url, 'GET', `/auth/users?email=${old!.email}`, { token: operator.accessToken })
    assert.deepEqual(listed.body.items.map((user: { tags: string[] }) => user.tags), [[]])
  })
})

describe('tags in access tokens', () => {
  test('a tag added shows in the token of the next refresh, a tag removed is gone from it; the older token keeps working', async () => {
    const player = await signUp(auth.url)
    const first = await login(auth.url, player.email, player.password)
    assert.deepEqual(decodeJwt(first.accessToken).payload.tags, [], 'no tags yet: an empty list')

    assert.equal((await setTags(player.id, { tags: ['vip'] })).status, 200)
    const refreshed = await call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } })
    assert.equal(refreshed.status, 200, refreshed.text)
    assert.deepEqual(decodeJwt(refreshed.body.accessToken).payload.tags, ['vip'])
    assert.equal((await call(auth.url, 'GET', '/auth/users/me', { token: first.accessToken })).status, 200, 'a tag change revokes nothing')

    const removed = await bulk({ ids: [player.id], remove: ['vip'], add: ['returning'] })
    assert.deepEqual(removed.body.results, [{ id: player.id, status: 'updated', tags: ['returning'] }])
    const again = await call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } })
    assert.equal(again.status, 200, again.text)
    assert.deepEqual(decodeJwt(again.body.accessToken).payload.tags, ['returning'])
    const fresh = await login(auth.url, player.email, player.password)
    assert.deepEqual(decodeJwt(fresh.accessToken).payload.tags, ['returning'], 'a login carries them too')
  })
})

describe('POST /auth/users/tags', () => {
  test('1,000 accounts tagged in one call: every one updated, stored and audited once', async () => {
    const accounts = await seedAccounts(1000, 'bulk')
    const started = performance.now()
    const reply = await bulk({ ids: accounts.map((account) => account.id), add: ['bulk-1000'] })
    const tookMs = performance.now() - started
    assert.equal(reply.status, 200, reply.text.slice(0, 300))
    const database = process.env.MONGO_URL ? 'MongoDB at MONGO_URL' : 'the embedded mongo-java-server'
    console.log(`# 1,000 accounts tagged in one call in ${tookMs.toFixed(0)} ms (${database})`)
    assert.equal(reply.body.results.length, 1000)
    assert.ok(
      reply.body.results.every((result: { id: string; status: string; tags: string[] }, index: number) =>
        result.id === accounts[index]!.id && result.status === 'updated' && result.tags.join() === 'bulk-1000'
      )
    )
    assert.equal(await users().countDocuments({ tags: 'bulk-1000' }), 1000)
    assert.equal(await auditRows().countDocuments({ action: 'user.tags', 'after.tags': 'bulk-1000' }), 1000)

    // By email, in whatever case they are given, and removing again.
    const byEmail = await bulk({ emails: accounts.map((account) => account.email.toUpperCase()), remove: ['bulk-1000'] })
    assert.equal(byEmail.status, 200)
    assert.ok(byEmail.body.results.every((result: { email: string; status: string }, index: number) => result.email === accounts[index]!.email.toUpperCase() && result.status === 'updated'))
    assert.equal(await users().countDocuments({ tags: 'bulk-1000' }), 0)
    assert.equal(await auditRows().countDocuments({ action: 'user.tags', 'before.tags': 'bulk-1000' }), 1000)
  })

  test('mixed entries: each gets its own result, in order, and only the valid ones change', async () => {
    const [plain, tagged, full, other] = await seedAccounts(4, 'mixed')
    await users().updateOne({ _id: new ObjectId(tagged!.id) }, { $set: { tags: ['event-a', 'vip'] } })
    const nineteen = Array.from({ length: 19 }, (_, index) => `f${String(index).padStart(2, '0')}`)
    await users().updateOne({ _id: new ObjectId(full!.id) }, { $set: { tags: nineteen } })
    const unknown = new ObjectId().toHexString()
    const ids = [plain!.id, unknown, 'nope', tagged!.id.toUpperCase(), full!.id, plain!.id, other!.id]
    const reply = await bulk({ ids, add: ['vip', 'spring'], remove: ['event-a'] })
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual(reply.body.results, [
      { id: plain!.id, status: 'updated', tags: ['spring', 'vip'] },
      { id: unknown, status: 'not_found' },
      { id: 'nope', status: 'invalid', detail: 'Not an account id (24 hex characters)' },
      { id: tagged!.id.toUpperCase(), status: 'updated', tags: ['spring', 'vip'] },
      { id: full!.id, status: 'invalid', detail: 'The account would have 21 tags; at most 20' },
      { id: plain!.id, status: 'invalid', detail: 'The same account as entry 0; each account once' },
      { id: other!.id, status: 'updated', tags: ['spring', 'vip'] }
    ])
    assert.deepEqual(await storedTags(plain!.id), ['spring', 'vip'])
    assert.deepEqual(await storedTags(tagged!.id), ['spring', 'vip'])
    assert.deepEqual(await storedTags(full!.id), nineteen, 'the refused entry is untouched')
    assert.deepEqual(await tagAuditOf(tagged!.id), [{ actor: operator.id, before: { tags: ['event-a', 'vip'] }, after: { tags: ['spring', 'vip'] } }])
    assert.deepEqual(await tagAuditOf(full!.id), [])

    // Asking for what is so already: updated, nothing written, nothing audited.
    const repeat = await bulk({ ids: [plain!.id], add: ['vip'] })
    assert.deepEqual(repeat.body.results, [{ id: plain!.id, status: 'updated', detail: 'Nothing to change: the account was so already', tags: ['spring', 'vip'] }])
    assert.equal((await tagAuditOf(plain!.id)).length, 1)

    const byEmail = await bulk({ emails: [other!.email.toUpperCase(), 'nobody@example.com', 'not-an-email'], remove: ['spring'] })
    assert.deepEqual(byEmail.body.results, [
      { email: other!.email.toUpperCase(), status: 'updated', tags: ['vip'] },
      { email: 'nobody@example.com', status: 'not_found' },
      { email: 'not-an-email', status: 'invalid', detail: 'Not an email address' }
    ])
  })

  test('concurrent bulk requests on the same accounts lose no change and audit each one once', async () => {
    const accounts = await seedAccounts(100, 'race')
    const ids = accounts.map((account) => account.id)
    const racers = ['r1', 'r2', 'r3', 'r4', 'r5']
    const replies = await Promise.all(racers.map((tag) => bulk({ ids, add: [tag] })))
    for (const reply of replies) {
      assert.equal(reply.status, 200, reply.text.slice(0, 300))
      assert.deepEqual(new Set(reply.body.results.map((result: { status: string }) => result.status)), new Set(['updated']), reply.text.slice(0, 300))
    }
    for (const id of ids) assert.deepEqual(await storedTags(id), racers, id)
    const rows = await auditRows().find({ action: 'user.tags', 'entity.id': { $in: ids } }).toArray()
    assert.equal(rows.length, ids.length * racers.length, 'one audit entry per request per account')
    for (const id of ids) {
      // Each entry adds one tag to what the previous one left: the chain has no gap and no repeat.
      const chain = rows.filter((row) => row.entity.id === id).map((row) => ({ before: row.before.tags as string[], after: row.after.tags as string[] }))
      assert.deepEqual(chain.map((step) => step.before.length).sort(), [0, 1, 2, 3, 4], id)
      for (const step of chain) assert.equal(step.after.length, step.before.length + 1, id)
    }
  })

  test('the 20-tag cap holds under concurrent requests', async () => {
    const [account] = await seedAccounts(1, 'cap-race', { tags: Array.from({ length: 18 }, (_, index) => `c${String(index).padStart(2, '0')}`) })
    const replies = await Promise.all(['x1', 'x2', 'x3', 'x4'].map((tag) => bulk({ ids: [account!.id], add: [tag] })))
    const statuses = replies.map((reply) => reply.body.results[0].status).sort()
    assert.deepEqual(statuses, ['invalid', 'invalid', 'updated', 'updated'])
    assert.equal((await storedTags(account!.id))?.length, 20)
  })

  test('a malformed request is a 400 naming the field, and changes nothing', async () => {
    const [account] = await seedAccounts(1, 'malformed')
    const id = account!.id
    const cases: Array<[string, unknown, string, string?]> = [
      ['ids and emails', { ids: [id], emails: [account!.email], add: ['vip'] }, 'body.emails', 'IDS_OR_EMAILS'],
      ['neither ids nor emails', { add: ['vip'] }, 'body.ids', 'IDS_OR_EMAILS'],
      ['1,001 ids', { ids: Array.from({ length: 1001 }, () => id), add: ['vip'] }, 'body.ids'],
      ['1,001 emails', { emails: Array.from({ length: 1001 }, () => account!.email), add: ['vip'] }, 'body.emails'],
      ['no ids', { ids: [], add: ['vip'] }, 'body.ids'],
      ['no tag to add or remove', { ids: [id] }, 'body.add', 'NOTHING_TO_CHANGE'],
      ['an empty add', { ids: [id], add: [] }, 'body.add'],
      ['a tag both added and removed', { ids: [id], add: ['vip', 'new'], remove: ['vip'] }, 'body.remove', 'TAG_IN_ADD_AND_REMOVE'],
      ['a bad tag to add', { ids: [id], add: ['VIP'] }, 'body.add.0'],
      ['a bad tag to remove', { ids: [id], remove: ['no spaces'] }, 'body.remove.0'],
      ['21 tags to add', { ids: [id], add: Array.from({ length: 21 }, (_, index) => `t${index}`) }, 'body.add'],
      ['a tag twice', { ids: [id], add: ['vip', 'vip'] }, 'body.add'],
      ['an object for an id', { ids: [{ $ne: null }], add: ['vip'] }, 'body.ids.0'],
      ['an extra field', { ids: [id], add: ['vip'], tags: ['vip'] }, 'body.tags']
    ]
    for (const [name, body, field, code] of cases) {
      const reply = await bulk(body)
      assert.equal(reply.status, 400, `${name}: ${reply.text.slice(0, 300)}`)
      assert.equal(reply.body.errors?.[0]?.field, field, `${name}: ${reply.text.slice(0, 300)}`)
      if (code) assert.equal(reply.body.code, code, name)
      assert.match(reply.body.detail, new RegExp(field.replaceAll('.', '\\.')), name)
    }
    assert.equal(await storedTags(id), undefined)
    assert.equal((await tagAuditOf(id)).length, 0)
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assert.ok(seenReplies.length > 30)
  assertNoSecretsIn(seenReplies)
})
