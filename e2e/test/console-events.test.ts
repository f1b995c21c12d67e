/**
 * The console's events list and event editor against the real system (headless Chromium): an
 * OPERATOR builds a 7-day attendance event with day 1 / 3 / 7 bundles through the form and the
 * API returns exactly what the form said; the preview's sentences in English and Korean; the
 * API's 400 lands on the input that failed (a condition that cannot fit one week, a milestone on
 * a bundle after its event was created, a stock below the claims); a locked field after activity;
 * two pages editing one event: the stale one is offered a reload; the list's status filter,
 * search and "load more"; an AUDITOR reads without any edit control. axe on every screen;
 * screenshots in both languages to docs/console/.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { ADMIN, UNTHROTTLED, client, startE2eSystem, type E2eSystem } from './helpers.js'
import { createPlayers, login, type Api } from './fault-kit.js'
import { noBrowser, openConsoleBrowser, prepareConsole, type ConsoleBrowser, type Lang } from './console-kit.js'
import {
  bundleAt,
  byPath,
  createAttendanceEventThroughForm,
  eventScope,
  fillAttendanceEventForm,
  openEvent,
  openNewEvent,
  previewSentences,
  submitNewEvent
} from './console-events-steps.js'

const DAY_MS = 24 * 60 * 60 * 1000
const STAFF = {
  operator: { email: 'operator@events.test', password: 'operator-password', roles: ['OPERATOR'] },
  second: { email: 'second-operator@events.test', password: 'second-password', roles: ['OPERATOR'] },
  auditor: { email: 'auditor@events.test', password: 'auditor-password', roles: ['AUDITOR'] }
} as const
/** Past events beyond one page of the list (20), to page through with "Load more". */
const ENDED_EXTRA = 20

const SEVEN_DAYS = {
  name: '7-day attendance',
  days: 7,
  bundles: [
    { day: 1, itemName: 'Potion', quantity: 1 },
    { day: 3, itemName: 'Super box', quantity: 2 },
    { day: 7, itemName: 'Legendary sword', quantity: 1, stock: 500 }
  ]
}

let system: E2eSystem
let api: Api
let consoleBrowser: ConsoleBrowser
let gatewayUrl: string
let operatorToken: string
let sevenDays: { eventId: string; rewardIds: string[] }

const check = (page: Page, screen: string, lang: Lang, shot = true) => consoleBrowser.check(page, screen, lang, shot)
async function signedIn(lang: Lang, account: { email: string; password: string }): Promise<Page> {
  const page = await consoleBrowser.newPage(lang)
  await consoleBrowser.signIn(page, account)
  return page
}

async function createEventByApi(name: string, from: number, to: number, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await api('POST', '/event-gateway/event', {
    token: operatorToken,
    body: { name, startedAt: new Date(Date.now() + from).toISOString(), endedAt: new Date(Date.now() + to).toISOString(), contents: [{ type: 'attendance', count: 1 }], ...extra }
  })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.id as string
}

const getEvent = async (id: string) => (await api('GET', `/event-gateway/event/${id}`, { token: operatorToken })).body
const getBundles = async (eventId: string) =>
  ((await api('GET', `/event-gateway/rewards?eventId=${eventId}&limit=100`, { token: operatorToken })).body.items as Array<Record<string, unknown>>).reverse()

/** The error shown for an input: it is marked invalid and described by the message element. */
async function errorOf(page: Page, scope: ReturnType<typeof eventScope>, path: string): Promise<string> {
  const input = byPath(scope, path)
  await input.and(page.locator('[aria-invalid="true"]')).waitFor()
  const describedBy = (await input.getAttribute('aria-describedby')) ?? ''
  const ids = describedBy.split(' ').filter(Boolean)
  assert.ok(ids.length > 0, `${path} has aria-describedby`)
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()))
  return texts.join(' | ')
}

describe('console: events list and event editor', { skip: noBrowser }, () => {
  before(async () => {
    await prepareConsole()
    system = await startE2eSystem({ ...UNTHROTTLED })
    gatewayUrl = system.url('gateway')
    api = client(gatewayUrl)
    const admin = (await login(api, ADMIN.email, ADMIN.password)).accessToken
    for (const account of Object.values(STAFF)) {
      const created = await api('POST', '/auth/users', { token: admin, body: account })
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }
    operatorToken = (await login(api, STAFF.operator.email, STAFF.operator.password)).accessToken
    for (let n = 1; n <= ENDED_EXTRA; n += 1) await createEventByApi(`Daily bonus, week ${n}`, -60 * DAY_MS, -30 * DAY_MS)
    await createEventByApi('Autumn finale', -20 * DAY_MS, -10 * DAY_MS, { requireApproval: true })
    await createEventByApi('Winter preview', 10 * DAY_MS, 20 * DAY_MS, { recurrence: { every: 'week' }, timezone: 'Asia/Seoul' })
    await createEventByApi('Draft: spring (off)', DAY_MS, 5 * DAY_MS, { activate: false })
    await createEventByApi('Spring festival', -DAY_MS, 10 * DAY_MS, { exclusiveRewards: true })
    consoleBrowser = await openConsoleBrowser(gatewayUrl)
  })

  after(async () => {
    await consoleBrowser?.close()
    await system?.stopAll()
  })

  test('OPERATOR: a 7-day attendance event with day 1 / 3 / 7 bundles through the form; the preview says what it will do', async () => {
    const page = await signedIn('en', STAFF.operator)
    await fillAttendanceEventForm(page, gatewayUrl, SEVEN_DAYS)
    const before = await previewSentences(page)
    assert.deepEqual(before.bundles, [
      'Day 1 bundle: claimable after 1 check-in day, once per player',
      'Day 3 bundle: claimable after 3 check-in days, once per player',
      'Day 7 bundle: claimable after 7 check-in days, once per player; 500 in stock'
    ])
    assert.ok(before.event.includes('Every bundle needs 1 check-in day.'), before.event.join('\n'))
    assert.ok(before.event.includes('Open to every player.'))
    assert.ok(before.event.includes('Claims go to delivery at once, without approval.'))
    assert.ok(before.event.some((sentence) => sentence.startsWith('Runs from ') && sentence.endsWith('; days count in Europe/Berlin.')), before.event.join('\n'))
    // The requests a save sends, shown before it does.
    await page.locator('[data-preview="requests"] summary').click()
    const requests = await page.locator('[data-preview="requests"] pre').allInnerTexts()
    assert.equal(requests.length, 4, 'POST /event and three POST /rewards')
    const eventRequest = JSON.parse(requests[0]!)
    assert.deepEqual(eventRequest.contents, [{ type: 'attendance', count: 1 }])
    assert.deepEqual(JSON.parse(requests[3]!).conditions, [{ type: 'attendance', count: 7 }])
    await check(page, 'event-new', 'en')

    sevenDays = await submitNewEvent(page, SEVEN_DAYS.bundles.length)
    assert.equal(sevenDays.rewardIds.length, 3)
    await page.getByRole('status').filter({ hasText: 'Event created with 3 bundles.' }).waitFor()

    // The API holds exactly what the form (and its request preview) said.
    const event = await getEvent(sevenDays.eventId)
    assert.equal(event.name, SEVEN_DAYS.name)
    assert.equal(event.startedAt, new Date(eventRequest.startedAt).toISOString())
    assert.equal(Date.parse(event.endedAt) - Date.parse(event.startedAt), 7 * DAY_MS)
    assert.ok(Date.parse(event.startedAt) <= Date.now(), 'live at once: check-ins count from now')
    assert.deepEqual(
      { activate: event.activate, requireApproval: event.requireApproval, exclusiveRewards: event.exclusiveRewards, timezone: event.timezone, recurrence: event.recurrence, audience: event.audience, contents: event.contents },
      { activate: true, requireApproval: false, exclusiveRewards: false, timezone: 'Europe/Berlin', recurrence: null, audience: null, contents: [{ type: 'attendance', count: 1 }] }
    )
    const bundles = await getBundles(sevenDays.eventId)
    assert.deepEqual(bundles.map((bundle) => bundle.id), sevenDays.rewardIds, 'ids in bundle order')
    assert.deepEqual(
      bundles.map(({ name, contents, conditions, stock, stockLeft, active, randomContents }) => ({ name, contents, conditions, stock, stockLeft, active, randomContents })),
      SEVEN_DAYS.bundles.map((bundle) => ({
        name: `Day ${bundle.day}`,
        contents: [{ type: 'item', itemName: bundle.itemName, quantity: bundle.quantity }],
        conditions: [{ type: 'attendance', count: bundle.day }],
        stock: bundle.stock ?? null,
        stockLeft: bundle.stock ?? null,
        active: true,
        randomContents: null
      }))
    )

    // Saved: the stock is what is left now; nothing to send until something changes.
    const saved = await previewSentences(page)
    assert.equal(saved.bundles[2], 'Day 7 bundle: claimable after 7 check-in days, once per player; 500 left')
    await page.locator('[data-preview="requests"] summary').click()
    await page.locator('[data-preview="requests"]', { hasText: 'Nothing to send: no changes.' }).waitFor()
    await check(page, 'event-editor', 'en')
    await page.context().close()

    const ko = await signedIn('ko', STAFF.operator)
    await openEvent(ko, gatewayUrl, sevenDays.eventId)
    await bundleAt(ko, 2).waitFor()
    const korean = await previewSentences(ko)
    assert.deepEqual(korean.bundles, [
      'Day 1 묶음: 출석 1일 달성 후 받을 수 있음, 플레이어당 1회',
      'Day 3 묶음: 출석 3일 달성 후 받을 수 있음, 플레이어당 1회',
      'Day 7 묶음: 출석 7일 달성 후 받을 수 있음, 플레이어당 1회; 500개 남음'
    ])
    assert.ok(korean.event.includes('모든 묶음의 기본 조건: 출석 1일.'), korean.event.join('\n'))
    assert.ok(korean.event.includes('보상 요청은 승인 없이 바로 지급됩니다.'))
    await check(ko, 'event-editor', 'ko')
    // The new-event form in Korean, with a weekly recurrence, an audience, approval, a group and a random table.
    await openNewEvent(ko, gatewayUrl)
    const event2 = eventScope(ko)
    await byPath(event2, 'body.name').fill('주간 미션')
    await byPath(event2, 'body.recurrence').selectOption('week')
    await byPath(event2, 'body.requireApproval').check()
    await byPath(event2, 'body.exclusiveRewards').check()
    await byPath(event2, 'body.audience.anyTags').fill('vip, whale')
    await byPath(event2, 'body.audience.noneTags').fill('banned')
    await byPath(event2, 'body.contents.0.count').fill('3')
    await event2.locator('[data-action="add-group"]').click()
    await byPath(event2, 'body.contents.1.of.0.questId').fill('q-1')
    // A row removed leaves focus on its list's add button, not lost to the page.
    await event2.locator('[data-action="add-condition"]').click()
    await event2.locator('fieldset.conditions > .condition-list > li').nth(2).locator('button.remove').click()
    await event2.locator('[data-action="add-condition"]:focus').waitFor({ timeout: 2_000 })
    assert.equal(await event2.locator('fieldset.conditions > .condition-list > li').count(), 2)
    const bundle = bundleAt(ko, 0)
    await byPath(bundle, 'body.name').fill('주간 보상')
    await byPath(bundle, 'body.contents.0.itemName').fill('슈퍼박스')
    await bundle.locator('[data-action="random-table"]').check()
    const shares = await bundle.locator('.share output').allInnerTexts()
    assert.deepEqual(shares, ['70%', '30%'], 'each weight as a share of the total')
    await byPath(bundle, 'body.randomContents.table.1.weight').fill('10')
    assert.deepEqual(await bundle.locator('.share output').allInnerTexts(), ['87.5%', '12.5%'])
    const weekly = await previewSentences(ko)
    assert.deepEqual(weekly.bundles, ['주간 보상 묶음: 이벤트 조건을 달성하면 받을 수 있음, 플레이어당 주에 이 이벤트의 묶음 하나'])
    assert.ok(weekly.event.includes('모든 묶음의 기본 조건: 출석 3일 및 다음 중 하나: 퀘스트 q-1 완료 또는 1,000 결제.'), weekly.event.join('\n'))
    assert.ok(weekly.event.some((sentence) => /^대상 플레이어: 태그 vip, whale 중 하나 이상 보유 및 태그 banned 미보유\. /.test(sentence)), weekly.event.join('\n'))
    assert.ok(weekly.event.includes('모든 보상 요청은 운영자 승인 후 지급됩니다.'))
    await check(ko, 'event-new', 'ko')
    await ko.context().close()
  })

  test('the API refusing a value (400) marks the input that failed; nothing typed is lost', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await signedIn(lang, STAFF.operator)
      const name = `Weekly streak (${lang})`
      await fillAttendanceEventForm(page, gatewayUrl, { name, days: 28, bundles: [{ day: 2, itemName: 'Coin pouch', quantity: 3 }] })
      const event = eventScope(page)
      await byPath(event, 'body.recurrence').selectOption('week')
      // 8 check-in days cannot fit one week: the form lets it through, the API refuses it.
      await byPath(event, 'body.contents.0.count').fill('8')
      const refused = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/event-gateway/event')
      await page.locator('form.editor-form button[type="submit"]').click()
      const reply = await refused
      assert.equal(reply.status(), 400)
      assert.equal(((await reply.json()) as { errors: Array<{ field: string }> }).errors[0]!.field, 'body.contents.0')
      const message = await errorOf(page, event, 'body.contents.0.count')
      assert.match(message, lang === 'en' ? /Needs 8 days, but a week has only 7/ : /8일이 필요하지만 한 주는 최대 7일/)
      assert.equal(await page.evaluate('document.activeElement && document.activeElement.getAttribute("data-path")'), 'body.contents.0.count', 'the focus is on it')
      assert.equal(await byPath(event, 'body.name').inputValue(), name, 'the rest of the form is as typed')
      assert.equal(await byPath(bundleAt(page, 0), 'body.contents.0.itemName').inputValue(), 'Coin pouch')
      assert.equal(new URL(page.url()).hash, '#/events/new')
      await check(page, 'event-field-error', lang)

      // The event goes through; its bundle's milestone (8 days) does not: the editor moves to the
      // created event and keeps the refused bundle, marked, with the error at its condition.
      await byPath(event, 'body.contents.0.count').fill('1')
      await byPath(bundleAt(page, 0), 'body.conditions.0.count').fill('8')
      const created = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/event-gateway/event')
      const bundleRefused = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/event-gateway/rewards')
      await page.locator('form.editor-form button[type="submit"]').click()
      const eventId = ((await (await created).json()) as { id: string }).id
      assert.equal((await bundleRefused).status(), 400)
      await page.waitForURL((url) => url.hash === `#/events/${eventId}`)
      const kept = bundleAt(page, 0)
      assert.equal(await kept.getAttribute('data-bundle-id'), '', 'not saved')
      assert.match(await errorOf(page, kept, 'body.conditions.0.count'), lang === 'en' ? /Needs 8 days/ : /8일이 필요하지만/)
      assert.equal(await byPath(kept, 'body.contents.0.itemName').inputValue(), 'Coin pouch')
      assert.deepEqual(await getBundles(eventId), [])
      // Fixed, it is added to the event (POST /rewards), and the editor shows it saved.
      await byPath(kept, 'body.conditions.0.count').fill('2')
      const added = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/event-gateway/rewards')
      await page.locator('form.editor-form button[type="submit"]').click()
      const addedReply = await added
      assert.equal(addedReply.status(), 201)
      const addedId = ((await addedReply.json()) as { id: string }).id
      await page.locator(`fieldset[data-bundle-id="${addedId}"]`).waitFor()
      assert.deepEqual((await getBundles(eventId)).map((bundle) => bundle.conditions), [[{ type: 'attendance', count: 2 }]])
      await page.context().close()
    }
  })

  test('edits send only what changed with the version; a stock below the claims and a locked field are said at the field', async () => {
    // Two players check in and claim the day-1 bundle: it holds 2 units now, and the event has activity.
    const players = await createPlayers(api, 2, 'events-console')
    for (const player of players) {
      assert.equal((await api('POST', '/event-gateway/user-events/check-in', { token: player.token })).status, 200)
      const claim = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { rewardsId: sevenDays.rewardIds[0] } })
      assert.equal(claim.status, 201, JSON.stringify(claim.body))
    }
    const page = await signedIn('en', STAFF.operator)
    await openEvent(page, gatewayUrl, sevenDays.eventId)
    const dayOne = bundleAt(page, 0)
    const patches: Array<{ path: string; body: unknown }> = []
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push({ path: new URL(request.url()).pathname, body: request.postDataJSON() })
    })
    await byPath(dayOne, 'body.stock').fill('1')
    const refused = page.waitForResponse((response) => response.request().method() === 'PATCH')
    await page.locator('form.editor-form button[type="submit"]').click()
    assert.equal((await refused).status(), 400)
    assert.match(await errorOf(page, dayOne, 'body.stock'), /Must be at least 2: that many claims \(not rejected\) hold a unit/)
    assert.deepEqual(patches, [{ path: `/event-gateway/rewards/${sevenDays.rewardIds[0]}`, body: { stock: 1, version: 1 } }], 'only the stock, with the version')

    // A stock the claims fit is taken; the preview says what is left.
    await byPath(dayOne, 'body.stock').fill('100')
    const accepted = page.waitForResponse((response) => response.request().method() === 'PATCH')
    await page.locator('form.editor-form button[type="submit"]').click()
    assert.equal((await accepted).status(), 200)
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
    assert.equal((await previewSentences(page)).bundles[0], 'Day 1 bundle: claimable after 1 check-in day, once per player; 98 left')

    // A saved name cannot be cleared (the API cannot remove one): the field is required, so the
    // browser stops the save at it, rather than the screen saying "Saved." for a dropped edit.
    const bundleName = byPath(dayOne, 'body.name')
    const nameBefore = await bundleName.inputValue()
    await bundleName.fill('')
    const patchesBefore = patches.length
    await page.locator('form.editor-form button[type="submit"]').click()
    assert.equal(await dayOne.locator('[data-path="body.name"]:invalid').count(), 1, 'the empty name is invalid')
    assert.equal(patches.length, patchesBefore, 'nothing sent')
    await bundleName.fill(nameBefore)

    // The event has progress and claims: its recurrence and the bundle's milestone are fixed now.
    await byPath(eventScope(page), 'body.recurrence').selectOption('week')
    const locked = page.waitForResponse((response) => response.request().method() === 'PATCH')
    await page.locator('form.editor-form button[type="submit"]').click()
    const lockedReply = await locked
    assert.equal(lockedReply.status(), 409)
    assert.equal(((await lockedReply.json()) as { code: string }).code, 'EVENT_HAS_ACTIVITY')
    await page.getByRole('alert').filter({ hasText: 'the event already has progress or claims, so these cannot change any more: Repeats.' }).waitFor()
    assert.match(await errorOf(page, eventScope(page), 'body.recurrence'), /Fixed: the event has progress or claims/)
    await byPath(eventScope(page), 'body.recurrence').selectOption('')
    await byPath(dayOne, 'body.conditions.0.count').fill('2')
    const bundleLocked = page.waitForResponse((response) => response.request().method() === 'PATCH')
    await page.locator('form.editor-form button[type="submit"]').click()
    assert.equal((await bundleLocked).status(), 409)
    await dayOne.getByRole('alert').filter({ hasText: 'the bundle already has claims, so these cannot change any more: Milestone' }).waitFor()
    assert.equal((await getBundles(sevenDays.eventId))[0]!.stock, 100)
    assert.deepEqual((await getEvent(sevenDays.eventId)).recurrence, null)
    await page.context().close()
  })

  test('two pages edit the same event: the stale save is offered a reload, which shows the other edit and keeps nothing stale', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const first = await signedIn(lang === 'en' ? 'ko' : 'en', STAFF.second)
      const stale = await signedIn(lang, STAFF.operator)
      await openEvent(first, gatewayUrl, sevenDays.eventId)
      await openEvent(stale, gatewayUrl, sevenDays.eventId)
      const nameBefore = (await getEvent(sevenDays.eventId)).name as string
      const description = `Check in every day (${lang})`
      await byPath(eventScope(first), 'body.description').fill(description)
      const saved = first.waitForResponse((response) => response.request().method() === 'PATCH')
      await first.locator('form.editor-form button[type="submit"]').click()
      assert.equal((await saved).status(), 200)

      await byPath(eventScope(stale), 'body.name').fill('A stale rename')
      const conflict = stale.waitForResponse((response) => response.request().method() === 'PATCH')
      await stale.locator('form.editor-form button[type="submit"]').click()
      const conflictReply = await conflict
      assert.equal(conflictReply.status(), 409)
      assert.equal(((await conflictReply.json()) as { code: string }).code, 'VERSION_CONFLICT')
      const offer = stale.locator('.conflict[role="alert"]')
      await offer.waitFor()
      assert.match(await offer.innerText(), lang === 'en' ? /Someone saved this event/ : /다른 사람이 이벤트나 묶음을 저장했습니다/)
      assert.equal(await stale.locator('form.editor-form button[type="submit"]').isDisabled(), true, 'no save over the other edit')
      await check(stale, 'event-conflict', lang)

      const reloaded = stale.waitForResponse((response) => new URL(response.url()).pathname === `/event-gateway/event/${sevenDays.eventId}`)
      await offer.getByRole('button').click()
      assert.equal((await reloaded).status(), 200)
      await stale.locator('.conflict').waitFor({ state: 'detached' })
      assert.equal(await byPath(eventScope(stale), 'body.description').inputValue(), description, "the other page's edit")
      assert.equal(await byPath(eventScope(stale), 'body.name').inputValue(), nameBefore, 'the stale rename is gone')
      // Edited again on the new version, it saves.
      await byPath(eventScope(stale), 'body.name').fill(`${SEVEN_DAYS.name} (${lang})`)
      const again = stale.waitForResponse((response) => response.request().method() === 'PATCH')
      await stale.locator('form.editor-form button[type="submit"]').click()
      assert.equal((await again).status(), 200)
      const event = await getEvent(sevenDays.eventId)
      assert.deepEqual({ name: event.name, description: event.description }, { name: `${SEVEN_DAYS.name} (${lang})`, description })
      await first.context().close()
      await stale.context().close()
    }
  })

  test('the editor starts from the server, not from the copy another screen read earlier: its first save is taken', async () => {
    const page = await signedIn('en', STAFF.operator)
    // The stats page reads the event and its bundles into the console's cache.
    await page.goto(`${gatewayUrl}/console#/stats/${sevenDays.eventId}`)
    await page.locator('[data-stat="participants"]').waitFor()
    // Meanwhile it is edited elsewhere.
    const before = await getEvent(sevenDays.eventId)
    const elsewhere = await api('PATCH', `/event-gateway/event/${sevenDays.eventId}`, {
      token: operatorToken,
      body: { description: 'Edited elsewhere', version: before.version }
    })
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body))
    // The same page (the same cache): the editor reads both again before the form starts.
    await page.evaluate(`location.hash = '#/events/${sevenDays.eventId}'`)
    const description = byPath(eventScope(page), 'body.description')
    await description.waitFor()
    assert.equal(await description.inputValue(), 'Edited elsewhere', 'not the copy the stats page read')
    await description.fill('Edited in the console')
    const saved = page.waitForResponse((response) => response.request().method() === 'PATCH')
    await page.locator('form.editor-form button[type="submit"]').click()
    assert.equal((await saved).status(), 200, 'no version conflict for nothing')
    assert.equal((await getEvent(sevenDays.eventId)).description, 'Edited in the console')
    await page.context().close()
  })

  test('the list: by status, by name, page by page; each row links to its editor and its stats', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await signedIn(lang, STAFF.operator)
      await page.goto(`${gatewayUrl}/console#/events`)
      const names = () => page.locator('table.event-list tbody th[scope="row"] a').allInnerTexts()
      await page.locator('table.event-list tbody tr').first().waitFor()
      assert.equal((await names()).length, 20, 'a page of 20')
      await check(page, 'events', lang)
      const radio = (status: string) => page.locator(`input[name="event-status"][value="${status}"]`)
      // Polled from here: the page's CSP refuses the string evaluation waitForFunction would need.
      const settle = async (expected: string[]) => {
        const deadline = Date.now() + 10_000
        let shown: string[] = []
        while (Date.now() < deadline) {
          shown = await names()
          if (JSON.stringify(shown) === JSON.stringify(expected)) return
          await page.waitForTimeout(100)
        }
        assert.deepEqual(shown, expected)
      }
      await radio('upcoming').check()
      await settle(['Winter preview'])
      await radio('inactive').check()
      await settle(['Draft: spring (off)'])
      await radio('live').check()
      await page.locator('#events-q').fill('ATTEND')
      await settle([`${SEVEN_DAYS.name} (ko)`])
      await radio('').check()
      await page.locator('#events-q').fill('autumn')
      await settle(['Autumn finale'])
      await page.locator('#events-q').fill('no such event')
      await page.locator('p.empty').waitFor()
      await page.locator('#events-q').fill('')
      await radio('ended').check()
      await page.locator('table.event-list tbody tr').nth(ENDED_EXTRA - 1).waitFor()
      assert.equal((await names()).length, 20)
      await page.locator('.more button').click()
      await page.locator('table.event-list tbody tr').nth(ENDED_EXTRA).waitFor()
      const ended = await names()
      assert.equal(ended.length, ENDED_EXTRA + 1)
      assert.equal(new Set(ended).size, ended.length, 'each event once')
      assert.ok(ended.includes('Autumn finale'))
      await page.locator('.more .hint').waitFor()

      await radio('live').check()
      const row = page.locator(`tr[data-event-id="${sevenDays.eventId}"]`)
      assert.equal(await row.locator('th a').getAttribute('href'), `#/events/${sevenDays.eventId}`)
      assert.equal(await row.locator('td a').getAttribute('href'), `#/stats/${sevenDays.eventId}`)
      await row.locator('td', { hasText: /^3$/ }).waitFor()
      assert.equal(await page.locator('a.button[href="#/events/new"]').count(), 1, 'an operator may create events')
      await page.context().close()
    }
  })

  test('AUDITOR: reads the list and the event, with no edit control rendered', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const page = await signedIn(lang, STAFF.auditor)
      await page.goto(`${gatewayUrl}/console#/events`)
      await page.locator('table.event-list tbody tr').first().waitFor()
      assert.equal(await page.locator('a[href="#/events/new"]').count(), 0, 'no "New event"')
      await openEvent(page, gatewayUrl, sevenDays.eventId)
      const sentences = await previewSentences(page)
      assert.equal(sentences.bundles.length, 3)
      assert.match(sentences.bundles[2]!, lang === 'en' ? /Day 7 bundle: .*; 500 left$/ : /Day 7 묶음: .*; 500개 남음$/)
      assert.equal(await page.locator('main input, main select, main textarea, main button').count(), 0, 'nothing to edit with')
      assert.equal(await page.locator('form.editor-form').count(), 0)
      await check(page, 'event-auditor', lang)
      await page.goto(`${gatewayUrl}/console#/events/new`)
      await page.locator('main .note-warn').waitFor()
      assert.equal(await page.locator('main input, main select, main textarea, main button').count(), 0)
      await page.context().close()
    }
  })

  test('one step for the cross-screen scenario: createAttendanceEventThroughForm returns the ids in bundle order; past check-ins count', async () => {
    const page = await signedIn('en', STAFF.second)
    const { eventId, rewardIds } = await createAttendanceEventThroughForm(page, gatewayUrl, {
      name: 'Login week',
      days: 7,
      startedDaysAgo: 2,
      bundles: [
        { day: 1, itemName: 'Gem', quantity: 5 },
        { day: 3, itemName: 'Chest', quantity: 1 },
        { day: 7, itemName: 'Crown', quantity: 1, stock: 10 }
      ]
    })
    const bundles = await getBundles(eventId)
    assert.deepEqual(bundles.map((bundle) => bundle.id), rewardIds)
    assert.deepEqual(bundles.map((bundle) => bundle.stock), [null, null, 10])
    // Check-ins reported for the last three days (the window began two days ago): day 1 and 3 are claimable, day 7 not.
    const [player] = await createPlayers(api, 1, 'login-week')
    for (const daysAgo of [2, 1, 0]) {
      const report = await api('POST', '/event-gateway/user-events/process', {
        token: operatorToken,
        body: { eventType: 'attendance', userId: player!.id, occurredAt: new Date(Date.now() - daysAgo * DAY_MS).toISOString() }
      })
      assert.equal(report.status, 200, JSON.stringify(report.body))
    }
    const standing = await api('GET', `/event-gateway/user-events?userId=${player!.id}&eventId=${eventId}`, { token: operatorToken })
    assert.equal(standing.status, 200, JSON.stringify(standing.body))
    const claimable = Object.fromEntries(standing.body.items[0].bundles.map((bundle: { rewardId: string; claimable: unknown }) => [bundle.rewardId, bundle.claimable]))
    assert.deepEqual(claimable, { [rewardIds[0]!]: true, [rewardIds[1]!]: true, [rewardIds[2]!]: 'CONDITIONS_NOT_MET' })
    await page.context().close()
  })

  test('axe found no serious or critical violation on any screen; the browser logged no unexpected error', () => {
    const { axeFindings, browserErrors } = consoleBrowser
    assert.ok(axeFindings.length >= 12, `screens checked: ${axeFindings.map((finding) => finding.screen).join(', ')}`)
    assert.deepEqual(axeFindings.filter((finding) => finding.violations.length > 0), [])
    // The refusals these tests provoke (400, 409) the browser reports on its own.
    const provoked = /Failed to load resource: the server responded with a status of (400|409) /
    assert.deepEqual(browserErrors.filter((text) => !provoked.test(text)), [])
  })
})
