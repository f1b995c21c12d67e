/**
 * Steps on the console's player look-up, for Playwright pages already signed in as staff (any of
 * OPERATOR, AUDITOR, ADMIN: the look-up, progress and dry run are read-only). Each step waits for
 * what it reads, so a scenario can chain them across screens:
 *
 *   const userId = await lookUpPlayer(page, gatewayUrl, 'player@example.com')
 *   await progressClaimable(page, day7RewardId)   // 'Not claimable yet: check-in days 3 of 7.'
 *   await dryRun(page, { eventName: '7-day check-in', rewardId: day7RewardId })
 *     // { claimable: false, text: 'Condition not met: check-in days 3 of 7.' }
 */
import type { Page } from 'playwright-core'

/**
 * Opens `#/players`, searches by `email` (the directory's prefix filter), picks the account whose
 * email is exactly `email` and waits for its page. Resolves with the account id (also the page's
 * `#/players/<id>`). Same-document navigation: the session in the page's memory survives.
 */
export async function lookUpPlayer(page: Page, gatewayUrl: string, email: string): Promise<string> {
  await page.goto(`${gatewayUrl}/console#/players`)
  const prefix = page.locator('input[data-field="email-prefix"]')
  await prefix.fill(email)
  await prefix.press('Enter')
  const exact = email.toLowerCase()
  const match = page.locator('[data-section="matches"] tbody tr').filter({ has: page.getByRole('link', { name: exact, exact: true }) })
  await match.first().waitFor()
  const userId = await match.first().getAttribute('data-user-id')
  if (!userId) throw new Error(`no account ${email} in the matches`)
  await match.first().getByRole('link').click()
  await page.locator(`section.player[data-user-id="${userId}"] [data-section="account"] [data-field="email"]`).filter({ hasText: exact }).waitFor()
  return userId
}

/**
 * On a player's page: the sentence the progress section gives for bundle `rewardId` ("Can be
 * claimed now.", or why not — unmet conditions with value and target). Waits for the bundle to
 * show and for the section's read to settle (the page reads progress anew each time it opens,
 * so a claim made elsewhere just before is reflected); the text is in the page's language.
 */
export async function progressClaimable(page: Page, rewardId: string): Promise<string> {
  const sentence = page.locator(`[data-section="progress"][aria-busy="false"] [data-reward-id="${rewardId}"] .claimable-text`)
  await sentence.waitFor()
  return (await sentence.innerText()).trim()
}

/**
 * On a player's page: the eligibility dry run for bundle `rewardId` of the event named
 * `eventName` (picked in the form, then "Check"). `claimable`: the API's verdict as shown;
 * `text`: the shown reason sentences, one per line (every reason, an unmet condition each, plus
 * the note when the audience could not be judged); when claimable with nothing to add, the verdict
 * sentence ("Could claim now.").
 */
export async function dryRun(page: Page, { eventName, rewardId }: { eventName: string; rewardId: string }): Promise<{ claimable: boolean; text: string }> {
  const section = page.locator('[data-section="dry-run"]')
  await section.locator('select[data-field="dry-run-event"]').selectOption({ label: eventName })
  const bundle = section.locator('select[data-field="dry-run-bundle"]')
  await bundle.locator(`option[value="${rewardId}"]`).waitFor({ state: 'attached' })
  await bundle.selectOption(rewardId)
  const answered = page.waitForResponse((response) => response.url().includes(`/rewards/${rewardId}/eligibility`))
  await section.getByRole('button', { name: /^(Check|판정)$/ }).click()
  await answered
  const result = section.locator(`[data-dry-run-result="${rewardId}"]`)
  await result.waitFor()
  const claimable = (await result.getAttribute('data-claimable')) === 'true'
  const sentences = (await result.locator('.reason-sentence').allInnerTexts()).map((text) => text.trim())
  const text = sentences.length > 0 ? sentences.join('\n') : (await result.locator('.verdict-head strong').innerText()).trim()
  return { claimable, text }
}
