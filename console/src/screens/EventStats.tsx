import { useMemo, useState } from 'react'
import '../styles/insights.css'
import type { EventStatus, EventSummary, Reward } from '../api.js'
import { eventStatusOf, useBundles, useEvent } from '../catalog.js'
import { ErrorNote, ScreenTitle, shortId, useRewardText } from '../components.js'
import { useI18n } from '../i18n.js'
import { conditionText } from '../insights/condition-text.js'
import { ChartFigure, ChartPatterns, DataTable, DayColumns, EmptyFigure, MeterBars, SEGMENT_ORDER, StackedBars, Swatch, type StackedRow } from '../insights/charts.js'
import {
  EVENT_STATUSES,
  everyDay,
  periodKeysOf,
  STATS_REFRESH_MS,
  useEventPages,
  useEventStats,
  type EventStats
} from '../insights/stats-data.js'
import { hrefOf } from '../router.js'
import { useStaff } from '../session.js'

/** `#/stats`: pick an event; `#/stats/<id>`: that event's figures with charts. */
export function EventStatsScreen({ id }: { id?: string | undefined }) {
  return id ? <StatsOfEvent id={id} /> : <EventPicker />
}

function EventStatusBadge({ event }: { event: EventSummary }) {
  const { t } = useI18n()
  const status = eventStatusOf(event)
  return <span className={`badge badge-event-${status}`}>{t(`stats.eventStatus.${status}`)}</span>
}

function EventPicker() {
  const { t, dateTime } = useI18n()
  const [status, setStatus] = useState<EventStatus | ''>('')
  const pages = useEventPages(status)
  const events = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data])
  return (
    <section aria-labelledby="stats-title">
      <ScreenTitle id="stats-title">{t('stats.title')}</ScreenTitle>
      <p>{t('stats.pick')}</p>
      <form className="filters" role="search" aria-label={t('stats.filterStatus')} onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="stats-status">{t('stats.filterStatus')}</label>
          <select id="stats-status" value={status} onChange={(event) => setStatus(event.target.value as EventStatus | '')}>
            <option value="">{t('stats.anyStatus')}</option>
            {EVENT_STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`stats.eventStatus.${value}`)}
              </option>
            ))}
          </select>
        </div>
      </form>
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : events.length === 0 ? (
        !pages.isError && <p className="empty">{t('stats.noEvents')}</p>
      ) : (
        <div className="table-wrap">
          <table className="stats-events">
            <caption>{t('stats.eventsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('stats.eventName')}</th>
                <th scope="col">{t('stats.filterStatus')}</th>
                <th scope="col">{t('stats.eventWindow')}</th>
                <th scope="col">{t('stats.eventRecurrence')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id} data-event-id={event.id}>
                  <td>
                    <a href={hrefOf({ screen: 'stats', id: event.id })} aria-label={t('stats.openStats', { name: event.name })}>
                      {event.name}
                    </a>
                  </td>
                  <td>
                    <EventStatusBadge event={event} />
                  </td>
                  <td>{t('stats.windowValue', { from: dateTime(event.startedAt), to: dateTime(event.endedAt) })}</td>
                  <td>{t(`stats.recurrence.${event.recurrence?.every ?? 'none'}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.hasNextPage && (
        <div className="more">
          <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
            {pages.isFetchingNextPage ? t('app.loading') : t('queue.more')}
          </button>
        </div>
      )}
    </section>
  )
}

/** A bundle's name for the charts: its own, else what it grants, else its id. */
function useBundleName(rewards: Reward[] | undefined) {
  const { t } = useI18n()
  const rewardText = useRewardText()
  return (rewardId: string): string => {
    const reward = rewards?.find((candidate) => candidate.id === rewardId)
    if (reward?.name) return reward.name
    if (reward && reward.contents.length > 0) return reward.contents.map(rewardText).join(', ')
    return t('stats.bundleUnnamed', { id: shortId(rewardId) })
  }
}

function StatsOfEvent({ id }: { id: string }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  const event = useEvent(id)
  const [periodKey, setPeriodKey] = useState<string>('')
  const periods = useMemo(() => (event.data ? periodKeysOf(event.data) : undefined), [event.data])
  // '' is the current period; an ended event has none and opens on its last one instead.
  const shownKey = periodKey || (periods?.current === null ? (periods.past[0] ?? '') : '')
  const stats = useEventStats(id, shownKey || undefined, periods !== undefined)
  // Names, contents and stock of the bundles: read again with the stats.
  const rewards = useBundles(id, { refetchInterval: STATS_REFRESH_MS })
  const bundleName = useBundleName(rewards.data)
  const name = event.data?.name ?? shortId(id)

  return (
    <section aria-labelledby="stats-title" className="insights">
      <p className="crumb">
        <a href={hrefOf({ screen: 'stats' })}>← {t('stats.back')}</a>
      </p>
      <ScreenTitle id="stats-title">{t('stats.eventTitle', { name })}</ScreenTitle>
      {event.isError && <ErrorNote error={event.error} />}
      {event.data && (
        <p className="stats-about">
          <EventStatusBadge event={event.data} /> {t('stats.windowValue', { from: dateTime(event.data.startedAt), to: dateTime(event.data.endedAt) })} ·{' '}
          {t(`stats.recurrence.${event.data.recurrence?.every ?? 'none'}`)} · {t('stats.timezone', { zone: event.data.timezone })}
          {session.canDecide && (
            <>
              {' '}
              · <a href={hrefOf({ screen: 'event', id })}>{t('stats.edit')}</a>
            </>
          )}
        </p>
      )}
      <div className="stats-controls">
        {event.data && periods && <PeriodPicker event={event.data} periods={periods} value={shownKey} onChange={setPeriodKey} />}
        <button
          type="button"
          className="secondary"
          disabled={stats.isFetching}
          onClick={() => {
            void stats.refetch()
            void rewards.refetch()
          }}
        >
          {t('stats.refresh')}
        </button>
        {stats.dataUpdatedAt > 0 && (
          <p className="hint" aria-live="off">
            {t('stats.updatedAt', { at: dateTime(new Date(stats.dataUpdatedAt).toISOString()) })}
          </p>
        )}
      </div>
      {stats.isError && !event.isError && <ErrorNote error={stats.error} />}
      {rewards.isError && <ErrorNote error={rewards.error} />}
      {stats.isPending && !stats.isError && !event.isError && <p role="status">{t('app.loading')}</p>}
      {stats.data && (
        <>
          <ChartPatterns />
          <Summary stats={stats.data} />
          <BundleStatusFigure stats={stats.data} bundleName={bundleName} />
          <StockFigure stats={stats.data} rewards={rewards.data} bundleName={bundleName} />
          <DaysFigure stats={stats.data} />
          {event.data && <ConditionsFigure stats={stats.data} event={event.data} />}
        </>
      )}
    </section>
  )
}

function PeriodPicker({ event, periods, value, onChange }: { event: EventSummary; periods: ReturnType<typeof periodKeysOf>; value: string; onChange(key: string): void }) {
  const { t } = useI18n()
  const { current, past } = periods
  if (!event.recurrence) return <p className="hint">{t('stats.periodWhole')}</p>
  return (
    <div className="field">
      <label htmlFor="stats-period">{t('stats.period')}</label>
      <select id="stats-period" value={value} onChange={(change) => onChange(change.target.value)}>
        {current !== null && <option value="">{t('stats.periodCurrent', { key: current })}</option>}
        {past.map((key) => (
          <option key={key} value={key}>
            {key}
          </option>
        ))}
      </select>
    </div>
  )
}

const claimsOf = (bundle: EventStats['bundles'][number]) => SEGMENT_ORDER.reduce((sum, segment) => sum + bundle.claims[segment], 0)

function useMilliseconds() {
  const { t, number } = useI18n()
  return (ms: number | null) =>
    ms === null ? t('stats.deliveryNone') : ms < 1000 ? t('stats.ms', { ms: number(Math.round(ms)) }) : t('stats.seconds', { s: number(Math.round(ms / 100) / 10) })
}

function Summary({ stats }: { stats: EventStats }) {
  const { t, number } = useI18n()
  const milliseconds = useMilliseconds()
  const total = stats.bundles.reduce((sum, bundle) => sum + claimsOf(bundle), 0)
  return (
    <section className="panel" aria-labelledby="stats-summary">
      <h2 id="stats-summary">{t('stats.summary')}</h2>
      <dl className="stat-tiles">
        <div>
          <dt>{t('stats.participants')}</dt>
          <dd data-stat="participants">{number(stats.participants)}</dd>
          <dd className="hint">{t('stats.participantsHelp')}</dd>
        </div>
        <div>
          <dt>{t('stats.claimsTotal')}</dt>
          <dd data-stat="claims">{number(total)}</dd>
        </div>
        <div>
          <dt>{t('stats.deliveryP50')}</dt>
          <dd data-stat="p50">{milliseconds(stats.deliveryMs.p50)}</dd>
        </div>
        <div>
          <dt>{t('stats.deliveryP95')}</dt>
          <dd data-stat="p95">{milliseconds(stats.deliveryMs.p95)}</dd>
        </div>
      </dl>
      <p className="hint">{t('stats.deliveryHelp')}</p>
    </section>
  )
}

function BundleStatusFigure({ stats, bundleName }: { stats: EventStats; bundleName(id: string): string }) {
  const { t, number } = useI18n()
  if (stats.bundles.length === 0) {
    return <EmptyFigure id="stats-bundles" title={t('stats.bundlesTitle')} note={t('stats.bundlesNone')} />
  }
  const rows: StackedRow[] = stats.bundles.map((bundle) => ({ key: bundle.rewardId, label: bundleName(bundle.rewardId), segments: bundle.claims }))
  const summary = t('stats.bundlesChart', {
    list: rows
      .map((row) =>
        t('stats.bundleChartRow', {
          bundle: row.label,
          counts: SEGMENT_ORDER.map((segment) => `${t(`status.${segment}`)} ${number(row.segments[segment])}`).join(', ')
        })
      )
      .join('; ')
  })
  return (
    <ChartFigure
      id="stats-bundles"
      title={t('stats.bundlesTitle')}
      tableOpen
      note={
        <ul className="legend" aria-label={t('stats.legend')}>
          {SEGMENT_ORDER.map((segment) => (
            <li key={segment}>
              <Swatch segment={segment} /> {t(`status.${segment}`)}
            </li>
          ))}
        </ul>
      }
      chart={<StackedBars rows={rows} summary={summary} />}
      table={
        <div className="table-wrap">
          <DataTable
            className="stats-bundles"
            caption={t('stats.bundlesCaption')}
            rowHead={t('stats.bundle')}
            columns={[
              ...SEGMENT_ORDER.map((segment) => ({
                key: segment,
                head: (
                  <>
                    <Swatch segment={segment} /> {t(`status.${segment}`)}
                  </>
                )
              })),
              { key: 'total', head: t('stats.total') },
              { key: 'left', head: t('stats.left') }
            ]}
            rows={stats.bundles.map((bundle) => ({
              key: bundle.rewardId,
              hooks: { 'data-reward-id': bundle.rewardId },
              label: bundleName(bundle.rewardId),
              cells: { ...bundle.claims, total: claimsOf(bundle), left: bundle.stockLeft ?? t('stats.unlimited') }
            }))}
          />
        </div>
      }
    />
  )
}

function StockFigure({ stats, rewards, bundleName }: { stats: EventStats; rewards: Reward[] | undefined; bundleName(id: string): string }) {
  const { t, number } = useI18n()
  const stocked = stats.bundles.flatMap((bundle) => {
    const stock = rewards?.find((reward) => reward.id === bundle.rewardId)?.stock ?? null
    if (stock === null || bundle.stockLeft === null) return []
    return [{ rewardId: bundle.rewardId, label: bundleName(bundle.rewardId), stock, left: bundle.stockLeft, used: stock - bundle.stockLeft }]
  })
  if (stocked.length === 0) {
    return <EmptyFigure id="stats-stock" title={t('stats.stockTitle')} note={t('stats.stockNone')} />
  }
  const rowText = (row: (typeof stocked)[number]) => t('stats.stockChartRow', { bundle: row.label, used: number(row.used), left: number(row.left), stock: number(row.stock) })
  return (
    <ChartFigure
      id="stats-stock"
      title={t('stats.stockTitle')}
      note={
        <ul className="legend" aria-label={t('stats.legend')}>
          <li>
            <Swatch segment="used" /> {t('stats.used')}
          </li>
          <li>
            <Swatch segment="rest" /> {t('stats.left')}
          </li>
        </ul>
      }
      chart={
        <MeterBars
          summary={t('stats.stockChart', { list: stocked.map(rowText).join('; ') })}
          rows={stocked.map((row) => ({ key: row.rewardId, label: row.label, value: row.used, total: row.stock, text: `${number(row.used)} / ${number(row.stock)}` }))}
        />
      }
      table={
        <DataTable
          className="stats-stock"
          caption={t('stats.stockCaption')}
          rowHead={t('stats.bundle')}
          columns={[
            { key: 'stock', head: t('stats.stock') },
            { key: 'used', head: t('stats.used') },
            { key: 'left', head: t('stats.left') }
          ]}
          rows={stocked.map((row) => ({ key: row.rewardId, hooks: { 'data-reward-id': row.rewardId }, label: row.label, cells: { stock: row.stock, used: row.used, left: row.left } }))}
        />
      }
    />
  )
}

function DaysFigure({ stats }: { stats: EventStats }) {
  const { t, number } = useI18n()
  const days = everyDay(stats.claimsPerDay)
  if (days.length === 0) {
    return <EmptyFigure id="stats-days" title={t('stats.daysTitle')} note={t('stats.daysNone')} />
  }
  return (
    <ChartFigure
      id="stats-days"
      title={t('stats.daysTitle')}
      chart={<DayColumns days={days} summary={t('stats.daysChart', { list: stats.claimsPerDay.map((day) => `${day.day} ${number(day.count)}`).join(', ') })} />}
      table={
        <DataTable
          className="stats-days"
          caption={t('stats.daysCaption')}
          rowHead={t('stats.day')}
          columns={[{ key: 'count', head: t('stats.count') }]}
          rows={stats.claimsPerDay.map((day) => ({ key: day.day, hooks: { 'data-day': day.day }, label: day.day, cells: { count: day.count } }))}
        />
      }
    />
  )
}

function ConditionsFigure({ stats, event }: { stats: EventStats; event: EventSummary }) {
  const { t, number } = useI18n()
  if (stats.conditions.length === 0) {
    return <EmptyFigure id="stats-conditions" title={t('stats.conditionsTitle')} note={t('stats.conditionsNone')} />
  }
  const rows = stats.conditions.map((condition) => {
    const defined = event.contents[condition.index]
    return { index: condition.index, label: defined ? conditionText(defined, t, number) : condition.type, holding: condition.holding }
  })
  const of = (n: number) => t('stats.ofParticipants', { n: number(n), total: number(stats.participants) })
  return (
    <ChartFigure
      id="stats-conditions"
      title={t('stats.conditionsTitle')}
      chart={
        <MeterBars
          summary={t('stats.conditionsChart', { list: rows.map((row) => `${row.label}: ${of(row.holding)}`).join('; ') })}
          rows={rows.map((row) => ({ key: String(row.index), label: row.label, value: row.holding, total: stats.participants, text: of(row.holding) }))}
        />
      }
      table={
        <DataTable
          className="stats-conditions"
          caption={t('stats.conditionsCaption')}
          rowHead={t('stats.condition')}
          columns={[
            { key: 'holding', head: t('stats.holding') },
            { key: 'participants', head: t('stats.participants') }
          ]}
          rows={rows.map((row) => ({
            key: String(row.index),
            hooks: { 'data-condition-index': String(row.index) },
            label: row.label,
            cells: { holding: row.holding, participants: stats.participants }
          }))}
        />
      }
    />
  )
}
