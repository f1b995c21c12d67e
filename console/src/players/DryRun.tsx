import { useId, useState, type FormEvent } from 'react'
import { useBundles } from '../catalog.js'
import { useEvents } from '../claims.js'
import { ErrorNote, shortId } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { dryRun, type Eligibility, type EligibilityReason } from './data.js'
import { Conditions } from './Progress.js'
import { REFUSAL_KEYS, useConditionText } from './sentences.js'

/**
 * "Why can't this player claim?": pick an event and one of its bundles, and the API judges a claim
 * made now exactly as a real one would, giving every reason instead of the first. Read-only, so
 * an AUDITOR may use it too.
 */
export function DryRunSection({ userId }: { userId: string }) {
  const { t } = useI18n()
  const formId = useId()
  const events = useEvents()
  const [eventId, setEventId] = useState('')
  const [rewardId, setRewardId] = useState('')
  const bundles = useBundles(eventId, { enabled: eventId.length > 0 })
  const [outcome, setOutcome] = useState<{ result: Eligibility } | { error: unknown } | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (!rewardId) return
    setBusy(true)
    setOutcome(null)
    try {
      setOutcome({ result: await dryRun(rewardId, userId) })
    } catch (error) {
      setOutcome({ error })
    }
    setBusy(false)
  }

  return (
    <section className="panel" aria-labelledby="dry-run-title" data-section="dry-run">
      <h2 id="dry-run-title">{t('players.dryRun')}</h2>
      <p className="hint">{t('players.dryRunHint')}</p>
      <form className="dry-run-form" onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${formId}-event`}>{t('players.dryRunEvent')}</label>
          <select
            id={`${formId}-event`}
            data-field="dry-run-event"
            value={eventId}
            onChange={(event) => {
              setEventId(event.target.value)
              setRewardId('')
              setOutcome(null)
            }}
          >
            <option value="">{t('players.choose')}</option>
            {(events.data?.items ?? []).map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${formId}-bundle`}>{t('players.dryRunBundle')}</label>
          <select
            id={`${formId}-bundle`}
            data-field="dry-run-bundle"
            value={rewardId}
            disabled={!eventId || !bundles.isSuccess}
            onChange={(event) => {
              setRewardId(event.target.value)
              setOutcome(null)
            }}
          >
            <option value="">{eventId && bundles.isPending ? t('app.loading') : t('players.choose')}</option>
            {(bundles.data ?? []).map((bundle) => (
              <option key={bundle.id} value={bundle.id}>
                {bundle.name ?? t('players.bundleUnnamed', { id: shortId(bundle.id) })}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy || !rewardId}>
          {busy ? t('players.checking') : t('players.dryRunCheck')}
        </button>
      </form>
      {events.isError && <ErrorNote error={events.error} />}
      {bundles.isError && <ErrorNote error={bundles.error} />}
      {outcome && 'error' in outcome && <ErrorNote error={outcome.error} />}
      {outcome && 'result' in outcome && <Verdict result={outcome.result} />}
    </section>
  )
}

function Verdict({ result }: { result: Eligibility }) {
  const { t } = useI18n()
  return (
    <div className={`verdict ${result.claimable ? 'verdict-yes' : 'verdict-no'}`} role="status" data-dry-run-result={result.rewardId} data-claimable={String(result.claimable)}>
      <p className="verdict-head">
        <strong>{result.claimable ? t('players.verdict.yes') : t('players.verdict.no')}</strong>{' '}
        <span className="hint">{t('players.verdict.period', { period: result.periodKey === 'all' ? t('detail.periodAll') : result.periodKey })}</span>
      </p>
      {result.reasons.length > 0 && (
        <ul className="reasons">
          {result.reasons.map((reason, index) => (
            <ReasonItems key={index} reason={reason} />
          ))}
        </ul>
      )}
      {result.visible === null && <p className="reason-sentence note note-warn">{t('players.verdict.audienceUnknown')}</p>}
      <Conditions conditions={result.conditions} caption={t('players.verdict.conditions')} />
    </div>
  )
}

/** One reason as sentences: unmet conditions one each, with value and target. */
function ReasonItems({ reason }: { reason: EligibilityReason }) {
  const { t } = useI18n()
  const conditionText = useConditionText()
  if (reason.code === 'CONDITIONS_NOT_MET') {
    const unmet = reason.unmet ?? []
    if (unmet.length === 0) return <li className="reason-sentence">{t(REFUSAL_KEYS.CONDITIONS_NOT_MET)}</li>
    return (
      <>
        {unmet.map((condition, index) => (
          <li key={index} className="reason-sentence" data-code={reason.code}>
            {t('players.reason.unmet', { condition: conditionText(condition) })}
          </li>
        ))}
      </>
    )
  }
  return (
    <li className="reason-sentence" data-code={reason.code}>
      {t(REFUSAL_KEYS[reason.code])}
      {reason.code === 'ALREADY_CLAIMED' && reason.claimId && (
        <>
          {' '}
          <a href={hrefOf({ screen: 'claim', id: reason.claimId })}>{t('players.openClaim', { id: shortId(reason.claimId) })}</a>
        </>
      )}
    </li>
  )
}
