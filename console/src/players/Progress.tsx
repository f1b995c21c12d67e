import { ErrorNote, shortId } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useProgress, type ConditionProgress, type UserEvent } from './data.js'
import { useConditionName, useStandingText } from './sentences.js'

/** Progress per live event, in its current period: each condition and each bundle's standing. */
export function ProgressSection({ userId }: { userId: string }) {
  const { t } = useI18n()
  const pages = useProgress(userId)
  const events = pages.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <section className="panel" aria-labelledby="progress-title" data-section="progress" aria-busy={pages.isFetching}>
      <h2 id="progress-title">{t('players.progress')}</h2>
      <p className="hint">{t('players.progressHint')}</p>
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending && <p role="status">{t('app.loading')}</p>}
      {pages.isSuccess && events.length === 0 && <p className="empty">{t('players.progressNone')}</p>}
      {events.map((event) => (
        <EventProgress key={event.eventId} event={event} />
      ))}
      {pages.hasNextPage && (
        <p className="more">
          <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
            {pages.isFetchingNextPage ? t('app.loading') : t('players.moreEvents')}
          </button>
        </p>
      )}
    </section>
  )
}

function EventProgress({ event }: { event: UserEvent }) {
  const { t, dateTime, number } = useI18n()
  const standingText = useStandingText()
  const headingId = `progress-${event.eventId}`
  return (
    <article className="event-progress" aria-labelledby={headingId} data-event-id={event.eventId}>
      <h3 id={headingId}>{event.eventName}</h3>
      <dl className="facts facts-inline">
        <dt>{t('players.period')}</dt>
        <dd>{event.periodKey === 'all' ? t('detail.periodAll') : event.periodKey}</dd>
        <dt>{t('players.resetsAt')}</dt>
        <dd>{event.resetsAt ? dateTime(event.resetsAt) : t('players.never')}</dd>
        <dt>{t('players.updatedAt')}</dt>
        <dd>{dateTime(event.updatedAt)}</dd>
      </dl>
      <Conditions conditions={event.conditions} caption={t('players.eventConditions', { event: event.eventName })} />
      {(event.bundles ?? []).length > 0 && (
        <ul className="bundles">
          {(event.bundles ?? []).map((bundle) => (
            <li key={bundle.rewardId} data-reward-id={bundle.rewardId} data-claimable={bundle.claimable === true ? 'true' : bundle.claimable}>
              <p className="bundle-name">
                <strong>{bundle.name ?? t('players.bundleUnnamed', { id: shortId(bundle.rewardId) })}</strong>
                {bundle.stockLeft !== null && <span className="hint"> · {t('players.stockLeft', { n: number(bundle.stockLeft) })}</span>}
              </p>
              <p className={bundle.claimable === true ? 'claimable claimable-yes' : 'claimable claimable-no'}>
                <span aria-hidden="true">{bundle.claimable === true ? '✓ ' : '✗ '}</span>
                <span className="claimable-text">{standingText(bundle, event.conditions)}</span>
                {bundle.claimId && (
                  <>
                    {' '}
                    <a href={hrefOf({ screen: 'claim', id: bundle.claimId })}>{t('players.openClaim', { id: shortId(bundle.claimId) })}</a>
                  </>
                )}
              </p>
              {bundle.conditions.length > 0 && (
                <Conditions conditions={bundle.conditions} caption={t('players.bundleConditions', { bundle: bundle.name ?? shortId(bundle.rewardId) })} />
              )}
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}

/** Conditions as a table: what is counted, the value so far, the target, whether it holds (in words). */
export function Conditions({ conditions, caption }: { conditions: readonly ConditionProgress[]; caption: string }) {
  const { t, number } = useI18n()
  const conditionName = useConditionName()
  if (conditions.length === 0) return null
  return (
    <table className="conditions">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('players.condition')}</th>
          <th scope="col">{t('players.value')}</th>
          <th scope="col">{t('players.target')}</th>
          <th scope="col">{t('players.holds')}</th>
        </tr>
      </thead>
      <tbody>
        {conditions.map((condition, index) => (
          <tr key={index} data-condition={condition.name}>
            <td>{conditionName(condition)}</td>
            <td>{number(condition.current)}</td>
            <td>{number(condition.target)}</td>
            <td className={condition.holds ? 'holds-yes' : 'holds-no'}>{condition.holds ? t('players.holdsYes') : t('players.holdsNo')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
