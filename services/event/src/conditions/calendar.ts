const DAY_MS = 24 * 60 * 60 * 1000
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timezone, formatter)
  }
  return formatter
}

/** True for IANA names (and aliases) this runtime's ICU knows. */
export function isKnownTimezone(timezone: string): boolean {
  try {
    formatterFor(timezone)
    return true
  } catch {
    return false
  }
}

/** The calendar day (`YYYY-MM-DD`) that `instant` falls on in `timezone`. */
export function calendarDay(instant: Date, timezone: string): string {
  const parts = Object.fromEntries(formatterFor(timezone).formatToParts(instant).map((part) => [part.type, part.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** The longest run of consecutive calendar days among `days` (any order, duplicates allowed). */
export function longestConsecutiveRun(days: readonly string[]): number {
  const ordinals = [...new Set(days.map((day) => Date.parse(`${day}T00:00:00Z`) / DAY_MS))].sort((a, b) => a - b)
  let longest = 0
  let run = 0
  ordinals.forEach((ordinal, index) => {
    run = index > 0 && ordinal === ordinals[index - 1]! + 1 ? run + 1 : 1
    longest = Math.max(longest, run)
  })
  return longest
}
