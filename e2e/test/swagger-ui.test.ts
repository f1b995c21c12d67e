/**
 * The combined API docs as a person uses them: headless Chromium opens the gateway's Swagger UI,
 * authorizes with a token from /auth/login, runs "list events" from the UI and sees its 200.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { ADMIN, client, startE2eSystem } from './helpers.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
let gatewayUrl = ''
let browser: Browser | undefined
let stopSystem = async () => {}

before(async () => {
  const system = await startE2eSystem()
  stopSystem = system.stopAll
  gatewayUrl = system.url('gateway')
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  })
})
after(async () => {
  await browser?.close()
  await stopSystem()
})

test('Swagger UI: authorize with a login token and run an operation', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async () => {
  const login = await client(gatewayUrl)('POST', '/auth/login', { body: ADMIN })
  assert.equal(login.status, 200)

  const page = await browser!.newPage()
  const consoleErrors: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
  await page.goto(`${gatewayUrl}/api-docs`)

  const listEvents = page.locator('.opblock-get', { has: page.locator('[data-path="/event-gateway/event"]') })
  await listEvents.first().waitFor({ timeout: 15_000 })

  await page.locator('.auth-wrapper button.authorize').click()
  await page.locator('.modal-ux input[type="text"]').first().fill(login.body.accessToken)
  await page.locator('.modal-ux .auth-btn-wrapper button.authorize').first().click()
  await page.locator('.modal-ux button.btn-done').first().click()

  await listEvents.first().locator('.opblock-summary').first().click()
  await listEvents.first().locator('.try-out__btn').click()
  await listEvents.first().locator('button.execute').click()
  const status = listEvents.first().locator('.live-responses-table tr.response .response-col_status').first()
  await status.waitFor({ timeout: 15_000 })
  assert.equal((await status.innerText()).trim(), '200')
  await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? '/tmp/swagger-ui.png', fullPage: false })
  assert.deepEqual(consoleErrors.filter((text) => !/favicon/.test(text)), [])
})
