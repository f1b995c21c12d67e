import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { ApiProblem, type Claim } from '../api.js'
import { ErrorNote, Notice, shortId, useRewardText } from '../components.js'
import { useI18n } from '../i18n.js'
import { removingRow } from '../events/list-focus.js'
import { CONTENT_FIELDS, CONTENT_TYPES, contentOf, type ContentDraft, type ContentType } from '../events/model.js'
import { hrefOf } from '../router.js'
import { makeGrant } from './data.js'

/** The API's limits (GrantInput): 1–20 contents, a reason of 1–500 characters. */
const MAX_CONTENTS = 20
const MAX_REASON = 500
const CURRENCY = /^[A-Za-z0-9_-]{1,32}$/

/**
 * One row of the contents editor as typed, as the event editor's: `text` is the itemName,
 * couponCode or currency by type (unused for points), `number` the quantity or amount.
 */
type Row = Pick<ContentDraft, 'type' | 'text' | 'number'>
const emptyRow = (): Row => ({ type: 'item', text: '', number: '1' })

/**
 * A fresh Idempotency-Key for one intended grant. `getRandomValues` rather than `randomUUID`:
 * the console may be served over plain HTTP inside an operator network, where only it exists.
 */
function newGrantKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `console-grant-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}

/** Field problems keyed `<row>.text`, `<row>.number` or `reason`, as the form checks them. */
type Problems = Record<string, string>

type Outcome = { granted: Claim } | { error: unknown }

/**
 * The make-good grant form (OPERATOR, ADMIN). One Idempotency-Key per intended grant: made when
 * the form starts, kept across retries and double submits (so the server makes the grant once),
 * replaced only once the grant is made or the operator starts over.
 */
export function GrantSection({ userId, ownAccount, onGranted }: { userId: string; ownAccount: boolean; onGranted(grant: Claim): void }) {
  const { t } = useI18n()
  const formId = useId()
  const queryClient = useQueryClient()
  const rewardText = useRewardText()
  const [rows, setRows] = useState<Row[]>([emptyRow()])
  const [reason, setReason] = useState('')
  const [problems, setProblems] = useState<Problems>({})
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const [busy, setBusy] = useState(false)
  const key = useRef(newGrantKey())
  /** The request in flight: a second submit while it runs waits for it instead of sending again. */
  const inFlight = useRef(false)
  const formRef = useRef<HTMLFormElement>(null)
  /** Bumped by a submit the form refused: focus goes to the first field in error, which says why. */
  const [refusedSubmits, setRefusedSubmits] = useState(0)
  useEffect(() => {
    if (refusedSubmits > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [refusedSubmits])

  if (ownAccount) {
    return (
      <section className="panel" aria-labelledby="grant-title" data-section="grant">
        <h2 id="grant-title">{t('players.grant')}</h2>
        <p>{t('players.grant.self')}</p>
      </section>
    )
  }

  /** A problem goes once its field is edited (the next submit checks again). */
  const forget = (...fields: string[]) =>
    setProblems((current) => Object.fromEntries(Object.entries(current).filter(([field]) => !fields.includes(field))))
  const setRow = (index: number, change: Partial<Row>) => {
    setRows((current) => current.map((row, at) => (at === index ? { ...row, ...change } : row)))
    forget(...Object.keys(change).map((field) => `${index}.${field === 'type' ? 'text' : field}`))
  }

  function check(): Problems {
    const found: Problems = {}
    rows.forEach((row, index) => {
      if (row.type !== 'point') {
        const text = row.text.trim()
        if (!text) found[`${index}.text`] = t('players.grant.required')
        else if (row.type === 'currency' && !CURRENCY.test(text)) found[`${index}.text`] = t('players.grant.currencyInvalid')
      }
      const count = Number(row.number.trim())
      if (!/^\d+$/.test(row.number.trim()) || !Number.isSafeInteger(count) || count < 1) found[`${index}.number`] = t('players.grant.countInvalid')
    })
    if (!reason.trim()) found.reason = t('players.grant.reasonRequired')
    return found
  }

  /** The API's 400 tied to the field it names (`body.contents.2.amount`, `body.reason`). */
  function serverProblems(error: unknown): Problems {
    if (!(error instanceof ApiProblem) || error.status !== 400) return {}
    const found: Problems = {}
    for (const { field, message } of error.problem.errors ?? []) {
      const content = /contents\.(\d+)\.(\w+)/.exec(field)
      if (content) found[`${content[1]}.${['quantity', 'amount'].includes(content[2]!) ? 'number' : 'text'}`] = message
      else if (field.endsWith('reason')) found.reason = message
    }
    return found
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (inFlight.current) return
    const found = check()
    setProblems(found)
    if (Object.keys(found).length > 0) {
      setRefusedSubmits((n) => n + 1)
      return
    }
    inFlight.current = true
    setBusy(true)
    setOutcome(null)
    try {
      const granted = await makeGrant(key.current, { userId, contents: rows.map(contentOf), reason: reason.trim() })
      setOutcome({ granted })
      // The next grant is another intended grant: another key, an empty form.
      key.current = newGrantKey()
      setRows([emptyRow()])
      setReason('')
      onGranted(granted)
      await queryClient.invalidateQueries({ queryKey: ['player', userId, 'granted'] })
      await queryClient.invalidateQueries({ queryKey: ['claims'] })
    } catch (error) {
      // The key stays: sending again is the same grant, whatever happened to this request.
      setProblems(serverProblems(error))
      setOutcome({ error })
    } finally {
      inFlight.current = false
      setBusy(false)
    }
  }

  function startOver() {
    key.current = newGrantKey()
    setOutcome(null)
  }

  const describedBy = (field: string, hint?: string) => [hint, problems[field] ? `${formId}-${field}-error` : undefined].filter(Boolean).join(' ') || undefined
  const fieldError = (field: string) =>
    problems[field] ? (
      <span className="field-error" id={`${formId}-${field}-error`}>
        {problems[field]}
      </span>
    ) : null

  return (
    <section className="panel" aria-labelledby="grant-title" data-section="grant">
      <h2 id="grant-title">{t('players.grant')}</h2>
      <p className="hint">{t('players.grant.hint')}</p>
      <form ref={formRef} className="grant-form" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset data-list>
          <legend>{t('players.grant.contents')}</legend>
          {rows.map((row, index) => {
            const id = `${formId}-${index}`
            const fields = CONTENT_FIELDS[row.type]
            return (
              <div className="grant-row" key={index} data-grant-row={index}>
                <div className="field">
                  <label htmlFor={`${id}-type`}>{t('players.grant.type')}</label>
                  <select id={`${id}-type`} value={row.type} onChange={(event) => setRow(index, { type: event.target.value as ContentType })}>
                    {CONTENT_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {t(`players.grant.type.${type}`)}
                      </option>
                    ))}
                  </select>
                </div>
                {fields.text && (
                  <div className="field">
                    <label htmlFor={`${id}-name`}>{t(`players.grant.${fields.text}`)}</label>
                    <input
                      id={`${id}-name`}
                      data-field={fields.text}
                      type="text"
                      value={row.text}
                      maxLength={row.type === 'item' ? 100 : row.type === 'coupon' ? 64 : 32}
                      aria-invalid={problems[`${index}.text`] ? true : undefined}
                      aria-describedby={describedBy(`${index}.text`)}
                      onChange={(event) => setRow(index, { text: event.target.value })}
                    />
                    {fieldError(`${index}.text`)}
                  </div>
                )}
                <div className="field field-count">
                  <label htmlFor={`${id}-count`}>{t(`players.grant.${fields.number}`)}</label>
                  <input
                    id={`${id}-count`}
                    data-field={fields.number}
                    type="number"
                    min={1}
                    step={1}
                    inputMode="numeric"
                    value={row.number}
                    aria-invalid={problems[`${index}.number`] ? true : undefined}
                    aria-describedby={describedBy(`${index}.number`)}
                    onChange={(event) => setRow(index, { number: event.target.value })}
                  />
                  {fieldError(`${index}.number`)}
                </div>
                {rows.length > 1 && (
                  <button
                    type="button"
                    className="secondary"
                    aria-label={t('players.grant.removeRow', { n: index + 1 })}
                    onClick={removingRow(() => {
                      setRows((current) => current.filter((_, at) => at !== index))
                      // The rows after it move up: their problems would point at the wrong row.
                      setProblems({})
                    })}
                  >
                    {t('players.grant.remove')}
                  </button>
                )}
              </div>
            )
          })}
          {rows.length < MAX_CONTENTS && (
            <button type="button" className="secondary" data-list-add onClick={() => setRows((current) => [...current, emptyRow()])}>
              {t('players.grant.addRow')}
            </button>
          )}
        </fieldset>
        <div className="field">
          <label htmlFor={`${formId}-reason`}>{t('players.grant.reason')}</label>
          <textarea
            id={`${formId}-reason`}
            data-field="reason"
            rows={2}
            maxLength={MAX_REASON}
            value={reason}
            aria-invalid={problems.reason ? true : undefined}
            aria-describedby={describedBy('reason')}
            onChange={(event) => {
              setReason(event.target.value)
              forget('reason')
            }}
          />
          {fieldError('reason')}
        </div>
        <button type="submit" disabled={busy} data-action="grant">
          {busy ? t('players.grant.busy') : t('players.grant.submit')}
        </button>
      </form>
      {outcome && 'granted' in outcome && (
        <Notice>
          {t('players.grant.done', { rewards: outcome.granted.rewards.map(rewardText).join(', ') })}{' '}
          <a href={hrefOf({ screen: 'claim', id: outcome.granted.id })}>{t('players.grant.open', { id: shortId(outcome.granted.id) })}</a>
        </Notice>
      )}
      {outcome && 'error' in outcome && <GrantRefusal error={outcome.error} onStartOver={startOver} />}
    </section>
  )
}

/** A refused grant as a sentence; the two the grant route has of its own get their own words. */
function GrantRefusal({ error, onStartOver }: { error: unknown; onStartOver(): void }) {
  const { t } = useI18n()
  if (error instanceof ApiProblem && error.status === 403 && error.code === 'SELF_APPROVAL') {
    return (
      <p className="note note-error" role="alert">
        {t('players.grant.self')}
      </p>
    )
  }
  if (error instanceof ApiProblem && error.status === 409 && error.code === 'IDEMPOTENCY_KEY_REUSED') {
    const first = error.problem.claimId
    return (
      <div className="note note-error" role="alert">
        <p>
          {t('players.grant.keyReused')}{' '}
          {first && <a href={hrefOf({ screen: 'claim', id: first })}>{t('players.grant.open', { id: shortId(first) })}</a>}
        </p>
        <p>
          <button type="button" className="secondary" onClick={onStartOver}>
            {t('players.grant.startOver')}
          </button>
        </p>
      </div>
    )
  }
  const unknownOutcome = !(error instanceof ApiProblem) || error.status === 0 || error.status >= 500
  return (
    <>
      <ErrorNote error={error} />
      {unknownOutcome && <p className="hint">{t('players.grant.retrySafe')}</p>}
    </>
  )
}
