import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { ApiProblem } from './api.js'
import { I18nProvider, LANGUAGES, useI18n } from './i18n.js'
import { hrefOf, sectionOf, useRoute, type Route } from './router.js'
import { AuditLogScreen } from './screens/AuditLog.js'
import { ClaimDetailScreen } from './screens/ClaimDetail.js'
import { ClaimsQueue } from './screens/ClaimsQueue.js'
import { DeliveryScreen } from './screens/Delivery.js'
import { EventEditorScreen } from './screens/EventEditor.js'
import { EventsScreen } from './screens/Events.js'
import { EventStatsScreen } from './screens/EventStats.js'
import { PlayerLookupScreen } from './screens/PlayerLookup.js'
import { SignIn } from './screens/SignIn.js'
import { StaffOnly } from './screens/StaffOnly.js'
import { SessionProvider, useSession, type Session } from './session.js'

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <WithQueries />
      </SessionProvider>
    </I18nProvider>
  )
}

/** Retried once: no answer, or an upstream that broke off; never a refusal (4xx) or a breaker. */
const retryable = (count: number, error: unknown) => count < 1 && error instanceof ApiProblem && [0, 502].includes(error.status)

/** Server state (TanStack Query); a 401 anywhere refreshes the session once, or ends it. */
function WithQueries() {
  const { session, recover } = useSession()
  const recoverRef = useRef(recover)
  recoverRef.current = recover
  const [client] = useState(() => {
    const onError = (error: unknown) => {
      if (!(error instanceof ApiProblem) || error.status !== 401) return
      void recoverRef.current().then((renewed) => {
        if (renewed) void client.invalidateQueries()
      })
    }
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { retry: retryable, staleTime: 5_000 } }
    })
  })
  // A new session starts from nothing cached (another account may see other things).
  const sessionKey = session ? `${session.userId}:${session.roles.join(',')}` : 'none'
  const lastKey = useRef(sessionKey)
  if (lastKey.current !== sessionKey) {
    lastKey.current = sessionKey
    client.clear()
  }
  return (
    <QueryClientProvider client={client}>
      <Shell />
    </QueryClientProvider>
  )
}

function Shell() {
  const { session } = useSession()
  const route = useRoute()
  const { t } = useI18n()
  return (
    <>
      {/* The fragment addresses screens, so the skip link moves the focus instead of the URL. */}
      <a
        className="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        {t('app.skip')}
      </a>
      <Header session={session} route={route} />
      <main id="main" tabIndex={-1}>
        {!session ? <SignIn /> : !session.isStaff ? <StaffOnly /> : <Screen route={route} />}
      </main>
      <Footer />
    </>
  )
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'claim':
      return <ClaimDetailScreen key={route.id} id={route.id} />
    case 'delivery':
      return <DeliveryScreen />
    case 'events':
      return <EventsScreen />
    case 'event':
      return <EventEditorScreen key={route.id} id={route.id} />
    case 'stats':
      return <EventStatsScreen key={route.id ?? 'none'} id={route.id} />
    case 'players':
      return <PlayerLookupScreen key={route.id ?? 'none'} id={route.id} />
    case 'audit':
      return <AuditLogScreen />
    default:
      return <ClaimsQueue />
  }
}

function Header({ session, route }: { session: Session | null; route: Route }) {
  const { t } = useI18n()
  const { signOut } = useSession()
  const current = sectionOf(route)
  return (
    <header className="top">
      <div className="top-row">
        <a className="brand" href={hrefOf({ screen: 'claims' })}>
          {t('app.name')}
        </a>
        <LanguageSwitch />
        {session && (
          <div className="who">
            <span>
              {t('session.signedInAs', { who: session.email })} ·{' '}
              {session.roles.map((role) => t(`role.${role}`)).join(', ')}
              {session.isStaff && !session.canDecide && <strong className="readonly"> ({t('session.readOnly')})</strong>}
            </span>
            <button type="button" className="secondary" onClick={() => void signOut()}>
              {t('session.signOut')}
            </button>
          </div>
        )}
      </div>
      {session?.isStaff && (
        <nav aria-label={t('nav.label')}>
          <ul>
            {(['claims', 'events', 'stats', 'players', 'audit', 'delivery'] as const)
              .filter((screen) => screen !== 'audit' || session.readsAudit)
              .map((screen) => (
              <li key={screen}>
                <a href={hrefOf({ screen })} aria-current={current === screen ? 'page' : undefined}>
                  {t(`nav.${screen}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </header>
  )
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n()
  return (
    <div className="lang" role="group" aria-label={t('lang.label')}>
      {LANGUAGES.map(({ code, name }) => (
        <button key={code} type="button" lang={code} aria-pressed={lang === code} onClick={() => setLang(code)}>
          {name}
        </button>
      ))}
    </div>
  )
}

function Footer() {
  const { t, timeZone } = useI18n()
  return (
    <footer className="bottom">
      <p>{t('app.timezone', { zone: timeZone })}</p>
    </footer>
  )
}
