/**
 * The scenario across the console's screens, against the real system: an OPERATOR builds
 * a 7-day attendance event with day 1 / 3 / 7 bundles and a stock through the editor's form; a
 * game server reports three check-in days through the API; the player's look-up shows day 1 and
 * day 3 claimable and day 7 not, with the reason, in the progress and in the dry run; the player
 * claims through the API; the stats page shows those claims. Each screen's own details (field
 * errors, conflicts, read-only views) are tested in its own file; this one ties them together.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, UNTHROTTLED, client, startE2eSystem, type E2eSystem } from './helpers.js'
import { createPlayers, login, type Api, type Player } from './fault-kit.js'
import { noBrowser, openConsoleBrowser, prepareConsole, type ConsoleBrowser } from './console-kit.js'
import { createAttendanceEventThroughForm } from './console-events-steps.js'
import { dryRun, lookUpPlayer, progressClaimable } from './console-players-steps.js'
import { bundleClaimCounts, openStats } from './console-insights-steps.js'

const DAY_MS = 24 * 60 * 60 * 1000
const OPERATOR = { email: 'operator@live-ops.test', password: 'operator-password', roles: ['OPERATOR'] }
const SERVICE = { email: 'game-server@live-ops.test', password: 'service-password', roles: ['SERVICE'] }

let system: E2eSystem
let api: Api
let browser: ConsoleBrowser
let player: Player
let serviceToken: string

describe('console: a live-ops event from the form to the look-up and the stats', { skip: noBrowser }, () => {
  before(async () => {
    await prepareConsole()
    system = await startE2eSystem({ ...UNTHROTTLED })
    api = client(system.url('gateway'))
    const admin = (await login(api, ADMIN.email, ADMIN.password)).accessToken
    for (const account of [OPERATOR, SERVICE]) {
      const created = await api('POST', '/auth/users', { token: admin, body: account })
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }
    serviceToken = (await login(api, SERVICE.email, SERVICE.password)).accessToken
    player = (await createPlayers(api, 1, 'live-ops-player'))[0]!
    browser = await openConsoleBrowser(system.url('gateway'))
  })

  after(async () => {
    await browser?.close()
    await system?.stopAll()
  })

  test('built in the form, reported through the API, judged in the look-up, counted in the stats', async () => {
    const page = await browser.newPage('en')
    await browser.signIn(page, OPERATOR)
    const name = '7-day check-in'
    const { eventId, rewardIds } = await createAttendanceEventThroughForm(page, system.url('gateway'), {
      name,
      days: 7,
      // Check-ins are reported for the two days before today: the window must hold them.
      startedDaysAgo: 3,
      bundles: [
        { day: 1, itemName: 'Potion', quantity: 1 },
        { day: 3, itemName: 'Elixir', quantity: 1 },
        { day: 7, itemName: 'Legendary box', quantity: 1, stock: 100 }
      ]
    })
    assert.equal(rewardIds.length, 3)
    const [day1, day3, day7] = rewardIds as [string, string, string]

    // What the form made, as the API holds it.
    const bundles = await api('GET', `/event-gateway/rewards?eventId=${eventId}`, { token: serviceToken })
    assert.equal(bundles.status, 200, JSON.stringify(bundles.body))
    const stockOf = Object.fromEntries(bundles.body.items.map((bundle: { id: string; stock: number | null }) => [bundle.id, bundle.stock]))
    assert.deepEqual(stockOf, { [day1]: null, [day3]: null, [day7]: 100 })

    // A game server reports three check-in days (today and the two before).
    for (const daysAgo of [2, 1, 0]) {
      const report = await api('POST', '/event-gateway/user-events/process', {
        token: serviceToken,
        body: { eventType: 'attendance', userId: player.id, occurredAt: new Date(Date.now() - daysAgo * DAY_MS).toISOString() }
      })
      assert.equal(report.status, 200, JSON.stringify(report.body))
    }

    assert.equal(await lookUpPlayer(page, system.url('gateway'), player.email), player.id)
    assert.equal(await progressClaimable(page, day1), 'Can be claimed now.')
    assert.equal(await progressClaimable(page, day3), 'Can be claimed now.')
    assert.equal(await progressClaimable(page, day7), 'Not claimable yet: check-in days 3 of 7.')
    for (const rewardId of [day1, day3]) assert.equal((await dryRun(page, { eventName: name, rewardId })).claimable, true)
    const notYet = await dryRun(page, { eventName: name, rewardId: day7 })
    assert.equal(notYet.claimable, false)
    assert.equal(notYet.text, 'Condition not met: check-in days 3 of 7.')

    // The player claims what the look-up said they could; day 7 is refused as it said.
    for (const rewardsId of [day1, day3]) {
      const claim = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId } })
      assert.equal(claim.status, 201, JSON.stringify(claim.body))
    }
    const refused = await api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { userId: player.id, rewardsId: day7 } })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'CONDITIONS_NOT_MET')

    await openStats(page, system.url('gateway'), eventId)
    const zero = { pending: 0, processing: 0, completed: 0, rejected: 0, failed: 0 }
    assert.deepEqual(await bundleClaimCounts(page, day1), { ...zero, completed: 1 })
    assert.deepEqual(await bundleClaimCounts(page, day3), { ...zero, completed: 1 })
    assert.deepEqual(await bundleClaimCounts(page, day7), zero)
    await browser.check(page, 'live-ops-stats', 'en', false)
  })

  test('axe found no serious or critical violation; the browser logged no error', () => {
    assert.deepEqual(browser.axeFindings.filter((finding) => finding.violations.length > 0), [])
    const provoked = /Failed to load resource: the server responded with a status of (401|403|409) /
    assert.deepEqual(browser.browserErrors.filter((text) => !provoked.test(text)), [])
  })
})
