/**
 * Playwright steps on the console's event editor, for any test with a page signed in as an
 * OPERATOR or ADMIN (in either language: inputs are found by the body path they edit,
 * `data-path`, not by their labels). Self-contained: each step opens the screen it needs.
 *
 *   const { eventId, rewardIds } = await createAttendanceEventThroughForm(page, gatewayUrl, {
 *     name: '7-day attendance', days: 7,
 *     bundles: [{ day: 1, itemName: 'Potion', quantity: 1 }, { day: 3, ... }, { day: 7, ..., stock: 500 }]
 *   })
 */
import assert from 'node:assert/strict'
import type { Locator, Page, Response } from 'playwright-core'

export interface AttendanceBundleSpec {
  /** The milestone: claimable after this many check-in days. */
  day: number
  itemName: string
  quantity: number
  stock?: number
}
export interface AttendanceEventSpec {
  name: string
  /** The window's length: it starts at the current minute (so check-ins count at once) and lasts this many days. */
  days: number
  /**
   * Start the window this many days before now instead (default 0), so check-ins reported for
   * past days (`occurredAt`) fall inside it; it still lasts `days` days from its start.
   */
  startedDaysAgo?: number
  bundles: AttendanceBundleSpec[]
}

/** The fields of the event (not of a bundle) in the editor. */
export const eventScope = (page: Page): Locator => page.locator('[data-scope="event"]')
/** The n-th bundle's fieldset (0-based, in the editor's order). */
export const bundleAt = (page: Page, index: number): Locator => page.locator(`fieldset[data-bundle-index="${index}"]`)
export const byPath = (scope: Locator, path: string): Locator => scope.locator(`[data-path="${path}"]`)

const pathOf = (response: Response) => new URL(response.url()).pathname
const isPost = (response: Response, path: string) => response.request().method() === 'POST' && pathOf(response) === path

/** Opens `#/events/new` (same document: the session, held in memory, survives). */
export async function openNewEvent(page: Page, gatewayUrl: string): Promise<void> {
  await page.goto(`${gatewayUrl}/console#/events/new`)
  await byPath(eventScope(page), 'body.name').waitFor()
}

/**
 * `datetime-local` values in the browser's own time zone: the current minute (`startedDaysAgo`
 * days back), and `days` days on (computed in the page, which has the context's zone).
 */
async function windowOf(page: Page, days: number, startedDaysAgo: number): Promise<{ start: string; end: string }> {
  const script = `(() => {
    const pad = (n) => String(n).padStart(2, '0')
    const local = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes())
    const start = new Date(Date.now() - ${startedDaysAgo} * 86400000); start.setSeconds(0, 0)
    const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + ${days}, start.getHours(), start.getMinutes())
    return { start: local(start), end: local(end) }
  })()`
  return (await page.evaluate(script)) as { start: string; end: string }
}

/**
 * Fills a new event's form: the name, a window of `days` days from now, the event's condition
 * "attendance 1" (a player must have checked in once), and one bundle per spec with an item and the
 * milestone "attendance <day>" (plus its stock). Leaves it unsaved, for the preview to be read.
 */
export async function fillAttendanceEventForm(page: Page, gatewayUrl: string, spec: AttendanceEventSpec): Promise<void> {
  await openNewEvent(page, gatewayUrl)
  const event = eventScope(page)
  await byPath(event, 'body.name').fill(spec.name)
  const { start, end } = await windowOf(page, spec.days, spec.startedDaysAgo ?? 0)
  await byPath(event, 'body.startedAt').fill(start)
  await byPath(event, 'body.endedAt').fill(end)
  await byPath(event, 'body.contents.0.type').selectOption('attendance')
  await byPath(event, 'body.contents.0.count').fill('1')
  for (const [index, bundle] of spec.bundles.entries()) {
    // The form opens with one bundle; each further one is added.
    if (index > 0) await page.locator('[data-action="add-bundle"]').click()
    const fieldset = bundleAt(page, index)
    await byPath(fieldset, 'body.name').fill(`Day ${bundle.day}`)
    await byPath(fieldset, 'body.contents.0.type').selectOption('item')
    await byPath(fieldset, 'body.contents.0.itemName').fill(bundle.itemName)
    await byPath(fieldset, 'body.contents.0.quantity').fill(String(bundle.quantity))
    await fieldset.locator('fieldset.conditions [data-action="add-condition"]').click()
    await byPath(fieldset, 'body.conditions.0.type').selectOption('attendance')
    await byPath(fieldset, 'body.conditions.0.count').fill(String(bundle.day))
    if (bundle.stock !== undefined) await byPath(fieldset, 'body.stock').fill(String(bundle.stock))
  }
}

/**
 * Presses "Create event" and reads the ids from the API's replies: POST /event (201), then one
 * POST /rewards per bundle (all 201), in bundle order. Resolves once the editor has moved to the
 * created event's address.
 */
export async function submitNewEvent(page: Page, bundleCount: number): Promise<{ eventId: string; rewardIds: string[] }> {
  const rewardReplies: Response[] = []
  const eventReply = page.waitForResponse((response) => isPost(response, '/event-gateway/event'))
  // One predicate sees every response in order: it collects the bundles' replies as they come.
  const allRewards =
    bundleCount === 0
      ? Promise.resolve(undefined)
      : page.waitForResponse((response) => {
          if (isPost(response, '/event-gateway/rewards')) rewardReplies.push(response)
          return rewardReplies.length === bundleCount
        })
  await page.locator('form.editor-form button[type="submit"]').click()
  const created = await eventReply
  assert.equal(created.status(), 201, await created.text())
  const eventId = ((await created.json()) as { id: string }).id
  await allRewards
  const rewardIds: string[] = []
  for (const reply of rewardReplies) {
    assert.equal(reply.status(), 201, await reply.text())
    rewardIds.push(((await reply.json()) as { id: string }).id)
  }
  await page.waitForURL((url) => url.hash === `#/events/${eventId}`)
  await bundleAt(page, Math.max(0, bundleCount - 1)).waitFor()
  return { eventId, rewardIds }
}

/** The whole step: fill the form as `fillAttendanceEventForm` does and create it. */
export async function createAttendanceEventThroughForm(page: Page, gatewayUrl: string, spec: AttendanceEventSpec): Promise<{ eventId: string; rewardIds: string[] }> {
  await fillAttendanceEventForm(page, gatewayUrl, spec)
  return submitNewEvent(page, spec.bundles.length)
}

/** The preview's sentences as shown: the event's, and each bundle's first (its claim rule). */
export async function previewSentences(page: Page): Promise<{ event: string[]; bundles: string[] }> {
  const event = await page.locator('[data-preview="event"] li').allInnerTexts()
  const bundles = await page.locator('[data-preview="bundle"] .preview-sentence').allInnerTexts()
  return { event, bundles }
}

/** Opens an event's editor (`#/events/<id>`) and waits for its form (or, for an AUDITOR, its preview). */
export async function openEvent(page: Page, gatewayUrl: string, eventId: string): Promise<void> {
  await page.goto(`${gatewayUrl}/console#/events/${eventId}`)
  await page.locator('[data-preview="event"]').waitFor()
}
