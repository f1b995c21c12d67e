import type { LoadFigures } from './load.js'
import type { SystemUnderTest } from './system-under-test.js'

/** The knobs that make a full run and a `--quick` one differ. */
export interface BenchSize {
  name: 'full' | 'quick'
  warmupSeconds: number
  durationSeconds: number
  connections: number
  /** Scenario 1's fixed rate (autocannon -R). */
  fixedRate: number
  /** Scenario 2: logins per second, and the read rates beside them. */
  loginRate: number
  listRate: number
  meRate: number
  /** Scenario 3/4: players (each costs two argon2 operations to seed) and the tiered event's bundles (day 1…N) to claim. */
  players: number
  claimTiers: number
}

export const SIZES: Record<BenchSize['name'], BenchSize> = {
  full: {
    name: 'full', warmupSeconds: 3, durationSeconds: 15, connections: 20, fixedRate: 500,
    loginRate: 20, listRate: 200, meRate: 50, players: 200, claimTiers: 5
  },
  quick: {
    name: 'quick', warmupSeconds: 1, durationSeconds: 3, connections: 10, fixedRate: 500,
    loginRate: 20, listRate: 200, meRate: 50, players: 40, claimTiers: 3
  }
}

export interface Goal {
  name: string
  target: string
  actual: string
  met: boolean
}

export interface ScenarioResult {
  id: string
  title: string
  /** What was loaded and how, in a sentence or two. */
  setup: string
  runs: LoadFigures[]
  figures: Record<string, number | string>
  goals: Goal[]
}

export interface ScenarioContext {
  sut: SystemUnderTest
  size: BenchSize
  log: (line: string) => void
  /** Shared between scenarios: the players seeded once for scenarios 3 and 4. */
  shared: Map<string, unknown>
}

export type Scenario = (context: ScenarioContext) => Promise<ScenarioResult>

export const ms = (value: number) => `${Math.round(value * 100) / 100} ms`
