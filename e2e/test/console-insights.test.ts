/**
 * The console's event stats and audit log against the real system (auth, event, gateway as
 * processes; the built console in headless Chromium). Through the API an OPERATOR makes an event
 * with three bundles (one with a stock, one a quest milestone; the event asks for approval, so
 * claims wait as pending), players check in and claim, some claims are approved, one rejected.
 * The stats page must show exactly what `GET /event/:id/stats` says (read from its tables), the
 * audit log (AUDITOR) the operator's changes and auth's, narrowed by its filters and paged with
 * "Load more"; an OPERATOR opening the audit log is told it is not for them. axe on every screen,
 * screenshots in English and Korean.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestTokenIssuer } from '@app/devkit/testkit'
import type { Page } from 'playwright-core'
import { ADMIN, UNTHROTTLED, client, eventually, startE2eSystem, type E2eSystem } from './helpers.js'
import { inPool, login, mintPlayers, type Api, type Player } from './fault-kit.js'
import { noBrowser, openConsoleBrowser, prepareConsole, type ConsoleBrowser, type Lang } from './console-kit.js'
import { auditActions, bundleClaimCounts, bundleStockLeft, claimsPerDay, openAuditLog, openStats, statsParticipants } from './console-insights-steps.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** Event audit entries beyond the festival's own, so the log has more than one page (20). */
const FILLER_EVENTS = 18

const STAFF = {
  operator: { email: 'operator@insights.test', password: 'operator-password', roles: ['OPERATOR'] },
  auditor: { email: 'auditor@insights.test', password: 'auditor-password', roles: ['AUDITOR'] },
  support: { email: 'support@insights.test', password: 'support-password', roles: ['OPERATOR'] }
} as const

let system: E2eSystem
let api: Api
let consoleBrowser: ConsoleBrowser
let gateway = ''
const accountIds: Record<string, string> = {}
let playerAccountId = ''
let operatorToken = ''
let auditorToken = ''
const festival = { eventId: '', box: '', coins: '', badge: '' }
let dailyEventId = ''
let issuer: ReturnType<typeof createTestTokenIssuer>
/** Recurring events in time zones far from UTC: the console's period keys must be the API's. */
const zoned = { weekly: '', monthly: '' }
/** A daily event in Seoul that ended at a local midnight two days ago (its `endedAt` is exclusive). */
const ended = { eventId: '', lastDay: '', firstDay: '' }

const adminToken = async () => (await login(api, ADMIN.email, ADMIN.password)).accessToken
const asOperator = async () => (operatorToken = (await login(api, STAFF.operator.email, STAFF.operator.password)).accessToken)

async function createEvent(token: string, body: Record<string, unknown>): Promise<string> {
  const event = await api('POST', '/event-gateway/event', {
    token,
    body: {
      activate: true,
      requireApproval: false,
      startedAt: new Date(Date.now() - DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 14 * DAY_MS).toISOString(),
      contents: [{ type: 'attendance', count: 1 }],
      ...body
    }
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  return event.body.id as string
}

async function createBundle(token: string, body: Record<string, unknown>): Promise<string> {
  const reward = await api('POST', '/event-gateway/rewards', { token, body })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))
  return reward.body.id as string
}

async function checkIn(player: Player): Promise<void> {
  const reply = await api('POST', '/event-gateway/user-events/check-in', { token: player.token })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
}

async function claim(player: Player, rewardsId: string): Promise<string> {
  const reply = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId } })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.id as string
}

async function decide(id: string, decision: 'approve' | 'reject'): Promise<void> {
  const reply = await api('PATCH', `/event-gateway/user-reward-claims/${id}/${decision}`, {
    token: operatorToken,
    ...(decision === 'reject' ? { body: { reason: 'Second account of one player (ticket OPS-21)' } } : {})
  })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
}

const statsOf = async (eventId: string, query = '') => {
  const reply = await api('GET', `/event-gateway/event/${eventId}/stats${query}`, { token: operatorToken })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body
}

/** Every entry of one log through the API (all pages), newest first. */
async function auditOf(path: '/event-gateway/audit' | '/auth/audit', query = ''): Promise<Array<{ id: string; action: string; actor: string }>> {
  // One login for all the look-ups: argon2 is the slow part of this suite's set-up.
  auditorToken ||= (await login(api, STAFF.auditor.email, STAFF.auditor.password)).accessToken
  const token = auditorToken
  const items = []
  let cursor: string | null = null
  do {
    const reply = await api('GET', `${path}?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    items.push(...reply.body.items)
    cursor = reply.body.nextCursor
  } while (cursor)
  return items
}

const newPage = (lang: Lang) => consoleBrowser.newPage(lang)
const check = (page: Page, screen: string, lang: Lang, shot = true) => consoleBrowser.check(page, screen, lang, shot)
const normalized = (text: string) => text.replace(/\s+/g, ' ').trim()
const auditRows = (page: Page) => page.locator('table.audit-log tbody tr')

describe('operator console: event stats and the audit log', { skip: noBrowser }, () => {
  before(async () => {
    // Before the gateway starts: it serves /console only if a build is there when it starts.
    await prepareConsole()
    issuer = createTestTokenIssuer()
    system = await startE2eSystem({ ...UNTHROTTLED, JWT_PRIVATE_KEY: issuer.privateKey })
    gateway = system.url('gateway')
    api = client(gateway)
    const admin = await adminToken()
    for (const [name, account] of Object.entries(STAFF)) {
      const created = await api('POST', '/auth/users', { token: admin, body: account })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      accountIds[name] = created.body.id
    }
    const signedUp = await api('POST', '/auth/users', { body: { email: 'player@insights.test', password: 'player-password' } })
    assert.equal(signedUp.status, 201, JSON.stringify(signedUp.body))
    playerAccountId = signedUp.body.id
    await asOperator()

    festival.eventId = await createEvent(operatorToken, { name: 'Winter check-in festival', requireApproval: true, description: 'Check in once during the festival' })
    festival.box = await createBundle(operatorToken, { eventId: festival.eventId, name: 'Day 1 box', stock: 5, contents: [{ type: 'item', itemName: 'Snow box', quantity: 1 }] })
    festival.coins = await createBundle(operatorToken, { eventId: festival.eventId, name: 'Snow coins', contents: [{ type: 'currency', currency: 'GOLD', amount: 300 }] })
    festival.badge = await createBundle(operatorToken, {
      eventId: festival.eventId,
      name: 'Quest badge',
      conditions: [{ type: 'quest', questId: 'q-17' }],
      contents: [{ type: 'item', itemName: 'Frost badge', quantity: 1 }]
    })

    // Six players check in (participants); one never does.
    const players = mintPlayers(issuer, 7, 'insights')
    await inPool(players.slice(0, 6), 6, checkIn)
    const quest = await api('POST', '/event-gateway/user-events/process', { token: operatorToken, body: { eventType: 'quest', userId: players[5]!.id, value: 'q-17' } })
    assert.equal(quest.status, 200, JSON.stringify(quest.body))
    const box = [await claim(players[0]!, festival.box), await claim(players[1]!, festival.box), await claim(players[2]!, festival.box), await claim(players[3]!, festival.box)]
    const coins = [await claim(players[0]!, festival.coins), await claim(players[1]!, festival.coins), await claim(players[4]!, festival.coins)]
    await claim(players[5]!, festival.badge)
    await decide(box[0]!, 'approve')
    await decide(box[1]!, 'approve')
    await decide(box[2]!, 'reject')
    await decide(coins[0]!, 'approve')
    // The built-in ledger completes an approved claim at once (no REWARD_DELIVERY_URL here).
    await eventually(
      () => statsOf(festival.eventId),
      (stats) => stats.bundles.reduce((sum: number, bundle: { claims: { completed: number } }) => sum + bundle.claims.completed, 0) === 3,
      15_000
    )

    // An edit, so the log has a before/after; filler events, so it has more than a page.
    const edited = await api('PATCH', `/event-gateway/event/${festival.eventId}`, { token: operatorToken, body: { description: 'Check in once; approval by the live-ops team' } })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    dailyEventId = await createEvent(operatorToken, { name: 'Daily check-in bonus', recurrence: { every: 'day' } })
    await createBundle(operatorToken, { eventId: dailyEventId, name: 'Daily coins', contents: [{ type: 'point', amount: 10 }] })
    zoned.weekly = await createEvent(operatorToken, { name: 'Weekly Kiribati check-in', recurrence: { every: 'week' }, timezone: 'Pacific/Kiritimati' })
    zoned.monthly = await createEvent(operatorToken, { name: 'Monthly LA check-in', recurrence: { every: 'month' }, timezone: 'America/Los_Angeles' })
    const seoulToday = Date.parse(new Date(Date.now() + 9 * 60 * 60 * 1000).toISOString().slice(0, 10))
    const endDay = new Date(seoulToday - 2 * DAY_MS).toISOString().slice(0, 10)
    ended.lastDay = new Date(seoulToday - 3 * DAY_MS).toISOString().slice(0, 10)
    ended.firstDay = new Date(seoulToday - 6 * DAY_MS).toISOString().slice(0, 10)
    ended.eventId = await createEvent(operatorToken, {
      name: 'Ended Seoul check-in',
      recurrence: { every: 'day' },
      timezone: 'Asia/Seoul',
      startedAt: `${ended.firstDay}T00:00:00+09:00`,
      endedAt: `${endDay}T00:00:00+09:00`
    })
    for (let n = 0; n < FILLER_EVENTS; n += 1) await createEvent(operatorToken, { name: `Filler event ${n + 1}`, activate: false })
    await createEvent(admin, { name: 'Admin-made event', activate: false })

    // Account changes: the operator tags a player, the admin changes a staff account's roles.
    const tagged = await api('PATCH', `/auth/users/${playerAccountId}/tags`, { token: operatorToken, body: { tags: ['vip', 'winter-2026'] } })
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body))
    const roles = await api('PATCH', `/auth/users/${accountIds.support}/roles`, { token: admin, body: { roles: ['AUDITOR'] } })
    assert.equal(roles.status, 200, JSON.stringify(roles.body))

    consoleBrowser = await openConsoleBrowser(gateway)
  })

  after(async () => {
    await consoleBrowser?.close()
    await system?.stopAll()
  })

  test('stats: pick an event from the list; its figures are what the API says, bundle by bundle', async () => {
    const page = await newPage('en')
    await consoleBrowser.signIn(page, STAFF.operator)
    await page.getByRole('link', { name: 'Event stats' }).click()
    await page.locator('main h1', { hasText: 'Event stats' }).waitFor()
    await page.locator('tr[data-event-id]').first().waitFor()
    // Staff see every event, inactive ones too; the status filter narrows the list.
    assert.ok((await page.locator('tr[data-event-id]').count()) >= FILLER_EVENTS + 4)
    await page.locator('#stats-status').selectOption('inactive')
    await page.locator(`tr[data-event-id="${festival.eventId}"]`).waitFor({ state: 'detached' })
    assert.match(await page.locator('table.stats-events tbody').innerText(), /Filler event 1/)
    await check(page, 'stats-events', 'en', false)
    await page.locator('#stats-status').selectOption('live')
    await page.getByRole('link', { name: 'Stats of Winter check-in festival' }).click()
    await page.locator('main h1', { hasText: 'Stats: Winter check-in festival' }).waitFor()
    assert.equal(new URL(page.url()).hash, `#/stats/${festival.eventId}`)
    await page.locator('[data-stat="participants"]').waitFor()

    const stats = await statsOf(festival.eventId)
    // Written from what the players did, not from the API: the API is checked too.
    assert.equal(stats.participants, 6)
    assert.equal(await statsParticipants(page), stats.participants)
    const expected = {
      [festival.box]: { pending: 1, processing: 0, completed: 2, rejected: 1, failed: 0 },
      [festival.coins]: { pending: 2, processing: 0, completed: 1, rejected: 0, failed: 0 },
      [festival.badge]: { pending: 1, processing: 0, completed: 0, rejected: 0, failed: 0 }
    }
    for (const bundle of stats.bundles) {
      assert.deepEqual(bundle.claims, expected[bundle.rewardId], `API: ${bundle.rewardId}`)
      assert.deepEqual(await bundleClaimCounts(page, bundle.rewardId), bundle.claims, `page: ${bundle.rewardId}`)
      assert.equal(await bundleStockLeft(page, bundle.rewardId), bundle.stockLeft)
    }
    assert.equal(stats.bundles.length, 3)
    assert.equal(await bundleStockLeft(page, festival.box), 2, 'stock 5 minus the 3 claims not rejected')
    // Stock chart's table: used and left of the one bundle with a stock.
    const stockRow = page.locator(`table.stats-stock tr[data-reward-id="${festival.box}"]`)
    assert.deepEqual(
      await stockRow.locator('td').allTextContents(),
      ['5', '3', '2']
    )
    assert.equal(await page.locator('table.stats-stock tbody tr').count(), 1, 'unlimited bundles have no stock bar')
    assert.deepEqual(await claimsPerDay(page), stats.claimsPerDay)
    assert.equal(stats.claimsPerDay.reduce((sum: number, day: { count: number }) => sum + day.count, 0), 8)
    assert.equal(await page.locator('table.stats-conditions td[data-column="holding"]').first().textContent(), String(stats.conditions[0].holding))
    assert.equal(stats.conditions[0].holding, 6)
    assert.match((await page.locator('[data-stat="p50"]').textContent()) ?? '', /^\d+ ms$|^[\d.]+ s$/)
    assert.match((await page.locator('[data-stat="claims"]').textContent()) ?? '', /^8$/)

    // Every chart is a figure with a caption and a text alternative that carries its figures.
    const bundlesChart = page.locator('figure[aria-labelledby="stats-bundles-title"]').locator('svg[role="img"]')
    assert.match((await bundlesChart.getAttribute('aria-label')) ?? '', /Day 1 box: Completed 2, Processing 0, Pending 1, Failed 0, Rejected 1/)
    assert.equal(await page.locator('figure.chart').count(), 4, 'bundles, stock, days, conditions')
    for (const figure of await page.locator('figure.chart').all()) {
      assert.equal(await figure.locator('figcaption h2').count(), 1)
      assert.equal(await figure.locator('table caption').count(), 1)
    }
    assert.equal(await page.getByText('Day 1 box').first().isVisible(), true)
    assert.equal(await page.locator('#stats-period').count(), 0, 'no period picker for a one-period event')
    await check(page, 'stats', 'en')

    const ko = await newPage('ko')
    await consoleBrowser.signIn(ko, STAFF.auditor)
    await openStats(ko, gateway, festival.eventId)
    for (const bundle of stats.bundles) assert.deepEqual(await bundleClaimCounts(ko, bundle.rewardId), bundle.claims)
    assert.equal(await ko.getByRole('link', { name: '이벤트 편집기에서 열기' }).count(), 0, 'no edit link for a read-only auditor')
    await check(ko, 'stats', 'ko')
  })

  test('stats follow new claims (refresh), and a recurring event offers its periods', async () => {
    const page = await newPage('en')
    await consoleBrowser.signIn(page, STAFF.operator)
    await openStats(page, gateway, dailyEventId)
    const period = page.locator('#stats-period')
    const today = new Date().toISOString().slice(0, 10)
    assert.equal(await period.locator('option').first().textContent(), `Current period (${today})`)
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)
    const keys = await period.locator('option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))
    assert.deepEqual(keys, ['', yesterday], 'the event started yesterday (UTC)')
    assert.equal(await statsParticipants(page), 0)

    // A real account (auth signed its token), checking in today.
    const player = await login(api, 'player@insights.test', 'player-password')
    const daily = await api('POST', '/event-gateway/user-events/check-in', { token: player.accessToken })
    assert.equal(daily.status, 200, JSON.stringify(daily.body))
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.locator('[data-stat="participants"]', { hasText: /^1$/ }).waitFor()
    assert.equal((await statsOf(dailyEventId)).participants, 1)

    const asked = page.waitForRequest((request) => request.url().includes(`/stats?periodKey=${yesterday}`))
    await period.selectOption(yesterday)
    await asked
    await page.locator('[data-stat="participants"]', { hasText: /^0$/ }).waitFor()
    assert.equal((await statsOf(dailyEventId, `?periodKey=${yesterday}`)).participants, 0)
    await check(page, 'stats-recurring', 'en', false)

    // The current period as the API names it for the player who checked in (GET /user-events).
    for (const eventId of [zoned.weekly, zoned.monthly]) {
      const progress = await api('GET', `/event-gateway/user-events?eventId=${eventId}`, { token: player.accessToken })
      assert.equal(progress.status, 200, JSON.stringify(progress.body))
      const { periodKey } = progress.body.items[0]
      assert.match(periodKey, /^\d{4}-(\d{2}-\d{2}|W\d{2}|\d{2})$/)
      await openStats(page, gateway, eventId)
      await page.locator('#stats-period option').first().filter({ hasText: `Current period (${periodKey})` }).waitFor({ state: 'attached' })
      assert.equal(await statsParticipants(page), 1)
    }

    // An ended event: no current period (it lies after the end); the last offered is its last
    // day, not the day its exclusive end falls on, and the page opens there.
    const statsAsked: string[] = []
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes(`/event/${ended.eventId}/stats`)) statsAsked.push(request.url())
    }
    page.on('request', onRequest)
    await openStats(page, gateway, ended.eventId)
    const endedKeys = await period.locator('option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))
    const seoulDays = [0, 1, 2, 3].map((n) => new Date(Date.parse(ended.lastDay) - n * DAY_MS).toISOString().slice(0, 10))
    assert.deepEqual(endedKeys, seoulDays, 'its last day first, back to its first day; no current period')
    assert.equal(seoulDays.at(-1), ended.firstDay)
    assert.equal(await period.inputValue(), ended.lastDay, 'it opens on its last day')
    page.off('request', onRequest)
    assert.ok(statsAsked.length > 0 && statsAsked.every((url) => url.includes(`periodKey=${ended.lastDay}`)), statsAsked.join(' '))

    // Left open, the page asks again by itself (every 10 s): a new participant shows up unasked.
    await openStats(page, gateway, dailyEventId)
    await page.locator('[data-stat="participants"]', { hasText: /^1$/ }).waitFor()
    await checkIn(mintPlayers(issuer, 1, 'late')[0]!)
    await page.locator('[data-stat="participants"]', { hasText: /^2$/ }).waitFor({ timeout: 15_000 })
  })

  test('audit log (AUDITOR): both logs, who/when/what with a readable diff, filters, load more', async () => {
    const page = await newPage('en')
    await consoleBrowser.signIn(page, STAFF.auditor)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.locator('main h1', { hasText: 'Audit log' }).waitFor()
    await auditRows(page).first().waitFor()

    const all = await auditOf('/event-gateway/audit')
    assert.ok(all.length > 20, `more than a page: ${all.length}`)
    assert.equal(await auditRows(page).count(), 20, 'one page')
    await page.getByRole('button', { name: 'Load more' }).click()
    await page.getByText('That is all of them.').waitFor()
    const shown = await auditRows(page).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-audit-id')))
    assert.deepEqual(shown, all.map((entry) => entry.id), 'newest first, each entry once')
    const actions = await auditActions(page)
    for (const action of ['event.create', 'reward.create', 'event.update']) assert.ok(actions.includes(action), action)

    // Who: the operator's email, not an id; what changed: the edited field, old → new.
    const update = page.locator('tr[data-action="event.update"]')
    assert.match(await update.locator('td.audit-who').innerText(), /operator@insights\.test/)
    const description = update.locator('li[data-field="description"]')
    assert.equal(normalized(await description.locator('del').innerText()), 'was "Check in once during the festival"')
    assert.equal(normalized(await description.locator('ins').innerText()), 'now "Check in once; approval by the live-ops team"')
    assert.equal(await update.locator('.diff li').count(), await update.locator('li[data-field]').count())
    assert.equal(await update.locator('li[data-field="name"]').count(), 0, 'unchanged fields are left out')
    const boxCreated = page.locator('tr[data-action="reward.create"]', { hasText: festival.box.slice(-6) })
    assert.match(await boxCreated.locator('.diff-name').innerText(), /^Day 1 box$/)
    // A creation lists what it was made with behind a disclosure (read whole, open or not).
    assert.equal(normalized((await boxCreated.locator('li[data-field="stock"]').textContent()) ?? ''), 'stock: 5')
    await check(page, 'audit', 'en')

    // Filters narrow it: bundles only; one event's entries; one actor's.
    await page.locator('#audit-entity-type').selectOption('reward')
    await page.locator('tr[data-action="event.create"]').first().waitFor({ state: 'detached' })
    const rewards = await auditOf('/event-gateway/audit', '&entityType=reward')
    assert.equal(rewards.length, 4, 'three festival bundles and the daily one')
    assert.deepEqual(await auditActions(page), rewards.map((entry) => entry.action))
    await page.locator('#audit-entity-type').selectOption('')
    // Said once the field is left (not at the first keystroke), tied to it, not shouted.
    await page.locator('#audit-entity-id').fill('not-an-id')
    assert.equal(await page.locator('#audit-entity-id-error').count(), 0, 'no error while typing')
    await page.locator('#audit-entity-id').blur()
    await page.getByText('An id is 24 hexadecimal characters.').waitFor()
    assert.equal(await page.locator('#audit-entity-id').getAttribute('aria-invalid'), 'true')
    assert.equal(await page.locator('#audit-entity-id').getAttribute('aria-describedby'), 'audit-entity-id-error')
    assert.equal(await page.locator('#audit-entity-id-error').getAttribute('role'), null)
    await page.locator('#audit-entity-id').fill(festival.eventId)
    await page.getByText('That is all of them.').waitFor()
    await eventually(() => auditActions(page), (shownActions) => shownActions.length === 2, 5_000)
    assert.deepEqual(await auditActions(page), ['event.update', 'event.create'])
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.locator('#audit-actor').selectOption({ label: ADMIN.email })
    await eventually(() => auditActions(page), (shownActions) => shownActions.length === 1, 5_000)
    assert.match(await auditRows(page).first().innerText(), /Admin-made event/)

    // The accounts log: the operator's tag change and the admin's role change.
    await page.getByRole('radio', { name: 'Accounts' }).check()
    await page.locator('tr[data-action="user.tags"]').waitFor()
    const tags = page.locator('tr[data-action="user.tags"]')
    assert.match(await tags.locator('td.audit-who').innerText(), /operator@insights\.test/)
    assert.match(await tags.locator('li[data-field="tags"] ins').innerText(), /\["vip","winter-2026"\]/)
    const roles = page.locator('tr[data-action="user.roles"]')
    assert.match(await roles.locator('td.audit-who').innerText(), new RegExp(ADMIN.email.replace('.', '\\.')))
    assert.match(await roles.locator('li[data-field="roles"]').innerText(), /\["OPERATOR"\].*→.*\["AUDITOR"\]/s)
    const accountLog = await auditOf('/auth/audit')
    assert.deepEqual(await auditActions(page), accountLog.map((entry) => entry.action))
    await page.locator('#audit-entity-id').fill(playerAccountId)
    await eventually(() => auditActions(page), (shownActions) => shownActions.length === 1, 5_000)
    assert.deepEqual(await auditActions(page), ['user.tags'])
    await check(page, 'audit-accounts', 'en', false)

    const ko = await newPage('ko')
    await consoleBrowser.signIn(ko, ADMIN)
    const koActions = await openAuditLog(ko, gateway)
    assert.equal(koActions.length, 20)
    await check(ko, 'audit', 'ko')
  })

  test('an OPERATOR opening the audit log is told it is for auditors and administrators; nothing is asked of the API', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await newPage(lang)
      await consoleBrowser.signIn(page, STAFF.operator)
      assert.equal(await page.getByRole('link', { name: lang === 'en' ? 'Audit log' : '감사 로그' }).count(), 0, 'not in the menu')
      const auditRequests: string[] = []
      page.on('request', (request) => {
        if (/\/(event-gateway|auth)\/audit/.test(request.url())) auditRequests.push(request.url())
      })
      await page.goto(`${gateway}/console#/audit`)
      await page.locator('main h1', { hasText: lang === 'en' ? 'Audit log' : '감사 로그' }).waitFor()
      const note = await page.locator('.audit-not-for-you').innerText()
      assert.match(note, lang === 'en' ? /The audit log is for auditors and administrators\./ : /감사 로그는 감사자와 관리자용입니다\./)
      assert.equal(await auditRows(page).count(), 0)
      assert.deepEqual(auditRequests, [])
      await check(page, 'audit-operator', lang, false)
    }
  })

  test('axe found no serious or critical violation on any screen; the browser logged no error', () => {
    const { axeFindings, browserErrors } = consoleBrowser
    assert.ok(axeFindings.length >= 6, `screens checked: ${axeFindings.map((finding) => finding.screen).join(', ')}`)
    assert.deepEqual(axeFindings.filter((finding) => finding.violations.length > 0), [])
    assert.deepEqual(browserErrors, [])
  })
})
