import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react'
import type { Claim, ClaimStatus } from '../api.js'
import {
  DEFAULT_FILTERS,
  STATUS_ORDER,
  decideEach,
  isObjectId,
  useClaimPages,
  useEvents,
  type ClaimFilters,
  type DecisionResult
} from '../claims.js'
import { ErrorNote, Notice, ScreenTitle, StatusBadge, shortId, useRewardText } from '../components.js'
import { sentenceOf } from '../errors.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useStaff, type Session } from '../session.js'

type BulkDecision = 'approve' | 'reject' | 'retry'
/** Which claims a bulk decision applies to. */
const APPLIES: Record<BulkDecision, ClaimStatus> = { approve: 'pending', reject: 'pending', retry: 'failed' }

/** A claim this operator may act on from the queue: pending or failed, and not their own. */
const actionable = (claim: Claim, session: Session) =>
  session.canDecide && claim.userId !== session.userId && (claim.status === 'pending' || claim.status === 'failed')

export function ClaimsQueue() {
  const { t } = useI18n()
  const session = useStaff()
  const [filters, setFilters] = useState<ClaimFilters>(DEFAULT_FILTERS)
  const pages = useClaimPages(filters)
  const claims = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data])
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())

  const changeFilters = (next: ClaimFilters) => {
    setFilters(next)
    setSelected(new Set())
  }

  return (
    <section aria-labelledby="queue-title">
      <ScreenTitle id="queue-title">{t('queue.title')}</ScreenTitle>
      <Filters filters={filters} onChange={changeFilters} />
      {session.canDecide && <BulkBar claims={claims} selected={selected} onDone={() => setSelected(new Set())} />}
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : claims.length === 0 && !pages.isError ? (
        <p className="empty">{t('queue.empty')}</p>
      ) : (
        <ClaimTable claims={claims} selected={selected} onSelect={setSelected} />
      )}
      <MorePages
        hasMore={Boolean(pages.hasNextPage)}
        loading={pages.isFetchingNextPage}
        shown={claims.length > 0}
        onMore={() => {
          if (!pages.isFetchingNextPage) void pages.fetchNextPage()
        }}
      />
    </section>
  )
}

function Filters({ filters, onChange }: { filters: ClaimFilters; onChange(next: ClaimFilters): void }) {
  const { t } = useI18n()
  const events = useEvents()
  const [player, setPlayer] = useState(filters.userId)
  const playerInvalid = player !== '' && !isObjectId(player.trim())
  const set = (patch: Partial<ClaimFilters>) => onChange({ ...filters, ...patch })
  const submit = (event: FormEvent) => event.preventDefault()

  return (
    <form className="filters" role="search" aria-label={t('queue.filters')} onSubmit={submit}>
      <div className="field">
        <label htmlFor="f-status">{t('queue.status')}</label>
        <select id="f-status" value={filters.status} onChange={(event) => set({ status: event.target.value as ClaimFilters['status'] })}>
          {STATUS_ORDER.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
          <option value="">{t('queue.anyStatus')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-event">{t('queue.event')}</label>
        <select id="f-event" value={filters.eventId} onChange={(event) => set({ eventId: event.target.value })}>
          <option value="">{t('queue.anyEvent')}</option>
          {events.data?.items.map((event) => (
            <option key={event.id} value={event.id}>
              {event.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-player">{t('queue.player')}</label>
        <input
          id="f-player"
          value={player}
          inputMode="text"
          spellCheck={false}
          autoComplete="off"
          placeholder={t('queue.playerHint')}
          aria-invalid={playerInvalid}
          aria-describedby={playerInvalid ? 'f-player-error' : undefined}
          onChange={(event) => {
            const value = event.target.value
            setPlayer(value)
            const id = value.trim()
            if (id === '' || isObjectId(id)) set({ userId: id })
          }}
        />
        {playerInvalid && (
          <span id="f-player-error" className="field-error">
            {t('queue.playerInvalid')}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor="f-from">{t('queue.from')}</label>
        <input id="f-from" type="date" value={filters.from} max={filters.to || undefined} onChange={(event) => set({ from: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="f-to">{t('queue.to')}</label>
        <input id="f-to" type="date" value={filters.to} min={filters.from || undefined} onChange={(event) => set({ to: event.target.value })} />
      </div>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setPlayer('')
          onChange(DEFAULT_FILTERS)
        }}
      >
        {t('queue.clear')}
      </button>
    </form>
  )
}

function ClaimTable({ claims, selected, onSelect }: { claims: Claim[]; selected: ReadonlySet<string>; onSelect(next: ReadonlySet<string>): void }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  const events = useEvents()
  const rewardText = useRewardText()
  const eventName = (id: string) => events.data?.items.find((event) => event.id === id)?.name ?? shortId(id)
  const selectable = claims.filter((claim) => actionable(claim, session))
  const allSelected = selectable.length > 0 && selectable.every((claim) => selected.has(claim.id))
  const toggle = (id: string) => {
    const next = new Set(selected)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    onSelect(next)
  }

  return (
    <div className="table-wrap">
      <table className="claims">
        <caption>{t('queue.caption')}</caption>
        <thead>
          <tr>
            {session.canDecide && (
              <th scope="col" className="select">
                <input
                  type="checkbox"
                  aria-label={t('queue.selectAll')}
                  checked={allSelected}
                  disabled={selectable.length === 0}
                  onChange={() => onSelect(allSelected ? new Set() : new Set(selectable.map((claim) => claim.id)))}
                />
              </th>
            )}
            <th scope="col">{t('queue.claimedAt')}</th>
            <th scope="col">{t('queue.playerCol')}</th>
            <th scope="col">{t('queue.eventCol')}</th>
            <th scope="col">{t('queue.rewards')}</th>
            <th scope="col">{t('queue.statusCol')}</th>
            <th scope="col">{t('queue.delivery')}</th>
          </tr>
        </thead>
        <tbody>
          {claims.map((claim) => (
            <tr key={claim.id} data-claim-id={claim.id} className={selected.has(claim.id) ? 'selected' : undefined}>
              {session.canDecide && (
                <td className="select">
                  {actionable(claim, session) && (
                    <input
                      type="checkbox"
                      aria-label={t('queue.selectClaim', { id: shortId(claim.id) })}
                      checked={selected.has(claim.id)}
                      onChange={() => toggle(claim.id)}
                    />
                  )}
                </td>
              )}
              <td>
                <a href={hrefOf({ screen: 'claim', id: claim.id })}>
                  {dateTime(claim.createdAt)}
                  <span className="visually-hidden"> — {t('queue.open', { id: shortId(claim.id) })}</span>
                </a>
              </td>
              <td>
                <code>{shortId(claim.userId)}</code>
                {claim.userId === session.userId && <small className="own"> ({t('queue.own')})</small>}
              </td>
              <td>{claim.eventId === null ? t('detail.grant') : eventName(claim.eventId)}</td>
              <td>{claim.rewards.map(rewardText).join(', ')}</td>
              <td>
                <StatusBadge status={claim.status} />
                {/* A failed claim's reason is the delivery system's answer, shown under Delivery. */}
                {claim.reason && claim.reason !== claim.delivery.lastError && <div className="reason">{claim.reason}</div>}
              </td>
              <td>
                <DeliveryCell claim={claim} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function DeliveryCell({ claim }: { claim: Claim }) {
  const { t } = useI18n()
  const { delivery } = claim
  if (claim.status === 'pending' || claim.status === 'rejected') return <span aria-label={t('detail.none')}>{t('detail.none')}</span>
  return (
    <>
      <span>{delivery.attempts === 1 ? t('queue.attemptOne') : t('queue.attempts', { n: delivery.attempts })}</span>
      {claim.status === 'failed' && delivery.outcome && <div className={`outcome outcome-${delivery.outcome}`}>{t(`outcome.${delivery.outcome}`)}</div>}
      {claim.status !== 'completed' && delivery.lastError && <div className="reason">{delivery.lastError}</div>}
    </>
  )
}

function BulkBar({ claims, selected, onDone }: { claims: Claim[]; selected: ReadonlySet<string>; onDone(): void }) {
  const i18n = useI18n()
  const { t } = i18n
  const queryClient = useQueryClient()
  const reasonId = useId()
  const [rejecting, setRejecting] = useState(false)
  const [reason, setReason] = useState('')
  const [progress, setProgress] = useState<{ decision: BulkDecision; done: number; total: number } | null>(null)
  const [outcome, setOutcome] = useState<{ decision: BulkDecision; results: DecisionResult[] } | null>(null)
  const reasonRef = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    if (rejecting) reasonRef.current?.focus()
  }, [rejecting])

  const chosen = claims.filter((claim) => selected.has(claim.id))
  const idsFor = (decision: BulkDecision) => chosen.filter((claim) => claim.status === APPLIES[decision]).map((claim) => claim.id)
  const busy = progress !== null

  async function run(decision: BulkDecision) {
    const ids = idsFor(decision)
    if (ids.length === 0) return
    setOutcome(null)
    setProgress({ decision, done: 0, total: ids.length })
    const results = await decideEach(decision, ids, reason.trim(), (done) => setProgress({ decision, done, total: ids.length }))
    setProgress(null)
    setOutcome({ decision, results })
    setRejecting(false)
    setReason('')
    onDone()
    await queryClient.invalidateQueries({ queryKey: ['claims'] })
    await queryClient.invalidateQueries({ queryKey: ['claim'] })
  }

  const pendingCount = idsFor('approve').length
  const failedCount = idsFor('retry').length
  return (
    <section className="bulk" aria-label={t('bulk.label')}>
      <p className="bulk-count">{chosen.length === 0 ? t('bulk.none') : t('bulk.selected', { n: chosen.length })}</p>
      <div className="bulk-buttons">
        <button type="button" disabled={busy || pendingCount === 0} onClick={() => void run('approve')}>
          {t('bulk.approve')}
        </button>
        <button type="button" className="danger" disabled={busy || pendingCount === 0} aria-expanded={rejecting} onClick={() => setRejecting(true)}>
          {t('bulk.reject')}
        </button>
        <button type="button" className="secondary" disabled={busy || failedCount === 0} onClick={() => void run('retry')}>
          {t('bulk.retry')}
        </button>
      </div>
      {rejecting && (
        <form
          className="reason-form"
          onSubmit={(event) => {
            event.preventDefault()
            if (reason.trim()) void run('reject')
          }}
        >
          <label htmlFor={reasonId}>{t('bulk.reason')}</label>
          <textarea id={reasonId} ref={reasonRef} required maxLength={500} rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
          <div className="bulk-buttons">
            <button type="submit" className="danger" disabled={busy || !reason.trim() || pendingCount === 0}>
              {t('bulk.confirmReject', { n: pendingCount })}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setRejecting(false)}>
              {t('bulk.cancel')}
            </button>
          </div>
        </form>
      )}
      {progress && (
        <div className="progress" role="status">
          <label htmlFor="bulk-progress">{t(`bulk.progress.${progress.decision}`, { done: progress.done, total: progress.total })}</label>
          <progress id="bulk-progress" max={progress.total} value={progress.done} />
        </div>
      )}
      {outcome && <BulkOutcome decision={outcome.decision} results={outcome.results} sentence={(result) => sentenceOf(result.error, i18n, result.currentStatus ? t(`status.${result.currentStatus}`) : undefined)} />}
    </section>
  )
}

function BulkOutcome({ decision, results, sentence }: { decision: BulkDecision; results: DecisionResult[]; sentence(result: DecisionResult): string }) {
  const { t } = useI18n()
  const failures = results.filter((result) => !result.ok)
  const summary = t(`bulk.done.${decision}`, { ok: results.length - failures.length, total: results.length })
  if (failures.length === 0) return <Notice>{summary}</Notice>
  return (
    <div className="note note-error" role="alert">
      <p>{summary}</p>
      <ul>
        {failures.map((result) => (
          <li key={result.id}>{t('bulk.failedOne', { id: shortId(result.id), sentence: sentence(result) })}</li>
        ))}
      </ul>
    </div>
  )
}

/** Infinite paging: the next page loads when the end of the list scrolls into view (or on the button). */
function MorePages({ hasMore, loading, shown, onMore }: { hasMore: boolean; loading: boolean; shown: boolean; onMore(): void }) {
  const { t } = useI18n()
  const sentinel = useRef<HTMLDivElement>(null)
  const onMoreRef = useRef(onMore)
  onMoreRef.current = onMore
  useEffect(() => {
    const element = sentinel.current
    if (!element || !hasMore) return
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onMoreRef.current()
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [hasMore])
  if (!shown) return null
  return (
    <div className="more" ref={sentinel}>
      {hasMore ? (
        <button type="button" className="secondary" disabled={loading} onClick={onMore}>
          {loading ? t('app.loading') : t('queue.more')}
        </button>
      ) : (
        <p className="hint">{t('queue.end')}</p>
      )}
    </div>
  )
}
