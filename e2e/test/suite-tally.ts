/**
 * Counts the cases a hostile-input or fault suite tried and how many held, and prints one
 * summary line per suite when its file ends — so CI logs show "tried / held / failed" for the
 * attack and fault suites, not only node:test's overall pass count.
 */
import { after } from 'node:test'

export interface SuiteTally {
  /**
   * Runs one case: `check` throws (an assertion) when the defence did not hold. The error is
   * rethrown so the surrounding test fails with it.
   */
  check<T>(caseName: string, check: () => Promise<T> | T): Promise<T>
  readonly tried: number
  readonly held: number
  readonly failures: readonly string[]
}

/** Call at the top level of a test file: the summary is printed from a top-level `after`. */
export function createSuiteTally(suiteName: string): SuiteTally {
  let tried = 0
  let held = 0
  const failures: string[] = []
  after(() => {
    const failed = tried - held
    process.stdout.write(`\n[${suiteName}] ${tried} cases tried, ${held} held, ${failed} failed\n`)
    for (const failure of failures) process.stdout.write(`[${suiteName}]   did not hold: ${failure}\n`)
  })
  return {
    async check(caseName, check) {
      tried += 1
      try {
        const value = await check()
        held += 1
        return value
      } catch (error) {
        failures.push(`${caseName}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
        throw error
      }
    },
    get tried() { return tried },
    get held() { return held },
    get failures() { return failures }
  }
}
