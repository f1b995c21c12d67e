/** The sentences of player look-up, in English and Korean (merged in `../messages.ts`). */
export const en = {
  'players.title': 'Player look-up',
} as const

export const ko: Record<keyof typeof en, string> = {
  'players.title': '플레이어 조회',
}
