import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { en, ko, type MessageKey } from './messages.js'

export type Language = 'en' | 'ko'
export const LANGUAGES: ReadonlyArray<{ code: Language; name: string }> = [
  { code: 'en', name: 'English' },
  { code: 'ko', name: '한국어' }
]
const MESSAGES: Record<Language, Record<MessageKey, string>> = { en, ko }

/** The browser's first preference we speak (navigator.languages in order), else English. */
export function preferredLanguage(preferences: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  for (const tag of preferences) {
    const primary = tag.toLowerCase().split('-')[0]
    if (primary === 'ko' || primary === 'en') return primary
  }
  return 'en'
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string

export interface I18n {
  lang: Language
  setLang(lang: Language): void
  t: Translate
  /** The operator's time zone (the browser's), in which every date is shown. */
  timeZone: string
  dateTime(iso: string | null | undefined): string
  /** A time of day (for "try again after…"), `seconds` from now. */
  timeIn(seconds: number): string
  duration(seconds: number): string
  number(value: number): string
}

const I18nContext = createContext<I18n | null>(null)

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Language>(() => preferredLanguage())
  useEffect(() => {
    document.documentElement.lang = lang
    document.title = MESSAGES[lang]['app.name']
  }, [lang])
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[lang]
    const locale = lang === 'ko' ? 'ko-KR' : 'en-GB'
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone })
    const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'medium', timeZone })
    const numberFormat = new Intl.NumberFormat(locale)
    const t: Translate = (key, vars = {}) =>
      messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
    return {
      lang,
      setLang,
      t,
      timeZone,
      dateTime: (iso) => (iso ? dateFormat.format(new Date(iso)) : messages['detail.none']),
      timeIn: (seconds) => timeFormat.format(new Date(Date.now() + seconds * 1000)),
      number: (value) => numberFormat.format(value),
      duration(seconds) {
        const s = Math.max(0, Math.round(seconds))
        if (s < 60) return t('duration.s', { s })
        if (s < 3600) return t('duration.ms', { m: Math.floor(s / 60), s: s % 60 })
        if (s < 86_400) return t('duration.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) })
        return t('duration.d', { d: Math.floor(s / 86_400), h: Math.floor((s % 86_400) / 3600) })
      }
    }
  }, [lang])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n outside I18nProvider')
  return value
}
