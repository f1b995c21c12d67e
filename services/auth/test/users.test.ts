import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { GENERATED_ADMIN_EMAIL } from '../src/plugins/bootstrap-admin.js'
import {
  ADMIN,
  BODY_LIMIT,
  assertNoSecretsIn,
  call,
  login,
  loginAsAdmin,
  seenReplies,
  signUp,
  startAuth,
  stopTestDatabase,
  uniqueEmail,
  type TestAuth
} from './helpers.js'

let auth: TestAuth
let adminToken: string

before(async () => {
  auth = await startAuth()
  adminToken = (await loginAsAdmin(auth.url)).accessToken
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

describe('POST /auth/users', () => {
  test('public sign-up creates a USER with a normalized email and answers the public shape', async () => {
    const reply = await call(auth.url, 'POST', '/auth/users', { body: { email: 'New.Player@Example.COM', password: 'password-123' } })
    assert.equal(reply.status, 201, reply.text)
    assert.deepEqual(Object.keys(reply.body).sort(), ['createdAt', 'disabled', 'email', 'id', 'roles', 'tags'])
    assert.equal(reply.body.email, 'new.player@example.com')
    assert.deepEqual(reply.body.roles, ['USER'])
    assert.match(reply.body.id, /^[0-9a-f]{24}$/)
    assert.ok(!Number.isNaN(Date.parse(reply.body.createdAt)))
  })

  test('public sign-up asking for ADMIN (roles or role) still gets USER', async () => {
    for (const extra of [{ roles: ['ADMIN', 'OPERATOR'] }, { role: 'ADMIN' }]) {
      const reply = await call(auth.url, 'POST', '/auth/users', { body: { email: uniqueEmail(), password: 'password-123', ...extra } })
      assert.equal(reply.status, 201, reply.text)
      assert.deepEqual(reply.body.roles, ['USER'])
    }
  })

  test('a USER token cannot create privileged accounts either', async () => {
    const user = await signUp(auth.url)
    const { accessToken } = await login(auth.url, user.email, user.password)
    const reply = await call(auth.url, 'POST', '/auth/users', {
      token: accessToken,
      body: { email: uniqueEmail(), password: 'password-123', roles: ['OPERATOR'] }
    })
    assert.equal(reply.status, 201, reply.text)
    assert.deepEqual(reply.body.roles, ['USER'])
  })

  test('an ADMIN creates an OPERATOR (roles) and an AUDITOR (the seed\'s single role)', async () => {
    const operator = await call(auth.url, 'POST', '/auth/users', {
      token: adminToken,
      body: { email: uniqueEmail('operator'), password: 'password-123', roles: ['OPERATOR'] }
    })
    assert.equal(operator.status, 201, operator.text)
    assert.deepEqual(operator.body.roles, ['OPERATOR'])
    const auditor = await call(auth.url, 'POST', '/auth/users', {
      token: adminToken,
      body: { email: uniqueEmail('auditor'), password: 'password-123', role: 'AUDITOR' }
    })
    assert.deepEqual(auditor.body.roles, ['AUDITOR'])
    const plain = await call(auth.url, 'POST', '/auth/users', { token: adminToken, body: { email: uniqueEmail(), password: 'password-123' } })
    assert.deepEqual(plain.body.roles, ['USER'])
  })

  test('an invalid token on sign-up is a 401, not a silent USER', async () => {
    const reply = await call(auth.url, 'POST', '/auth/users', {
      token: 'not-a-jwt',
      body: { email: uniqueEmail(), password: 'password-123', roles: ['OPERATOR'] }
    })
    assert.equal(reply.status, 401)
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer')
  })

  test('a duplicate email is a 409, whatever its case', async () => {
    const { email } = await signUp(auth.url, uniqueEmail('dup'))
    const reply = await call(auth.url, 'POST', '/auth/users', { body: { email: email.toUpperCase(), password: 'password-123' } })
    assert.equal(reply.status, 409)
    assert.equal(reply.body.code, 'EMAIL_TAKEN')
    assert.equal(reply.headers.get('content-type'), 'application/problem+json; charset=utf-8')
    assert.ok(reply.body.requestId)
  })

  test('bad input is a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ password: 'password-123' }, 'body.email'],
      [{ email: uniqueEmail() }, 'body.password'],
      [{ email: 'not-an-email', password: 'password-123' }, 'body.email'],
      [{ email: uniqueEmail(), password: 'short' }, 'body.password'],
      [{ email: uniqueEmail(), password: 'password-123', isAdmin: true }, 'body.isAdmin'],
      [{ email: { $ne: null }, password: 'password-123' }, 'body.email'],
      [{ email: uniqueEmail(), password: 'password-123', roles: ['GOD'] }, 'body.roles.0']
    ]
    for (const [body, field] of cases) {
      const reply = await call(auth.url, 'POST', '/auth/users', { body })
      assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${reply.text}`)
      assert.equal(reply.body.code, 'VALIDATION_FAILED')
      assert.equal(reply.body.errors[0].field, field, JSON.stringify(body))
    }
  })

  test('malformed JSON is a 400 saying so', async () => {
    const reply = await call(auth.url, 'POST', '/auth/users', { body: '{"email": "a@example.com",' })
    assert.equal(reply.status, 400)
    assert.match(reply.body.detail, /Malformed JSON/)
  })

  test('a body over BODY_LIMIT is a 413', async () => {
    const reply = await call(auth.url, 'POST', '/auth/users', {
      body: { email: uniqueEmail(), password: 'password-123', padding: 'x'.repeat(BODY_LIMIT) }
    })
    assert.equal(reply.status, 413)
    assert.equal(reply.body.status, 413)
  })
})

describe('GET /auth/users/me', () => {
  test('answers the account of the token', async () => {
    const user = await signUp(auth.url)
    const { accessToken } = await login(auth.url, user.email, user.password)
    const reply = await call(auth.url, 'GET', '/auth/users/me', { token: accessToken })
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual({ id: reply.body.id, email: reply.body.email, roles: reply.body.roles }, { id: user.id, email: user.email, roles: ['USER'] })
  })

  test('without a token is a 401', async () => {
    const reply = await call(auth.url, 'GET', '/auth/users/me')
    assert.equal(reply.status, 401)
  })

  test('a refresh token is not an access token: 401', async () => {
    const user = await signUp(auth.url)
    const { refreshToken } = await login(auth.url, user.email, user.password)
    const reply = await call(auth.url, 'GET', '/auth/users/me', { token: refreshToken })
    assert.equal(reply.status, 401)
  })
})

describe('PATCH /auth/users/:id/roles', () => {
  test('an ADMIN changes roles, and the next refresh carries them', async () => {
    const user = await signUp(auth.url)
    const pair = await login(auth.url, user.email, user.password)
    const reply = await call(auth.url, 'PATCH', `/auth/users/${user.id}/roles`, { token: adminToken, body: { roles: ['OPERATOR', 'AUDITOR'] } })
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual(reply.body.roles, ['OPERATOR', 'AUDITOR'])
    const refreshed = await call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken: pair.refreshToken } })
    const me = await call(auth.url, 'GET', '/auth/users/me', { token: refreshed.body.accessToken })
    assert.deepEqual(me.body.roles, ['OPERATOR', 'AUDITOR'])
  })

  test('a USER is refused with 403', async () => {
    const user = await signUp(auth.url)
    const { accessToken } = await login(auth.url, user.email, user.password)
    const reply = await call(auth.url, 'PATCH', `/auth/users/${user.id}/roles`, { token: accessToken, body: { roles: ['ADMIN'] } })
    assert.equal(reply.status, 403)
  })

  test('an unknown id is a 404, a malformed one a 400', async () => {
    const unknown = await call(auth.url, 'PATCH', '/auth/users/682c1aaa6fb6c7f00ae8ae33/roles', { token: adminToken, body: { roles: ['USER'] } })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'USER_NOT_FOUND')
    const malformed = await call(auth.url, 'PATCH', '/auth/users/nope/roles', { token: adminToken, body: { roles: ['USER'] } })
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.errors[0].field, 'params.id')
  })

  test('empty or unknown roles are a 400', async () => {
    const user = await signUp(auth.url)
    for (const roles of [[], ['ROOT']]) {
      const reply = await call(auth.url, 'PATCH', `/auth/users/${user.id}/roles`, { token: adminToken, body: { roles } })
      assert.equal(reply.status, 400, JSON.stringify(roles))
    }
  })

  test('an ADMIN cannot remove ADMIN from their own account', async () => {
    const me = await call(auth.url, 'GET', '/auth/users/me', { token: adminToken })
    const reply = await call(auth.url, 'PATCH', `/auth/users/${me.body.id}/roles`, { token: adminToken, body: { roles: ['USER'] } })
    assert.equal(reply.status, 409)
    assert.equal(reply.body.code, 'SELF_DEMOTION')
  })
})

describe('bootstrap admin', () => {
  test('is created once: a second start on the same database changes nothing', async () => {
    const second = await startAuth({ dbName: auth.dbName, bootstrapAdmin: { email: ADMIN.email.toUpperCase(), password: 'another-password' } })
    try {
      await login(second.url, ADMIN.email, ADMIN.password)
      const refused = await call(second.url, 'POST', '/auth/login', { body: { email: ADMIN.email, password: 'another-password' } })
      assert.equal(refused.status, 401)
    } finally {
      await second.close()
    }
    const admins = await auth.app.mongo.db.collection('users').find({ email: ADMIN.email }).toArray()
    assert.equal(admins.length, 1)
    assert.deepEqual(admins[0]?.roles, ['ADMIN'])
  })

  test('none configured: a first ADMIN with a generated password, said once in the log — and only while no ADMIN exists', async () => {
    const lines: string[] = []
    const logStream = { write: (line: string) => { lines.push(line) } }
    const generated = { email: GENERATED_ADMIN_EMAIL, password: 'generated-x7Pq2-9kLm', generated: true }
    const fresh = await startAuth({ bootstrapAdmin: generated, logStream })
    try {
      const said = lines.filter((line) => line.includes(generated.password))
      assert.equal(said.length, 1, 'the password is in the log, once')
      assert.match(said[0]!, /admin@platform\.local/)
      const pair = await login(fresh.url, generated.email, generated.password)
      assert.deepEqual((await call(fresh.url, 'GET', '/auth/users/me', { token: pair.accessToken })).body.roles, ['ADMIN'])
    } finally {
      await fresh.close()
    }
    // A restart generates another password; the account exists, so nothing is created or said.
    lines.length = 0
    const restarted = await startAuth({ dbName: fresh.dbName, bootstrapAdmin: { ...generated, password: 'another-generated-one' }, logStream })
    try {
      assert.equal(lines.filter((line) => line.includes('another-generated-one')).length, 0)
      assert.equal((await call(restarted.url, 'POST', '/auth/login', { body: { email: generated.email, password: generated.password } })).status, 200)
    } finally {
      await restarted.close()
    }
    // A database that has an ADMIN already (the configured one) gets no generated one.
    const configured = await startAuth({ dbName: auth.dbName, bootstrapAdmin: { ...generated, password: 'third-generated-one' }, logStream })
    try {
      assert.equal(await configured.app.mongo.db.collection('users').countDocuments({ email: GENERATED_ADMIN_EMAIL }), 0)
    } finally {
      await configured.close()
    }
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assert.ok(seenReplies.length > 20)
  assertNoSecretsIn(seenReplies)
})
