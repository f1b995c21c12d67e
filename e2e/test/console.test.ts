/**
 * The operator console as operators use it: headless Chromium against the real system (auth,
 * event, gateway as processes, the built console served by the gateway at /console) with a
 * delivery receiver that refuses one bundle (422). Sign-in, the claims queue's multi-select
 * approve and reject, a failed claim retried, claim detail with its audit trail, the delivery
 * switch, an AUDITOR who sees no edit control, a lost race between two tabs, a player turned
 * away. axe checks every screen (no serious or critical violation); each screen is written in
 * English and Korean to docs/console/ for the README. Access tokens live 30 s here, so every
 * session also lives through the console's refreshes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestTokenIssuer } from '@app/devkit/testkit'
import { ADMIN, UNTHROTTLED, client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import { inPool, login, mintPlayers, type Api, type Player } from './fault-kit.js'
import type { Page } from 'playwright-core'
import { LOCALES, noBrowser, openConsoleBrowser, prepareConsole, startReceiver, type ConsoleBrowser, type Lang, type Receiver } from './console-kit.js'

const DAY_MS = 24 * 60 * 60 * 1000
const ACCESS_TOKEN_TTL_SECONDS = 30
const COMPLETED_CLAIMS = 55

const STAFF = {
  operator: { email: 'operator@console.test', password: 'operator-password', roles: ['OPERATOR'] },
  auditor: { email: 'auditor@console.test', password: 'auditor-password', roles: ['AUDITOR'] },
  player: { email: 'player@console.test', password: 'player-password', roles: ['USER'] },
  demoted: { email: 'demoted@console.test', password: 'demoted-password', roles: ['OPERATOR'] }
} as const

let system: E2eSystem
let receiver: Receiver
let api: Api
let consoleBrowser: ConsoleBrowser

const ids = { approvable: '', rejectable: '', racing: '', failing: '', spare: [] as string[] }
let refusedRewardId = ''
const accountIds: Record<string, string> = {}

const adminToken = async () => (await login(api, ADMIN.email, ADMIN.password)).accessToken

async function claimAs(player: Player, rewardsId: string): Promise<string> {
  const checkIn = await api('POST', '/event-gateway/user-events/check-in', { token: player.token })
  assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body))
  const claim = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId } })
  assert.equal(claim.status, 201, JSON.stringify(claim.body))
  return claim.body.id as string
}

async function createEvent(token: string, name: string, requireApproval: boolean, contents: object[]): Promise<string> {
  const event = await api('POST', '/event-gateway/event', {
    token,
    body: {
      name,
      activate: true,
      requireApproval,
      startedAt: new Date(Date.now() - DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 14 * DAY_MS).toISOString(),
      contents: [{ type: 'attendance', count: 1 }]
    }
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await api('POST', '/event-gateway/rewards', { token, body: { eventId: event.body.id, contents } })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))
  return reward.body.id as string
}

const claimStatus = async (id: string) => (await api('GET', `/event-gateway/user-reward-claims/${id}`, { token: await adminToken() })).body

const newPage = (lang: Lang) => consoleBrowser.newPage(lang)
const signIn = (page: Page, account: { email: string; password: string }) => consoleBrowser.signIn(page, account)
const signOut = (page: Page) => consoleBrowser.signOut(page)
const check = (page: Page, screen: string, lang: Lang, shot = true) => consoleBrowser.check(page, screen, lang, shot)

const row = (page: Page, id: string) => page.locator(`tr[data-claim-id="${id}"]`)
const openClaim = async (page: Page, id: string) => {
  await page.goto(`${system.url('gateway')}/console#/claims/${id}`)
}

describe('operator console', { skip: noBrowser }, () => {
  before(async () => {
    await prepareConsole()
    receiver = await startReceiver()
    const issuer = createTestTokenIssuer()
    system = await startE2eSystem({
      ...UNTHROTTLED,
      JWT_PRIVATE_KEY: issuer.privateKey,
      ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
      REWARD_DELIVERY_URL: receiver.url,
      DELIVERY_BACKOFF_BASE_MS: '100',
      DELIVERY_BACKOFF_MAX_MS: '500',
      SWEEPER_INTERVAL_MS: '300'
    })
    api = client(system.url('gateway'))
    const admin = await adminToken()
    for (const [name, account] of Object.entries(STAFF)) {
      const created = await api('POST', '/auth/users', { token: admin, body: account })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      accountIds[name] = created.body.id
    }
    const operator = (await login(api, STAFF.operator.email, STAFF.operator.password)).accessToken
    const approvalBundle = await createEvent(operator, '7일 출석 이벤트', true, [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }])
    refusedRewardId = await createEvent(operator, 'Winter welcome gift', false, [{ type: 'currency', currency: 'GOLD', amount: 500 }])
    receiver.refusing.add(refusedRewardId)

    const players = mintPlayers(issuer, 7, 'console')
    ids.approvable = await claimAs(players[0]!, approvalBundle)
    ids.rejectable = await claimAs(players[1]!, approvalBundle)
    ids.racing = await claimAs(players[2]!, approvalBundle)
    ids.spare = [await claimAs(players[3]!, approvalBundle), await claimAs(players[4]!, approvalBundle)]
    ids.failing = await claimAs(players[5]!, refusedRewardId)
    // More completed claims than one page of the queue (50), to page through.
    const bonusBundle = await createEvent(operator, 'Daily login bonus', false, [{ type: 'point', amount: 100 }])
    await inPool(mintPlayers(issuer, COMPLETED_CLAIMS, 'bonus'), 8, (player) => claimAs(player, bonusBundle))
    const failed = await eventually(() => claimStatus(ids.failing), (claim) => claim.status === 'failed', 15_000)
    assert.equal(failed.status, 'failed', 'the receiver refused the grant (422)')
    assert.equal(failed.delivery.outcome, 'refused')

    consoleBrowser = await openConsoleBrowser(system.url('gateway'))
  })

  after(async () => {
    await consoleBrowser?.close()
    await system?.stopAll()
    await receiver?.close()
  })

  test('the page is served under a self-only CSP; the sign-in screen in the browser language', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await newPage(lang)
      const response = await page.goto(`${system.url('gateway')}/console`)
      const csp = response?.headers()['content-security-policy'] ?? ''
      assert.match(csp, /script-src 'self'/)
      assert.match(csp, /style-src 'self'(;|$)/)
      await page.locator('input[type="email"]').waitFor()
      assert.equal(await page.locator('html').getAttribute('lang'), lang, 'Korean when the browser prefers it')
      assert.equal(await page.locator('main h1').innerText(), lang === 'en' ? 'Sign in' : '로그인')
      assert.match(await page.locator('footer').innerText(), new RegExp(LOCALES[lang].timezoneId), "dates in the operator's time zone")
      await check(page, 'sign-in', lang)
      await page.context().close()
    }
  })

  test('a wrong password is a plain sentence; the header switch changes the language', async () => {
    const page = await newPage('en')
    await page.goto(`${system.url('gateway')}/console`)
    await page.locator('input[type="email"]').fill(STAFF.operator.email)
    await page.locator('input[type="password"]').fill('not-the-password')
    await page.locator('button[type="submit"]').click()
    await page.getByRole('alert').filter({ hasText: 'The email or password is wrong.' }).waitFor()
    await page.getByRole('button', { name: '한국어' }).click()
    await page.locator('main h1', { hasText: '로그인' }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'ko')
    await page.context().close()
  })

  test('OPERATOR: the queue opens on pending claims; multi-select approve; the claim completes with its audit trail', async () => {
    const ko = await newPage('ko')
    await signIn(ko, STAFF.operator)
    await row(ko, ids.approvable).waitFor()
    await check(ko, 'claims', 'ko')

    const page = await newPage('en')
    await signIn(page, STAFF.operator)
    assert.equal(await page.locator('main h1').innerText(), 'Claims')
    assert.equal(await page.locator('#f-status').inputValue(), 'pending', 'pending first')
    for (const id of [ids.approvable, ids.rejectable, ids.racing, ...ids.spare]) await row(page, id).waitFor()
    assert.equal(await row(page, ids.failing).count(), 0, 'the failed claim is not among the pending ones')
    await check(page, 'claims', 'en')

    await row(page, ids.approvable).getByRole('checkbox').check()
    await page.getByText('1 selected').waitFor()
    await page.getByRole('button', { name: 'Approve selected' }).click()
    await page.getByRole('status').filter({ hasText: '1 of 1 approved.' }).waitFor()
    await row(page, ids.approvable).waitFor({ state: 'detached' })

    await openClaim(page, ids.approvable)
    const status = page.locator('dl.facts dd .badge').first()
    await status.filter({ hasText: 'Completed' }).waitFor({ timeout: 15_000 })
    const trail = page.locator('table.trail tbody tr')
    assert.equal(await trail.count(), 3)
    const cells = async (index: number) => (await trail.nth(index).innerText()).replace(/\s+/g, ' ')
    assert.match(await cells(0), /claimed → Pending/)
    assert.match(await cells(1), /you .*Pending → Processing/)
    assert.match(await cells(2), /delivery system .*Processing → Completed/)
    assert.match(await page.locator('ul.rewards').innerText(), /슈퍼박스 × 2/)
    assert.equal(await page.locator('section', { has: page.locator('#actions-title') }).count(), 0, 'no decision left on a completed claim')
    await check(page, 'claim-detail', 'en')

    await openClaim(ko, ids.approvable)
    await ko.locator('dl.facts dd .badge', { hasText: '완료' }).first().waitFor()
    await check(ko, 'claim-detail', 'ko')
    assert.equal((await claimStatus(ids.approvable)).status, 'completed')
  })

  test('OPERATOR: reject with a reason from the queue', async () => {
    const page = await newPage('en')
    await signIn(page, STAFF.operator)
    await row(page, ids.rejectable).getByRole('checkbox').check()
    await page.getByRole('button', { name: 'Reject selected…' }).click()
    const confirm = page.getByRole('button', { name: 'Reject selected (1)' })
    assert.equal(await confirm.isDisabled(), true, 'a reason is required')
    await page.getByLabel(/Reason for rejecting/).fill('Duplicate account (ticket OPS-7)')
    await confirm.click()
    await page.getByRole('status').filter({ hasText: '1 of 1 rejected.' }).waitFor()
    const claim = await claimStatus(ids.rejectable)
    assert.equal(claim.status, 'rejected')
    assert.equal(claim.reason, 'Duplicate account (ticket OPS-7)')
    await openClaim(page, ids.rejectable)
    await page.locator('table.trail', { hasText: 'Duplicate account (ticket OPS-7)' }).waitFor()
  })

  test('OPERATOR: a failed claim (the receiver answered 422) shows its outcome and is retried from the console', async () => {
    const pages = { en: await newPage('en'), ko: await newPage('ko') }
    for (const lang of ['en', 'ko'] as const) {
      const page = pages[lang]
      await signIn(page, STAFF.operator)
      await page.locator('#f-status').selectOption('failed')
      await row(page, ids.failing).waitFor()
      await check(page, 'failed-claims', lang)
    }
    const page = pages.en
    assert.match(await row(page, ids.failing).innerText(), /refused by the delivery system/)
    assert.match(await row(page, ids.failing).innerText(), /Inventory full/)

    receiver.refusing.delete(refusedRewardId) // the operator fixed the player's inventory
    await openClaim(page, ids.failing)
    await page.locator('dd.outcome', { hasText: 'refused by the delivery system' }).waitFor()
    await page.getByRole('button', { name: 'Retry delivery' }).click()
    await page.getByRole('status').filter({ hasText: 'Sent for delivery again.' }).waitFor()
    await page.locator('dl.facts dd .badge', { hasText: 'Completed' }).first().waitFor({ timeout: 15_000 })
    assert.match((await page.locator('table.trail').innerText()).replace(/\s+/g, ' '), /Failed → Processing/)
    assert.equal((await claimStatus(ids.failing)).status, 'completed')
  })

  test('the queue pages over the API cursor as the list scrolls, each claim once', async () => {
    const token = await adminToken()
    const expected: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `status=completed&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const reply = await api('GET', `/event-gateway/user-reward-claims?${query}`, { token })
      expected.push(...reply.body.items.map((claim: { id: string }) => claim.id))
      cursor = reply.body.nextCursor
    } while (cursor)
    assert.ok(expected.length > 50, `more than a page: ${expected.length}`)

    const page = await newPage('en')
    await signIn(page, STAFF.operator)
    await page.locator('#f-status').selectOption('completed')
    const rows = page.locator('table.claims tbody tr')
    await rows.nth(49).waitFor()
    assert.equal(await rows.count(), 50, 'one page until the end of the list is in view')
    await page.locator('.more').scrollIntoViewIfNeeded()
    await page.getByText('That is all of them.').waitFor()
    const shown = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-claim-id')))
    assert.deepEqual(shown, expected, 'newest first, every claim once')
  })

  test('two tabs approve the same claim: one wins, the other is told in a sentence (409)', async () => {
    const first = await newPage('en')
    const second = await newPage('en')
    await signIn(first, STAFF.operator)
    await signIn(second, STAFF.operator)
    await row(first, ids.racing).getByRole('checkbox').check()
    await row(second, ids.racing).getByRole('checkbox').check()

    await first.getByRole('button', { name: 'Approve selected' }).click()
    await first.getByRole('status').filter({ hasText: '1 of 1 approved.' }).waitFor()
    await second.getByRole('button', { name: 'Approve selected' }).click()
    const alert = second.getByRole('alert').filter({ hasText: '0 of 1 approved.' })
    await alert.waitFor()
    assert.match(await alert.innerText(), /Someone else acted on this claim first: it is (Processing|Completed) now\. Nothing was changed\./)
    await check(second, 'lost-race', 'en', false)
  })

  test('an open breaker (503) and a role refusal (403) are sentences; the 503 names the time to try again', async () => {
    const page = await newPage('en')
    await signIn(page, STAFF.operator)
    await row(page, ids.spare[0]!).waitFor()
    const problem = (status: number, code: string, detail: string, headers: Record<string, string> = {}) => ({
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
      body: JSON.stringify({ type: 'about:blank', title: 'refused', status, code, detail, requestId: 'console-test' })
    })
    // What the gateway answers while the event service's breaker is open (gateway/test/resilience.test.ts).
    const list = /\/event-gateway\/user-reward-claims\?/
    await page.route(list, (route) => route.fulfill(problem(503, 'UPSTREAM_CIRCUIT_OPEN', 'The event service is failing; requests to it are paused', { 'retry-after': '30' })))
    await page.locator('#f-status').selectOption('processing')
    const breaker = page.getByRole('alert')
    await breaker.waitFor()
    assert.match(await breaker.innerText(), /^The event service is failing, so the gateway is holding requests to it\. Try again after \d{2}:\d{2}:\d{2}\.$/)
    await page.unroute(list)

    await page.locator('#f-status').selectOption('pending')
    // The console approves a selection through the bulk route: refused as a whole, each claim says why.
    await page.route(/\/bulk-approve$/, (route) => route.fulfill(problem(403, 'FORBIDDEN', 'Not allowed for your role')))
    await row(page, ids.spare[0]!).getByRole('checkbox').check()
    await page.getByRole('button', { name: 'Approve selected' }).click()
    const refusal = page.getByRole('alert').filter({ hasText: '0 of 1 approved.' })
    await refusal.waitFor()
    assert.match(await refusal.innerText(), /Your role does not allow this\./)
    assert.equal((await claimStatus(ids.spare[0]!)).status, 'pending')
  })

  test('AUDITOR: read-only, no edit control is rendered anywhere', async () => {
    const ko = await newPage('ko')
    await signIn(ko, STAFF.auditor)
    await row(ko, ids.spare[0]!).waitFor()
    assert.match(await ko.locator('header').innerText(), /읽기 전용/)
    assert.equal(await ko.locator('main input[type="checkbox"]').count(), 0)
    await check(ko, 'claims-auditor', 'ko')

    const page = await newPage('en')
    await signIn(page, STAFF.auditor)
    assert.match(await page.locator('header').innerText(), /read-only/)
    await row(page, ids.spare[0]!).waitFor()
    const editControls = () => page.locator('main').locator('input[type="checkbox"], textarea, button:not(.secondary)')
    assert.equal(await page.getByRole('region', { name: 'Actions on selected claims' }).count(), 0)
    assert.equal(await page.locator('main input[type="checkbox"]').count(), 0)
    assert.equal(await page.getByRole('button', { name: /Approve|Reject|Retry|Resolve/ }).count(), 0)
    await check(page, 'claims-auditor', 'en')

    await openClaim(page, ids.spare[0]!)
    await page.locator('table.trail').waitFor()
    assert.equal(await page.getByRole('button', { name: /Approve|Reject|Retry|Resolve/ }).count(), 0)
    assert.equal(await editControls().count(), 0)

    await page.getByRole('link', { name: 'Delivery' }).click()
    await page.locator('main h1', { hasText: 'Delivery' }).waitFor()
    await page.locator('dl.facts').waitFor()
    assert.equal(await page.getByRole('button', { name: /Pause|Resume/ }).count(), 0)
    await check(page, 'auditor-delivery', 'en', false)
  })

  test('ADMIN: delivery status, paused and resumed', async () => {
    for (const lang of ['ko', 'en'] as const) {
      const page = await newPage(lang)
      await signIn(page, ADMIN)
      await page.goto(`${system.url('gateway')}/console#/delivery`)
      await page.locator('dl.facts').waitFor()
      if (lang === 'ko') {
        await check(page, 'delivery', 'ko')
        continue
      }
      const facts = await page.locator('dl.facts').innerText()
      assert.match(facts, /Running/)
      assert.match(facts, /the delivery system \(REWARD_DELIVERY_URL\)/)
      assert.match(facts, /0 claims processing/)
      await page.getByRole('button', { name: 'Pause delivery' }).click()
      await page.getByRole('status').filter({ hasText: 'Delivery is paused.' }).waitFor()
      assert.match(await page.locator('dl.facts').innerText(), /Paused since .* by you/)
      const status = await api('GET', '/event-gateway/delivery', { token: await adminToken() })
      assert.equal(status.body.paused, true)
      await check(page, 'delivery', 'en')
      await page.getByRole('button', { name: 'Resume delivery' }).click()
      await page.getByRole('status').filter({ hasText: 'Delivery has resumed.' }).waitFor()
      assert.equal((await api('GET', '/event-gateway/delivery', { token: await adminToken() })).body.paused, false)
      await signOut(page)
    }
  })

  test('a player signing in is told the console is for staff', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await newPage(lang)
      await signIn(page, STAFF.player)
      await page.locator('main h1', { hasText: lang === 'en' ? 'This console is for staff' : '이 콘솔은 운영진 전용입니다' }).waitFor()
      assert.equal(await page.locator('nav').count(), 0, 'no navigation for a player')
      await check(page, 'staff-only', lang)
    }
  })

  test("a role change reaches an open console: the revoked token is refreshed once, with the new roles", async () => {
    const page = await newPage('en')
    await signIn(page, STAFF.demoted)
    await row(page, ids.spare[1]!).getByRole('checkbox').waitFor()
    // Right after a scheduled refresh, so the next one (half a 30 s lifetime away) cannot come first.
    await page.waitForResponse((response) => response.url().endsWith('/auth/refresh'), { timeout: ACCESS_TOKEN_TTL_SECONDS * 1000 })
    const refreshes: number[] = []
    page.on('response', (response) => {
      if (response.url().endsWith('/auth/refresh')) refreshes.push(response.status())
    })
    const changed = await api('PATCH', `/auth/users/${accountIds.demoted}/roles`, { token: await adminToken(), body: { roles: ['AUDITOR'] } })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    // The old token is refused everywhere within a revocation poll (1 s); the next request meets it.
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_500))
    const refused = page.waitForResponse((response) => response.url().includes('/user-reward-claims?') && response.status() === 401)
    await page.locator('#f-status').selectOption('rejected')
    await refused
    await page.locator('header', { hasText: 'auditor (read-only)' }).waitFor()
    await row(page, ids.rejectable).waitFor()
    assert.equal(await page.locator('main input[type="checkbox"]').count(), 0, 'now read-only')
    assert.ok(refreshes.includes(200), 'refreshed instead of signing out')
  })

  test('keyboard: a new screen puts the focus on its heading; the skip link moves it to the content', async () => {
    const page = await newPage('en')
    await signIn(page, STAFF.operator)
    // Strings, not functions: this workspace compiles without the DOM's types.
    const focused = async () => String(await page.evaluate("(e => e ? e.tagName.toLowerCase() + ':' + e.textContent : '')(document.activeElement)"))
    assert.equal(await focused(), 'h1:Claims')
    await openClaim(page, ids.approvable)
    await page.locator('table.trail').waitFor()
    assert.match(await focused(), /^h1:Claim …/)
    await page.evaluate('document.activeElement && document.activeElement.blur()')
    await page.keyboard.press('Tab')
    assert.equal(await focused(), 'a:Skip to content')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'main')
    assert.equal(new URL(page.url()).hash, `#/claims/${ids.approvable}`, 'still on the claim')
  })

  test('sessions were refreshed before expiry and signing out ends the session at auth', async () => {
    const page = await newPage('en')
    const refreshes: number[] = []
    page.on('response', (response) => {
      if (response.url().endsWith('/auth/refresh')) refreshes.push(response.status())
    })
    await signIn(page, STAFF.operator)
    await page.waitForResponse((response) => response.url().endsWith('/auth/refresh'), { timeout: ACCESS_TOKEN_TTL_SECONDS * 1000 })
    // A new token is in use: the queue still loads after the first access token's half-life.
    await page.locator('#f-status').selectOption('rejected')
    await row(page, ids.rejectable).waitFor()
    assert.deepEqual(refreshes, [200])
    const logout = page.waitForResponse((response) => response.url().endsWith('/auth/logout'))
    await signOut(page)
    assert.equal((await logout).status(), 200)
  })

  test('axe found no serious or critical violation on any screen; the browser logged no error', () => {
    const { axeFindings, browserErrors } = consoleBrowser
    assert.ok(axeFindings.length >= 12, `screens checked: ${axeFindings.map((finding) => finding.screen).join(', ')}`)
    assert.deepEqual(axeFindings.filter((finding) => finding.violations.length > 0), [])
    // The refusals the tests provoke (the wrong password 401, the 403 and 503, the lost race 409) the
    // browser reports on its own; anything else would be ours (a CSP refusal, a crash, a failed asset).
    const provoked = /Failed to load resource: the server responded with a status of (401|403|409|503) /
    assert.deepEqual(browserErrors.filter((text) => !provoked.test(text)), [])
  })
})
