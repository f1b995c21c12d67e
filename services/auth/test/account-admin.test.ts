/**
 * What staff do to accounts and how fast it takes effect (SPEC v2, "Accounts and sessions"):
 * disabling, role changes and ending sessions refuse the account's existing tokens within 5 s,
 * through the revocation feed; each change is in the audit log.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN, assertNoSecretsIn, call, login, loginAsAdmin, seenReplies, signUp, startAuth, stopTestDatabase, uniqueEmail, type TestAuth } from './helpers.js'

let auth: TestAuth
let admin: { accessToken: string; id: string }

before(async () => {
  auth = await startAuth({ revocationPollIntervalMs: 200 })
  const pair = await loginAsAdmin(auth.url)
  const me = await call(auth.url, 'GET', '/auth/users/me', { token: pair.accessToken })
  admin = { accessToken: pair.accessToken, id: me.body.id }
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const setStatus = (id: string, disabled: boolean, token = admin.accessToken) =>
  call(auth.url, 'PATCH', `/auth/users/${id}/status`, { token, body: { disabled } })
const me = (token: string) => call(auth.url, 'GET', '/auth/users/me', { token })
const refresh = (refreshToken: string) => call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken } })

/** Polls until `request` answers `status`; returns how long that took. */
async function refusedWithin(request: () => Promise<{ status: number; body: { code?: string } }>, status: number, code: string): Promise<number> {
  const started = performance.now()
  for (;;) {
    const reply = await request()
    if (reply.status === status && reply.body.code === code) return performance.now() - started
    if (performance.now() - started > 5_000) assert.fail(`still ${reply.status} ${reply.body.code} after 5 s`)
    await sleep(25)
  }
}

async function accountWithRole(role: string) {
  const email = uniqueEmail(role.toLowerCase())
  const created = await call(auth.url, 'POST', '/auth/users', { token: admin.accessToken, body: { email, password: 'password-123', roles: [role] } })
  assert.equal(created.status, 201, created.text)
  return { id: created.body.id as string, email, password: 'password-123', ...(await login(auth.url, email, 'password-123')) }
}

describe('PATCH /auth/users/:id/status', () => {
  test('disable: its live access token is refused within 5 s; login and refresh are refused; enable: it works again', async () => {
    const player = await signUp(auth.url)
    const pair = await login(auth.url, player.email, player.password)
    assert.equal((await me(pair.accessToken)).status, 200)

    const disabled = await setStatus(player.id, true)
    assert.equal(disabled.status, 200, disabled.text)
    assert.equal(disabled.body.disabled, true)
    const took = await refusedWithin(() => me(pair.accessToken), 401, 'TOKEN_REVOKED')
    console.log(`# disabled account's token refused by auth after ${took.toFixed(0)} ms`)

    const rightPassword = await call(auth.url, 'POST', '/auth/login', { body: { email: player.email, password: player.password } })
    assert.equal(rightPassword.status, 403)
    assert.equal(rightPassword.body.code, 'ACCOUNT_DISABLED')
    const wrongPassword = await call(auth.url, 'POST', '/auth/login', { body: { email: player.email, password: 'wrong-password' } })
    assert.equal(wrongPassword.status, 401, 'a guesser learns nothing: a wrong password is the usual 401')
    const refused = await refresh(pair.refreshToken)
    assert.equal(refused.status, 403)
    assert.equal(refused.body.code, 'ACCOUNT_DISABLED')

    const enabled = await setStatus(player.id, false)
    assert.equal(enabled.body.disabled, false)
    const again = await login(auth.url, player.email, player.password)
    assert.equal((await me(again.accessToken)).status, 200)
    assert.equal((await refresh(pair.refreshToken)).status, 200, 'the session was suspended, not ended')
    assert.equal((await me(pair.accessToken)).status, 401, 'tokens from before the disable stay dead')
  })

  test('repeating the current status changes nothing and is audited once; self-disable 409; USER 403; unknown 404; bad body 400', async () => {
    const player = await signUp(auth.url)
    assert.equal((await setStatus(player.id, true)).status, 200)
    assert.equal((await setStatus(player.id, true)).status, 200)
    const log = await call(auth.url, 'GET', `/auth/audit?entityId=${player.id}`, { token: admin.accessToken })
    assert.equal(log.body.items.filter((entry: { action: string }) => entry.action === 'user.status').length, 1)
    const self = await setStatus(admin.id, true)
    assert.equal(self.status, 409)
    assert.equal(self.body.code, 'SELF_DISABLE')
    const user = await signUp(auth.url)
    const userToken = (await login(auth.url, user.email, user.password)).accessToken
    assert.equal((await setStatus(player.id, false, userToken)).status, 403)
    assert.equal((await setStatus('682c1aaa6fb6c7f00ae8ae33', true)).status, 404)
    for (const body of [{}, { disabled: 'yes' }, { disabled: true, extra: 1 }]) {
      assert.equal((await call(auth.url, 'PATCH', `/auth/users/${player.id}/status`, { token: admin.accessToken, body })).status, 400)
    }
  })
})

describe('role changes and ended sessions', () => {
  test('a role removed: the token carrying it is refused within 5 s; the next refresh carries the new roles', async () => {
    const auditor = await accountWithRole('AUDITOR')
    assert.equal((await call(auth.url, 'GET', '/auth/audit', { token: auditor.accessToken })).status, 200)
    const changed = await call(auth.url, 'PATCH', `/auth/users/${auditor.id}/roles`, { token: admin.accessToken, body: { roles: ['USER'] } })
    assert.equal(changed.status, 200)
    const took = await refusedWithin(() => call(auth.url, 'GET', '/auth/audit', { token: auditor.accessToken }), 401, 'TOKEN_REVOKED')
    console.log(`# demoted account's token refused by auth after ${took.toFixed(0)} ms`)
    const refreshed = await refresh(auditor.refreshToken)
    assert.equal(refreshed.status, 200, 'the session survives a role change')
    const asUser = await call(auth.url, 'GET', '/auth/audit', { token: refreshed.body.accessToken })
    assert.equal(asUser.status, 403, 'the new token carries the new roles')
  })

  test('DELETE /auth/users/:id/sessions ends every session: refresh tokens die at once, access tokens within 5 s', async () => {
    const player = await signUp(auth.url)
    const [phone, laptop] = [await login(auth.url, player.email, player.password), await login(auth.url, player.email, player.password)]
    const ended = await call(auth.url, 'DELETE', `/auth/users/${player.id}/sessions`, { token: admin.accessToken })
    assert.equal(ended.status, 200, ended.text)
    assert.deepEqual(ended.body, { revoked: 2 })
    for (const pair of [phone, laptop]) assert.equal((await refresh(pair.refreshToken)).status, 401)
    await refusedWithin(() => me(laptop.accessToken), 401, 'TOKEN_REVOKED')
    const fresh = await login(auth.url, player.email, player.password)
    assert.equal((await me(fresh.accessToken)).status, 200, 'the account may log in again')
    const user = await signUp(auth.url)
    const userToken = (await login(auth.url, user.email, user.password)).accessToken
    assert.equal((await call(auth.url, 'DELETE', `/auth/users/${player.id}/sessions`, { token: userToken })).status, 403)
    assert.equal((await call(auth.url, 'DELETE', '/auth/users/682c1aaa6fb6c7f00ae8ae33/sessions', { token: admin.accessToken })).status, 404)
  })

  test('GET /internal/revocations lists the account and its minimum token version', async () => {
    const player = await signUp(auth.url)
    await call(auth.url, 'DELETE', `/auth/users/${player.id}/sessions`, { token: admin.accessToken })
    const feed = await call(auth.adminUrl, 'GET', '/internal/revocations')
    assert.equal(feed.status, 200)
    assert.deepEqual(feed.body.entries.filter((entry: { userId: string }) => entry.userId === player.id), [{ userId: player.id, minVersion: 1 }])
  })

  test("GET /internal/users/:id/tags answers an account's tags as they are now, on the internal listener only", async () => {
    const player = await signUp(auth.url)
    assert.deepEqual((await call(auth.adminUrl, 'GET', `/internal/users/${player.id}/tags`)).body, { userId: player.id, tags: [] })
    const tagged = await call(auth.url, 'PATCH', `/auth/users/${player.id}/tags`, { token: admin.accessToken, body: { tags: ['vip', 'region-kr'] } })
    assert.equal(tagged.status, 200, tagged.text)
    assert.deepEqual((await call(auth.adminUrl, 'GET', `/internal/users/${player.id}/tags`)).body, { userId: player.id, tags: ['region-kr', 'vip'] })
    const unknown = await call(auth.adminUrl, 'GET', '/internal/users/682c1aaa6fb6c7f00ae8ae33/tags')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'USER_NOT_FOUND')
    assert.equal((await call(auth.adminUrl, 'GET', '/internal/users/not-an-id/tags')).status, 400)
    assert.equal((await call(auth.url, 'GET', `/internal/users/${player.id}/tags`)).status, 404, 'not on the public port')
  })
})

describe('GET /auth/audit', () => {
  test('who changed what, when, before and after; filters by account and actor; newest first with a cursor', async () => {
    const target = await signUp(auth.url)
    await call(auth.url, 'PATCH', `/auth/users/${target.id}/roles`, { token: admin.accessToken, body: { roles: ['OPERATOR'] } })
    await setStatus(target.id, true)
    await call(auth.url, 'DELETE', `/auth/users/${target.id}/sessions`, { token: admin.accessToken })
    const auditor = await accountWithRole('AUDITOR')
    const log = await call(auth.url, 'GET', `/auth/audit?entityId=${target.id}`, { token: auditor.accessToken })
    assert.equal(log.status, 200, log.text)
    assert.deepEqual(
      log.body.items.map(({ action, actor, entity, before, after }: Record<string, unknown>) => ({ action, actor, entity, before, after })),
      [
        { action: 'user.sessions', actor: admin.id, entity: { type: 'user', id: target.id }, before: { openSessions: 0 }, after: { openSessions: 0 } },
        { action: 'user.status', actor: admin.id, entity: { type: 'user', id: target.id }, before: { disabled: false }, after: { disabled: true } },
        { action: 'user.roles', actor: admin.id, entity: { type: 'user', id: target.id }, before: { roles: ['USER'] }, after: { roles: ['OPERATOR'] } }
      ]
    )
    assert.ok(log.body.items.every((entry: { at: string }) => !Number.isNaN(Date.parse(entry.at))))
    const firstPage = await call(auth.url, 'GET', `/auth/audit?entityId=${target.id}&limit=2`, { token: auditor.accessToken })
    assert.equal(firstPage.body.items.length, 2)
    const secondPage = await call(auth.url, 'GET', `/auth/audit?entityId=${target.id}&limit=2&cursor=${firstPage.body.nextCursor}`, { token: auditor.accessToken })
    assert.deepEqual(secondPage.body.items.map((entry: { action: string }) => entry.action), ['user.roles'])
    assert.equal(secondPage.body.nextCursor, null)
    const byActor = await call(auth.url, 'GET', `/auth/audit?actor=${admin.id}&limit=100`, { token: admin.accessToken })
    assert.ok(byActor.body.items.length >= 3 && byActor.body.items.every((entry: { actor: string }) => entry.actor === admin.id))
  })

  test('AUDITOR and ADMIN only; bad filters are a 400', async () => {
    const operator = await accountWithRole('OPERATOR')
    assert.equal((await call(auth.url, 'GET', '/auth/audit', { token: operator.accessToken })).status, 403)
    assert.equal((await call(auth.url, 'GET', '/auth/audit')).status, 401)
    for (const query of ['entityId=nope', 'actor=x', 'limit=1000', 'other=1']) {
      assert.equal((await call(auth.url, 'GET', `/auth/audit?${query}`, { token: admin.accessToken })).status, 400, query)
    }
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assert.ok(seenReplies.length > 30)
  assertNoSecretsIn(seenReplies)
  assert.ok(ADMIN.email)
})
