/**
 * Playwright steps on the console's event stats and audit log, for scenarios across screens.
 * Each takes a page already signed in (console-kit `signIn`) and is self-contained: it navigates
 * where it needs to (a fragment change, so the in-memory session stays) and waits for what it reads.
 */
import type { Page } from 'playwright-core'

export interface ClaimCounts {
  pending: number
  processing: number
  completed: number
  rejected: number
  failed: number
}
const STATUSES = ['pending', 'processing', 'completed', 'rejected', 'failed'] as const

/** A number as the console writes it in either language ("1,234"), read back. */
const numberIn = (text: string | null): number => Number((text ?? '').replace(/[^0-9]/g, ''))

/** Opens `#/stats/<eventId>` and waits until its figures are shown (the per-bundle table, or the note that there is no bundle). */
export async function openStats(page: Page, gatewayUrl: string, eventId: string): Promise<void> {
  await page.goto(`${gatewayUrl}/console#/stats/${eventId}`)
  await page.locator('[data-stat="participants"]').waitFor()
}

/**
 * The claim counts of one bundle by status, as the stats page's per-bundle table shows them
 * (`tr[data-reward-id]`, one cell per status). The page must show that event's stats
 * (`openStats`); waits for the bundle's row.
 */
export async function bundleClaimCounts(page: Page, rewardId: string): Promise<ClaimCounts> {
  const row = page.locator(`table.stats-bundles tr[data-reward-id="${rewardId}"]`)
  await row.waitFor()
  const counts = {} as ClaimCounts
  for (const status of STATUSES) counts[status] = numberIn(await row.locator(`td[data-column="${status}"]`).textContent())
  return counts
}

/** The participants figure of the stats page shown now. */
export async function statsParticipants(page: Page): Promise<number> {
  return numberIn(await page.locator('[data-stat="participants"]').textContent())
}

/** Units left of a bundle with a stock (null: the bundle is unlimited), from the per-bundle table. */
export async function bundleStockLeft(page: Page, rewardId: string): Promise<number | null> {
  const cell = page.locator(`table.stats-bundles tr[data-reward-id="${rewardId}"] td[data-column="left"]`)
  await cell.waitFor()
  const text = (await cell.textContent()) ?? ''
  return /[0-9]/.test(text) ? numberIn(text) : null
}

/** Claims per day as the stats page's table lists them (`[{day, count}]`, oldest first). */
export async function claimsPerDay(page: Page): Promise<Array<{ day: string; count: number }>> {
  const rows = page.locator('table.stats-days tbody tr')
  return Promise.all(
    (await rows.all()).map(async (row) => ({ day: (await row.getAttribute('data-day')) ?? '', count: numberIn(await row.locator('td[data-column="count"]').textContent()) }))
  )
}

/** Opens `#/audit` (AUDITOR or ADMIN) on the chosen log and waits for its first entries; returns the actions shown, newest first. */
export async function openAuditLog(page: Page, gatewayUrl: string, source: 'event' | 'auth' = 'event'): Promise<string[]> {
  await page.goto(`${gatewayUrl}/console#/audit`)
  await page.locator('input[name="audit-source"][value="event"]').waitFor()
  if (source === 'auth') await page.locator('input[name="audit-source"][value="auth"]').check()
  await page.locator('table.audit-log tbody tr').first().waitFor()
  return auditActions(page)
}

/** The actions of the audit entries shown now (`event.create`, `user.tags`…), newest first. */
export async function auditActions(page: Page): Promise<string[]> {
  return page.locator('table.audit-log tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action') ?? ''))
}
