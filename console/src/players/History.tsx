import { useMemo, type ReactNode } from 'react'
import { DEFAULT_FILTERS, useClaimPages, useEvents } from '../claims.js'
import { ErrorNote, StatusBadge, shortId, useRewardText } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useGranted, type AwaitedGrant } from './data.js'

/** Event names by id, for the tables (the newest events; an older one shows its id). */
function useEventNames(): (id: string | null) => string {
  const { t } = useI18n()
  const events = useEvents()
  return useMemo(() => {
    const names = new Map((events.data?.items ?? []).map((event) => [event.id, event.name]))
    return (id) => (id === null ? t('players.grantKind') : (names.get(id) ?? shortId(id)))
  }, [events.data, t])
}

/** The part of an infinite query a paged table shows. */
interface Pages {
  isError: boolean
  error: unknown
  isPending: boolean
  isSuccess: boolean
  hasNextPage: boolean
  isFetchingNextPage: boolean
  fetchNextPage(): Promise<unknown>
}

/** A panel with one table over cursor pages: loading, error, empty, and "load more" below. */
function PagedTable(props: {
  section: string
  title: string
  caption: string
  empty: string
  more: string
  columns: readonly string[]
  count: number
  pages: Pages
  children: ReactNode
}) {
  const { t } = useI18n()
  const { section, pages, count } = props
  const titleId = `${section}-title`
  return (
    <section className="panel" aria-labelledby={titleId} data-section={section}>
      <h2 id={titleId}>{props.title}</h2>
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending && <p role="status">{t('app.loading')}</p>}
      {pages.isSuccess && count === 0 && <p className="empty">{props.empty}</p>}
      {count > 0 && (
        <>
          <div className="table-wrap">
            <table>
              <caption>{props.caption}</caption>
              <thead>
                <tr>
                  {props.columns.map((column) => (
                    <th key={column} scope="col">
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{props.children}</tbody>
            </table>
          </div>
          <p className="more">
            {pages.hasNextPage ? (
              <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                {pages.isFetchingNextPage ? t('app.loading') : props.more}
              </button>
            ) : (
              <span className="hint">{t('queue.end')}</span>
            )}
          </p>
        </>
      )}
    </section>
  )
}

/** The player's claims (make-good grants too), every status, newest first; each opens its detail. */
export function ClaimsSection({ userId }: { userId: string }) {
  const { t, dateTime } = useI18n()
  const rewardText = useRewardText()
  const eventName = useEventNames()
  const filters = useMemo(() => ({ ...DEFAULT_FILTERS, status: '' as const, userId }), [userId])
  const pages = useClaimPages(filters)
  const claims = pages.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <PagedTable
      section="claims"
      title={t('players.claims')}
      caption={t('players.claimsCaption')}
      empty={t('players.claimsNone')}
      more={t('queue.more')}
      columns={[t('queue.claimedAt'), t('queue.eventCol'), t('queue.rewards'), t('queue.statusCol')]}
      count={claims.length}
      pages={pages}
    >
      {claims.map((claim) => (
        <tr key={claim.id} data-claim-id={claim.id}>
          <td>
            <a href={hrefOf({ screen: 'claim', id: claim.id })}>{dateTime(claim.createdAt)}</a>
          </td>
          <td>{eventName(claim.eventId)}</td>
          <td>{claim.rewards.map(rewardText).join(', ')}</td>
          <td>
            <StatusBadge status={claim.status} />
          </td>
        </tr>
      ))}
    </PagedTable>
  )
}

/** What the player has received: completed claims and make-good grants (with their reason), newest first. */
export function GrantedSection({ userId, awaiting }: { userId: string; awaiting: AwaitedGrant | null }) {
  const { t, dateTime } = useI18n()
  const rewardText = useRewardText()
  const eventName = useEventNames()
  const pages = useGranted(userId, awaiting)
  const granted = pages.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <PagedTable
      section="granted"
      title={t('players.granted')}
      caption={t('players.grantedCaption')}
      empty={t('players.grantedNone')}
      more={t('players.moreGranted')}
      columns={[t('players.grantedAt'), t('players.source'), t('queue.rewards'), t('detail.reason')]}
      count={granted.length}
      pages={pages}
    >
      {granted.map((item) => (
        <tr key={item.id} data-granted-id={item.id} data-kind={item.kind}>
          <td>
            <a href={hrefOf({ screen: 'claim', id: item.id })}>{dateTime(item.grantedAt)}</a>
          </td>
          <td>{eventName(item.eventId)}</td>
          <td>{item.rewards.map(rewardText).join(', ')}</td>
          <td>{item.reason ?? t('detail.none')}</td>
        </tr>
      ))}
    </PagedTable>
  )
}
