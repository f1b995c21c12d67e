/**
 * The account directory (SPEC v2: `GET /auth/users`, OPERATOR, AUDITOR, ADMIN): email prefix in
 * any case, role, tag and id filters return exactly the accounts they name; the cursor neither repeats
 * nor skips an account while others are being created; no hash or session detail leaves.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { ADMIN, assertNoSecretsIn, call, login, loginAsAdmin, seenReplies, signUp, startAuth, stopTestDatabase, uniqueEmail, type Reply, type TestAuth } from './helpers.js'

interface Listed {
  id: string
  email: string
  roles: string[]
  tags: string[]
  disabled: boolean
  createdAt: string
}

let auth: TestAuth
let admin: string
const tokens: Record<'OPERATOR' | 'AUDITOR' | 'USER' | 'SERVICE', string> = { OPERATOR: '', AUDITOR: '', USER: '', SERVICE: '' }
/** Every account of this file's database, as seeded or created: what the filters are checked against. */
let aliceId = ''
const everyone: Array<{ id: string; email: string; roles: string[]; tags: string[] }> = []

const users = () => auth.app.mongo.db.collection('users')

/** Written straight into the database, shaped as the service stores them (emails lower-cased). */
async function seed(email: string, roles: string[], tags?: string[]) {
  const now = new Date()
  const doc = { _id: new ObjectId(), email: email.toLowerCase(), passwordHash: 'seeded', roles, ...(tags ? { tags } : {}), createdAt: now, updatedAt: now }
  await users().insertOne(doc)
  everyone.push({ id: doc._id.toHexString(), email: doc.email, roles, tags: tags ?? [] })
  return doc._id.toHexString()
}

before(async () => {
  auth = await startAuth()
  admin = (await loginAsAdmin(auth.url)).accessToken
  for (const role of Object.keys(tokens) as Array<keyof typeof tokens>) {
    const email = uniqueEmail(role.toLowerCase())
    const created = await call(auth.url, 'POST', '/auth/users', { token: admin, body: { email, password: 'directory-password', roles: [role] } })
    assert.equal(created.status, 201, created.text)
    tokens[role] = (await login(auth.url, email, 'directory-password')).accessToken
  }
  for (const user of (await users().find().toArray()) as unknown as Array<{ _id: ObjectId; email: string; roles: string[] }>) {
    everyone.push({ id: user._id.toHexString(), email: user.email, roles: user.roles, tags: [] })
  }
  aliceId = await seed('Alice.Smith@example.com', ['USER'], ['vip', 'region-kr'])
  await seed('alice.jones@example.com', ['USER'], ['region-kr'])
  await seed('aliceXsmith@example.com', ['USER'], ['vip'])
  await seed('alicia@example.com', ['OPERATOR'], ['vip'])
  await seed('bob+games@example.com', ['USER'])
  await seed('bob.op@example.com', ['OPERATOR', 'AUDITOR'], ['staff'])
  await seed('carol@example.org', ['USER'], ['returning', 'vip'])
  await seed('(weird)*name@example.com', ['USER'], ['region-jp'])
  for (let index = 0; index < 30; index++) await seed(`filler${String(index).padStart(2, '0')}@example.net`, ['USER'], index % 3 === 0 ? ['filler', 'vip'] : ['filler'])
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const directory = (query: string, token = tokens.OPERATOR) => call(auth.url, 'GET', `/auth/users${query ? `?${query}` : ''}`, { token })

/** Every page of a listing, following the cursor. */
async function listAll(query: string, token = tokens.AUDITOR): Promise<Listed[]> {
  const items: Listed[] = []
  let cursor: string | null = null
  do {
    const reply = await directory(`${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, token)
    assert.equal(reply.status, 200, reply.text)
    items.push(...(reply.body.items as Listed[]))
    cursor = reply.body.nextCursor
  } while (cursor)
  return items
}

const idsWhere = (keep: (user: (typeof everyone)[number]) => boolean) => everyone.filter(keep).map((user) => user.id).sort()
const idsOf = (items: Listed[]) => items.map((item) => item.id).sort()

describe('GET /auth/users', () => {
  test('filters return exactly the accounts they name: email prefix in any case and literally, role, tag, combined', async () => {
    const cases: Array<[string, (user: (typeof everyone)[number]) => boolean]> = [
      ['email=alice', (user) => user.email.startsWith('alice')],
      ['email=ALICE.', (user) => user.email.startsWith('alice.')],
      ['email=Alice.S', (user) => user.email === 'alice.smith@example.com'],
      // Regex specials are text: `.` is a dot (not aliceXsmith), `(`, `*` and `+` match themselves.
      ['email=.', () => false],
      ['email=.*', () => false],
      [`email=${encodeURIComponent('(weird)*')}`, (user) => user.email.startsWith('(weird)*')],
      [`email=${encodeURIComponent('bob+')}`, (user) => user.email.startsWith('bob+')],
      [`email=${encodeURIComponent('^alice')}`, () => false],
      ['email=example.com', () => false],
      ['role=OPERATOR', (user) => user.roles.includes('OPERATOR')],
      ['role=AUDITOR', (user) => user.roles.includes('AUDITOR')],
      ['role=ADMIN', (user) => user.roles.includes('ADMIN')],
      ['role=DELIVERY', () => false],
      ['tag=vip', (user) => user.tags.includes('vip')],
      ['tag=region-kr', (user) => user.tags.includes('region-kr')],
      ['tag=nobody-has-it', () => false],
      ['email=ali&tag=vip', (user) => user.email.startsWith('ali') && user.tags.includes('vip')],
      ['email=ali&tag=vip&role=OPERATOR', (user) => user.email.startsWith('ali') && user.tags.includes('vip') && user.roles.includes('OPERATOR')],
      ['role=USER&tag=filler', (user) => user.roles.includes('USER') && user.tags.includes('filler')],
      // By id (the console's player page): that account alone, in any case; with other filters, AND.
      [`id=${aliceId}`, (user) => user.id === aliceId],
      [`id=${aliceId.toUpperCase()}`, (user) => user.id === aliceId],
      [`id=${aliceId}&tag=vip`, (user) => user.id === aliceId],
      [`id=${aliceId}&role=OPERATOR`, () => false],
      [`id=${new ObjectId().toHexString()}`, () => false],
      ['', () => true]
    ]
    for (const [query, keep] of cases) {
      const expected = idsWhere(keep)
      assert.deepEqual(idsOf(await listAll(query)), expected, query)
    }
    assert.ok(idsWhere((user) => user.tags.includes('vip')).length > 10, 'the fixture is not trivial')
  })

  test('items: id, email, roles, tags, status and creation time — nothing else; newest first', async () => {
    const disabledId = await seed('disabled-one@example.com', ['USER'], ['vip'])
    await users().updateOne({ _id: new ObjectId(disabledId) }, { $set: { disabled: true, tokenVersion: 3 } })
    const page = await directory('limit=100')
    assert.equal(page.status, 200, page.text)
    for (const item of page.body.items as Listed[]) assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'disabled', 'email', 'id', 'roles', 'tags'])
    const first = (page.body.items as Listed[])[0]!
    assert.deepEqual(first, { id: disabledId, email: 'disabled-one@example.com', roles: ['USER'], tags: ['vip'], disabled: true, createdAt: first.createdAt })
    const ids = (page.body.items as Listed[]).map((item) => item.id)
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first')
    assert.doesNotMatch(page.text, /passwordHash|seeded|tokenVersion|sid|session/i)
    assert.ok((page.body.items as Listed[]).some((item) => item.email === ADMIN.email && item.roles.includes('ADMIN')))
  })

  test('pages follow the cursor without repeating or skipping an account while accounts are being created', async () => {
    const atStart = new Set(idsOf(await listAll('tag=filler')))
    assert.equal(atStart.size, 30)
    const seen: string[] = []
    let cursor: string | null = null
    let created = 0
    let pages = 0
    do {
      // New accounts land between every two page reads: some through the API, some straight in the database.
      const [reply]: [Reply, string, void] = await Promise.all([
        directory(`tag=filler&limit=4${cursor ? `&cursor=${cursor}` : ''}`, tokens.AUDITOR),
        seed(`late-${created++}@example.net`, ['USER'], ['filler']),
        (async () => {
          const account = await signUp(auth.url)
          const set = await call(auth.url, 'PATCH', `/auth/users/${account.id}/tags`, { token: tokens.OPERATOR, body: { tags: ['filler'] } })
          assert.equal(set.status, 200, set.text)
          created++
        })()
      ])
      assert.equal(reply.status, 200, reply.text)
      assert.ok(reply.body.items.length <= 4)
      seen.push(...reply.body.items.map((item: Listed) => item.id))
      cursor = reply.body.nextCursor
      pages++
    } while (cursor && pages < 50)
    assert.equal(new Set(seen).size, seen.length, 'no account twice')
    assert.deepEqual([...atStart].filter((id) => !seen.includes(id)), [], 'every account that existed at the start is listed')
    assert.ok(created >= 16 && pages >= 8, `${created} accounts created during ${pages} pages`)
  })

  test('staff only: OPERATOR, AUDITOR, ADMIN; USER and SERVICE 403; no token 401', async () => {
    for (const token of [tokens.OPERATOR, tokens.AUDITOR, admin]) assert.equal((await directory('limit=1', token)).status, 200)
    for (const token of [tokens.USER, tokens.SERVICE]) assert.equal((await directory('limit=1', token)).status, 403)
    assert.equal((await call(auth.url, 'GET', '/auth/users')).status, 401)
  })

  test('the routes beside it still answer: the caller at /auth/users/me, sign-up at POST /auth/users', async () => {
    const me = await call(auth.url, 'GET', '/auth/users/me', { token: tokens.USER })
    assert.equal(me.status, 200, me.text)
    assert.deepEqual(me.body.roles, ['USER'])
    const signedUp = await call(auth.url, 'POST', '/auth/users', { body: { email: uniqueEmail('beside'), password: 'beside-password' } })
    assert.equal(signedUp.status, 201, signedUp.text)
    assert.deepEqual(signedUp.body.tags, [])
  })

  test('bad filters are a 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['role=NOPE', 'querystring.role'],
      ['role=user', 'querystring.role'],
      ['tag=VIP', 'querystring.tag'],
      ['tag=has%20space', 'querystring.tag'],
      [`tag=${'a'.repeat(33)}`, 'querystring.tag'],
      ['email=', 'querystring.email'],
      ['email=a%00b', 'querystring.email'],
      ['email=a%20b', 'querystring.email'],
      [`email=${'a'.repeat(255)}`, 'querystring.email'],
      ['email[$regex]=.*', 'querystring.email[$regex]'],
      ['limit=0', 'querystring.limit'],
      ['limit=101', 'querystring.limit'],
      ['cursor=***', 'querystring.cursor'],
      ['status=disabled', 'querystring.status'],
      ['id=nope', 'querystring.id'],
      [`id=${'a'.repeat(25)}`, 'querystring.id'],
      ['id[$ne]=x', 'querystring.id[$ne]']
    ]
    for (const [query, field] of cases) {
      const reply = await directory(query)
      assert.equal(reply.status, 400, `${query}: ${reply.text}`)
      assert.equal(reply.body.errors?.[0]?.field, field, `${query}: ${reply.text}`)
    }
    const foreignCursor = await directory('cursor=AAAA')
    assert.equal(foreignCursor.status, 400)
    assert.equal(foreignCursor.body.code, 'INVALID_CURSOR')
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assert.ok(seenReplies.length > 30)
  assertNoSecretsIn(seenReplies)
})
