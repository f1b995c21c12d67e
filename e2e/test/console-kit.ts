/**
 * What every console test needs: headless Chromium (Debian's, through playwright-core), a page per
 * language with the browser's own locale and time zone, sign-in through the form, axe on a screen
 * (serious and critical violations collected, to be asserted empty at the end) with a full-page
 * screenshot to docs/console/ for the README, and a delivery receiver that refuses chosen bundles.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { REPO_ROOT } from '@app/platform'
import { ensureConsoleBuilt } from '@app/devkit/system'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOTS = join(REPO_ROOT, 'docs', 'console')
/** The reason to skip a console test file (`describe(…, { skip: noBrowser })`), or false. */
export const noBrowser = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`

export type Lang = 'en' | 'ko'
export const LOCALES: Record<Lang, { locale: string; timezoneId: string }> = {
  en: { locale: 'en-US', timezoneId: 'Europe/Berlin' },
  ko: { locale: 'ko-KR', timezoneId: 'Asia/Seoul' }
}
export type Account = { email: string; password: string }

export interface ConsoleBrowser {
  /** A fresh browser context (no shared session) in that language. */
  newPage(lang: Lang): Promise<Page>
  /** Through the sign-in form; resolves once a screen other than sign-in shows its heading. */
  signIn(page: Page, account: Account): Promise<void>
  signOut(page: Page): Promise<void>
  /** axe on what the page shows now; a full-page screenshot `<screen>.<lang>.png` unless `shot` is false. */
  check(page: Page, screen: string, lang: Lang, shot?: boolean): Promise<void>
  /** Every screen axe looked at, with its serious or critical violations (expected: none). */
  readonly axeFindings: Array<{ screen: string; violations: string[] }>
  /** Messages the browser logged as errors (a CSP refusal would be one). */
  readonly browserErrors: string[]
  close(): Promise<void>
}

/**
 * Builds the console when its files are missing or stale. Call it before the system starts: the
 * gateway serves what `console/dist` holds when it starts (on a fresh clone, nothing yet).
 */
export async function prepareConsole(): Promise<void> {
  await ensureConsoleBuilt()
  mkdirSync(SCREENSHOTS, { recursive: true })
}

/** Chromium for the console at `gatewayUrl` (built already: see `prepareConsole`). */
export async function openConsoleBrowser(gatewayUrl: string): Promise<ConsoleBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--font-render-hinting=none']
  })
  const contexts: BrowserContext[] = []
  const axeFindings: ConsoleBrowser['axeFindings'] = []
  const browserErrors: string[] = []
  return {
    axeFindings,
    browserErrors,
    async newPage(lang) {
      const context = await browser.newContext({ ...LOCALES[lang], viewport: { width: 1280, height: 860 }, colorScheme: 'light' })
      contexts.push(context)
      const page = await context.newPage()
      page.on('console', (message) => {
        if (message.type() === 'error') browserErrors.push(`${lang}: ${message.text()}`)
      })
      page.on('pageerror', (error) => browserErrors.push(`${lang}: ${error.message}`))
      return page
    },
    async signIn(page, account) {
      const response = await page.goto(`${gatewayUrl}/console`)
      assert.equal(response?.status(), 200)
      await page.locator('input[type="email"]').fill(account.email)
      await page.locator('input[type="password"]').fill(account.password)
      await page.locator('button[type="submit"]').click()
      await page.locator('main h1').filter({ hasNotText: /^(Sign in|로그인)$/ }).waitFor()
      // Tokens live in memory only: nothing a script or another tab could read later.
      assert.deepEqual(await page.evaluate('({ local: localStorage.length, session: sessionStorage.length })'), { local: 0, session: 0 })
      assert.deepEqual(await page.context().cookies(), [])
    },
    async signOut(page) {
      await page.getByRole('button', { name: /^(Sign out|로그아웃)$/ }).click()
      await page.locator('input[type="email"]').waitFor()
    },
    async check(page, screen, lang, shot = true) {
      const results = await new AxeBuilder({ page }).analyze()
      const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      axeFindings.push({
        screen: `${screen} (${lang})`,
        violations: serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`)
      })
      if (shot) await page.screenshot({ path: join(SCREENSHOTS, `${screen}.${lang}.png`), fullPage: true })
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {})
      await browser.close()
    }
  }
}

/** The delivery system: 200 for every grant, 422 (refused for good) for bundles in `refusing`. */
export interface Receiver {
  url: string
  refusing: Set<string>
  close(): Promise<void>
}
export async function startReceiver(): Promise<Receiver> {
  const refusing = new Set<string>()
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { rewardId?: string }
      const refused = body.rewardId !== undefined && refusing.has(body.rewardId)
      response
        .writeHead(refused ? 422 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(refused ? { error: 'Inventory full: the player holds the maximum of this currency' } : { status: 'granted' }))
    })
  })
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/grants`,
    refusing,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
      })
  }
}
