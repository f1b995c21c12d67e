/** The sentences of the events list, the event editor and its preview, in English and Korean (merged in `../messages.ts`). */
export const en = {
  'events.title': 'Events',
  'editor.titleNew': 'New event',
} as const

export const ko: Record<keyof typeof en, string> = {
  'events.title': '이벤트',
  'editor.titleNew': '새 이벤트',
}
