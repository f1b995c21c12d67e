import { randomInt } from 'node:crypto'
import type { RandomContents, RandomContentsInput, RewardContent } from '../schemas/rewards.js'

/** A uniform integer in [0, maxExclusive): `crypto.randomInt` in production; tests pass a seeded one. */
export type RandomInteger = (maxExclusive: number) => number

/** One entry of the table, each with probability weight ÷ total weight. */
export function pickEntry(table: RandomContentsInput['table'], random: RandomInteger): number {
  const total = table.reduce((sum, entry) => sum + entry.weight, 0)
  let ticket = random(total)
  for (const [index, entry] of table.entries()) {
    if (ticket < entry.weight) return index
    ticket -= entry.weight
  }
  throw new Error(`random integer out of range: ${ticket + total} of ${total}`)
}

/**
 * What a random table grants one claim: `rolls` draws with replacement, each entry's contents
 * in the order drawn. Rolled once, when the claim is made; the claim keeps the result.
 */
export function rollContents(randomContents: RandomContentsInput, random: RandomInteger = randomInt): RewardContent[] {
  return Array.from({ length: randomContents.rolls }, () => randomContents.table[pickEntry(randomContents.table, random)]!.contents).flat()
}

/** The table as players are shown it: each entry with its chance per roll, in percent to two decimals. */
export function withChances({ rolls, table }: RandomContentsInput): RandomContents {
  const total = table.reduce((sum, entry) => sum + entry.weight, 0)
  return { rolls, table: table.map((entry) => ({ ...entry, chance: Math.round((entry.weight / total) * 10_000) / 100 })) }
}
