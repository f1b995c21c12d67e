import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import type { ClaimDetail, ClaimStatus, ClaimTransition } from '../api.js'
import { decide, statusAfterRefusal, useClaim, useEventName, type Decision } from '../claims.js'
import { ErrorNote, Notice, ScreenTitle, StatusBadge, shortId, useRewardText } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useStaff } from '../session.js'

export function ClaimDetailScreen({ id }: { id: string }) {
  const { t } = useI18n()
  const claim = useClaim(id)
  return (
    <section aria-labelledby="claim-title">
      <p className="crumb">
        <a href={hrefOf({ screen: 'claims' })}>← {t('detail.back')}</a>
      </p>
      <ScreenTitle id="claim-title">{t('detail.title', { id: shortId(id) })}</ScreenTitle>
      {claim.isError && <ErrorNote error={claim.error} />}
      {claim.isPending && <p role="status">{t('app.loading')}</p>}
      {claim.data && <ClaimView claim={claim.data} />}
    </section>
  )
}

function ClaimView({ claim }: { claim: ClaimDetail }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  const eventName = useEventName(claim.eventId)
  const rewardText = useRewardText()
  const { delivery } = claim
  const none = t('detail.none')
  const [result, setResult] = useState<DecisionOutcome | null>(null)
  return (
    <>
      <div className="columns">
        <section className="panel" aria-labelledby="summary-title">
          <h2 id="summary-title">{t('detail.summary')}</h2>
          <dl className="facts">
            <dt>{t('detail.status')}</dt>
            <dd>
              <StatusBadge status={claim.status} />
            </dd>
            <dt>{t('detail.player')}</dt>
            <dd>
              <code>{claim.userId}</code>
            </dd>
            <dt>{t('detail.event')}</dt>
            <dd>
              {claim.eventId === null ? t('detail.grant') : <>{eventName ?? ''} <code>{claim.eventId}</code></>}
            </dd>
            <dt>{t('detail.bundle')}</dt>
            <dd>
              {claim.rewardId === null ? none : <code>{claim.rewardId}</code>}
            </dd>
            <dt>{t('detail.period')}</dt>
            <dd>{claim.periodKey === 'all' ? t('detail.periodAll') : claim.periodKey}</dd>
            <dt>{t('detail.created')}</dt>
            <dd>{dateTime(claim.createdAt)}</dd>
            <dt>{t('detail.updated')}</dt>
            <dd>{dateTime(claim.updatedAt)}</dd>
            {claim.reason && (
              <>
                <dt>{t('detail.reason')}</dt>
                <dd>{claim.reason}</dd>
              </>
            )}
          </dl>
        </section>
        <section className="panel" aria-labelledby="rewards-title">
          <h2 id="rewards-title">{t('detail.rewards')}</h2>
          <ul className="rewards">
            {claim.rewards.map((reward, index) => (
              <li key={index}>{rewardText(reward)}</li>
            ))}
          </ul>
          <h2 id="delivery-title">{t('detail.deliveryTitle')}</h2>
          <dl className="facts" aria-labelledby="delivery-title">
            <dt>{t('detail.attempts')}</dt>
            <dd>{delivery.attempts}</dd>
            <dt>{t('detail.queuedAt')}</dt>
            <dd>{dateTime(delivery.queuedAt)}</dd>
            <dt>{t('detail.nextAttempt')}</dt>
            <dd>{dateTime(delivery.nextAttemptAt)}</dd>
            <dt>{t('detail.acceptedAt')}</dt>
            <dd>{dateTime(delivery.acceptedAt)}</dd>
            <dt>{t('detail.completedAt')}</dt>
            <dd>{dateTime(delivery.completedAt)}</dd>
            {delivery.outcome && (
              <>
                <dt>{t('detail.outcome')}</dt>
                <dd className={`outcome outcome-${delivery.outcome}`}>{t(`outcome.${delivery.outcome}`)}</dd>
              </>
            )}
            <dt>{t('detail.lastError')}</dt>
            <dd>{delivery.lastError ?? none}</dd>
          </dl>
        </section>
      </div>
      {session.canDecide && (claim.status === 'pending' || claim.status === 'failed') && <Actions claim={claim} onResult={setResult} />}
      {/* Outside the actions: they go away once the decision moved the claim on. */}
      {result && 'done' in result && <Notice>{t(DONE[result.done])}</Notice>}
      {result && 'error' in result && (
        <ErrorNote error={result.error} currentStatus={result.currentStatus ? t(`status.${result.currentStatus}`) : undefined} />
      )}
      <AuditTrail transitions={claim.transitions} playerId={claim.userId} />
    </>
  )
}

type DecisionOutcome = { done: Decision } | { error: unknown; currentStatus?: ClaimStatus | undefined }
const DONE = { approve: 'detail.approved', reject: 'detail.rejected', retry: 'detail.retried', resolve: 'detail.resolved' } as const

/** The decisions open on this claim (rendered for OPERATOR and ADMIN only). */
function Actions({ claim, onResult }: { claim: ClaimDetail; onResult(outcome: DecisionOutcome | null): void }) {
  const { t } = useI18n()
  const session = useStaff()
  const queryClient = useQueryClient()
  const [open, setOpen] = useState<'reject' | 'resolve' | null>(null)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const textRef = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    if (open) textRef.current?.focus()
  }, [open])

  if (claim.userId === session.userId) {
    return (
      <section className="panel" aria-labelledby="actions-title">
        <h2 id="actions-title">{t('detail.actions')}</h2>
        <p>{t('detail.ownClaim')}</p>
      </section>
    )
  }

  async function run(decision: Decision) {
    setBusy(true)
    onResult(null)
    try {
      await decide(decision, claim.id, text.trim())
      onResult({ done: decision })
      setOpen(null)
      setText('')
    } catch (error) {
      onResult({ error, currentStatus: await statusAfterRefusal(claim.id, error) })
    }
    setBusy(false)
    await queryClient.invalidateQueries({ queryKey: ['claim', claim.id] })
    await queryClient.invalidateQueries({ queryKey: ['claims'] })
  }

  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('detail.actions')}</h2>
      <div className="bulk-buttons">
        {claim.status === 'pending' ? (
          <>
            <button type="button" disabled={busy} onClick={() => void run('approve')}>
              {t('detail.approve')}
            </button>
            <button type="button" className="danger" disabled={busy} aria-expanded={open === 'reject'} onClick={() => setOpen('reject')}>
              {t('detail.reject')}
            </button>
          </>
        ) : (
          <>
            <button type="button" disabled={busy} onClick={() => void run('retry')}>
              {t('detail.retry')}
            </button>
            <button type="button" className="secondary" disabled={busy} aria-expanded={open === 'resolve'} onClick={() => setOpen('resolve')}>
              {t('detail.resolve')}
            </button>
          </>
        )}
      </div>
      {open && (
        <form
          className="reason-form"
          onSubmit={(event) => {
            event.preventDefault()
            if (text.trim()) void run(open)
          }}
        >
          {open === 'resolve' && <p className="hint">{t('detail.resolveHelp')}</p>}
          <label htmlFor="decision-text">{open === 'reject' ? t('detail.rejectReason') : t('detail.resolveNote')}</label>
          <textarea id="decision-text" ref={textRef} required maxLength={1000} rows={3} value={text} onChange={(event) => setText(event.target.value)} />
          <div className="bulk-buttons">
            <button type="submit" className={open === 'reject' ? 'danger' : undefined} disabled={busy || !text.trim()}>
              {open === 'reject' ? t('detail.confirmReject') : t('detail.confirmResolve')}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setOpen(null)}>
              {t('bulk.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

function AuditTrail({ transitions, playerId }: { transitions: ClaimTransition[]; playerId: string }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  /** Who made a change, in words where the console knows them, else the account id. */
  const who = (by: string) => {
    if (by === session.userId) return t('detail.you')
    if (by === 'system:delivery') return t('detail.system')
    if (by === 'staff') return t('detail.staff')
    if (by === playerId) return t('detail.thePlayer')
    return <code>{by}</code>
  }
  return (
    <section className="panel" aria-labelledby="trail-title">
      <h2 id="trail-title">{t('detail.trail')}</h2>
      <table className="trail">
        <caption className="visually-hidden">{t('detail.trailCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('detail.at')}</th>
            <th scope="col">{t('detail.by')}</th>
            <th scope="col">{t('detail.change')}</th>
            <th scope="col">{t('detail.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {transitions.map((transition, index) => (
            <tr key={index}>
              <td>{dateTime(transition.at)}</td>
              <td>{who(transition.by)}</td>
              <td>
                {transition.from ? (
                  <>
                    <StatusBadge status={transition.from} /> → <StatusBadge status={transition.to} />
                  </>
                ) : (
                  <>
                    {t('detail.created.row')} → <StatusBadge status={transition.to} />
                  </>
                )}
              </td>
              <td>{transition.reason ?? t('detail.none')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
