/** The sentences of event stats and the audit log, in English and Korean (merged in `../messages.ts`). */
export const en = {
  'stats.title': 'Event stats',
  'audit.title': 'Audit log',
} as const

export const ko: Record<keyof typeof en, string> = {
  'stats.title': '이벤트 통계',
  'audit.title': '감사 로그',
}
