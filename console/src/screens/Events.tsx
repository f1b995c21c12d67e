import { useEffect, useMemo, useState } from 'react'
import { ErrorNote, ScreenTitle } from '../components.js'
import type { ApiEvent } from '../events/model.js'
import type { EventStatus } from '../api.js'
import { eventStatusOf, useBundles } from '../catalog.js'
import { useEventPages, type EventListFilter } from '../events/queries.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useStaff } from '../session.js'
import '../styles/events.css'

const STATUSES: ReadonlyArray<EventStatus | ''> = ['', 'live', 'upcoming', 'ended', 'inactive']
/** Typing pauses this long before the list asks again. */
const SEARCH_DELAY_MS = 300

/** `#/events`: every event by status, searchable by name, each linking to its editor and its stats. */
export function EventsScreen() {
  const { t } = useI18n()
  const session = useStaff()
  const [status, setStatus] = useState<EventListFilter['status']>('')
  const [typed, setTyped] = useState('')
  const [q, setQ] = useState('')
  useEffect(() => {
    const timer = window.setTimeout(() => setQ(typed.trim()), SEARCH_DELAY_MS)
    return () => window.clearTimeout(timer)
  }, [typed])
  const filter = useMemo(() => ({ status, q }), [status, q])
  const pages = useEventPages(filter)
  const events = pages.data?.pages.flatMap((page) => page.items) ?? []

  return (
    <section aria-labelledby="events-title" className="events">
      <div className="title-row">
        <ScreenTitle id="events-title">{t('events.title')}</ScreenTitle>
        {session.canDecide && (
          <a className="button" href={hrefOf({ screen: 'event', id: 'new' })}>
            {t('events.new')}
          </a>
        )}
      </div>
      <form className="filters" role="search" aria-label={t('events.filters')} onSubmit={(event) => event.preventDefault()}>
        <fieldset className="status-filter">
          <legend>{t('events.status')}</legend>
          {STATUSES.map((value) => (
            <label key={value || 'all'} className="chip">
              <input type="radio" name="event-status" value={value} checked={status === value} onChange={() => setStatus(value)} />
              {t(`events.status.${value || 'all'}`)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="events-q">{t('events.search')}</label>
          <input id="events-q" type="search" maxLength={100} value={typed} autoComplete="off" onChange={(event) => setTyped(event.target.value)} />
        </div>
      </form>
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : events.length === 0 && !pages.isError ? (
        <p className="empty" role="status">
          {q ? t('events.emptySearch', { q }) : t('events.empty')}
        </p>
      ) : (
        <EventTable events={events} canEdit={session.canDecide} />
      )}
      {events.length > 0 && (
        <div className="more">
          {pages.hasNextPage ? (
            <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
              {pages.isFetchingNextPage ? t('app.loading') : t('events.more')}
            </button>
          ) : (
            <p className="hint">{t('events.end')}</p>
          )}
        </div>
      )}
    </section>
  )
}

function EventTable({ events, canEdit }: { events: ApiEvent[]; canEdit: boolean }) {
  const { t, dateTime } = useI18n()
  const now = Date.now()
  return (
    <div className="table-wrap">
      <table className="event-list">
        <caption>{t('events.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('events.col.name')}</th>
            <th scope="col">{t('events.col.status')}</th>
            <th scope="col">{t('events.col.window')}</th>
            <th scope="col">{t('events.col.recurrence')}</th>
            <th scope="col">{t('events.col.approval')}</th>
            <th scope="col">{t('events.col.bundles')}</th>
            <th scope="col">{t('events.col.stats')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const status = eventStatusOf(event, now)
            return (
              <tr key={event.id} data-event-id={event.id}>
                <th scope="row">
                  <a href={hrefOf({ screen: 'event', id: event.id })}>{event.name}</a>
                  <span className="visually-hidden"> — {t(canEdit ? 'events.edit' : 'events.open')}</span>
                </th>
                <td>
                  <span className={`badge badge-event-${status}`}>{t(`events.status.${status}`)}</span>
                </td>
                <td className="window">
                  {dateTime(event.startedAt)} – {dateTime(event.endedAt)}
                  {event.timezone !== 'UTC' && <div className="hint">{t('events.daysIn', { zone: event.timezone })}</div>}
                </td>
                <td>{t(`editor.recurrence.${event.recurrence?.every ?? 'none'}`)}</td>
                <td>
                  {t(event.requireApproval ? 'events.approval.yes' : 'events.approval.no')}
                  {event.exclusiveRewards && <div className="hint">{t('events.exclusive')}</div>}
                </td>
                <td>
                  <BundleCount eventId={event.id} />
                </td>
                <td>
                  <a href={hrefOf({ screen: 'stats', id: event.id })}>
                    {t('events.stats')}
                    <span className="visually-hidden"> — {event.name}</span>
                  </a>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

function BundleCount({ eventId }: { eventId: string }) {
  const { t, number } = useI18n()
  const bundles = useBundles(eventId)
  if (!bundles.data) return <span aria-label={t('app.loading')}>…</span>
  return <>{number(bundles.data.length)}</>
}
