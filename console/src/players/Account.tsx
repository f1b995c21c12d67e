import { useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { ErrorNote, Notice } from '../components.js'
import { useI18n } from '../i18n.js'
import { useStaff } from '../session.js'
import { saveTags, type Account } from './data.js'

/** The API's rule for an audience tag (`ACCOUNT_TAG_PATTERN`), and how many an account may hold. */
const TAG = /^[a-z0-9][a-z0-9_-]{0,31}$/
const MAX_TAGS = 20

export function AccountPanel({ account }: { account: Account }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  return (
    <section className="panel" aria-labelledby="account-title" data-section="account">
      <h2 id="account-title">{t('players.account')}</h2>
      <dl className="facts">
        <dt>{t('players.email')}</dt>
        <dd data-field="email">{account.email}</dd>
        <dt>{t('players.id')}</dt>
        <dd>
          <code>{account.id}</code>
        </dd>
        <dt>{t('players.roles')}</dt>
        <dd>{account.roles.map((role) => t(`role.${role}`)).join(', ')}</dd>
        <dt>{t('players.status')}</dt>
        <dd data-field="status">
          <span className={account.disabled ? 'badge badge-failed' : 'badge badge-completed'}>
            {account.disabled ? t('players.disabled') : t('players.enabled')}
          </span>
        </dd>
        <dt>{t('players.created')}</dt>
        <dd>{dateTime(account.createdAt)}</dd>
        <dt>{t('players.tags')}</dt>
        <dd data-field="tags">
          {account.tags.length === 0 ? (
            <span className="hint">{t('players.noTags')}</span>
          ) : (
            <ul className="tags">
              {account.tags.map((tag) => (
                <li key={tag} className="tag">
                  {tag}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {session.canDecide && <TagsEditor account={account} />}
      <p className="hint">{t('players.tagsReach')}</p>
    </section>
  )
}

/** What is wrong with the tags as typed, or null: each must match the API's pattern, ≤ 20. */
function problemOf(tags: readonly string[], t: ReturnType<typeof useI18n>['t']): string | null {
  const bad = tags.find((tag) => !TAG.test(tag))
  if (bad !== undefined) return t('players.tagInvalid', { tag: bad })
  if (tags.length > MAX_TAGS) return t('players.tagsTooMany', { n: tags.length, max: MAX_TAGS })
  return null
}

/** Replaces the account's tags (OPERATOR, ADMIN; never rendered for an AUDITOR). */
function TagsEditor({ account }: { account: Account }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const inputId = useId()
  const [text, setText] = useState(account.tags.join(' '))
  const [invalid, setInvalid] = useState<string | null>(null)
  const [result, setResult] = useState<{ saved: true } | { error: unknown } | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    // Spaces or commas between tags; each once (the API keeps a sorted set).
    const tags = [...new Set(text.split(/[\s,]+/).filter(Boolean))]
    const problem = problemOf(tags, t)
    setInvalid(problem)
    setResult(null)
    if (problem) return
    setBusy(true)
    try {
      const saved = await saveTags(account.id, tags)
      queryClient.setQueryData(['player', account.id, 'account'], saved)
      setText(saved.tags.join(' '))
      setResult({ saved: true })
    } catch (error) {
      setResult({ error })
    }
    setBusy(false)
  }

  return (
    <form className="tags-form" onSubmit={(event) => void submit(event)} data-form="tags">
      <label htmlFor={inputId}>{t('players.tagsEdit')}</label>
      <p className="hint" id={`${inputId}-hint`}>
        {t('players.tagsHint', { max: MAX_TAGS })}
      </p>
      <div className="inline">
        <input
          id={inputId}
          type="text"
          value={text}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={invalid ? true : undefined}
          aria-describedby={invalid ? `${inputId}-hint ${inputId}-error` : `${inputId}-hint`}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? t('players.saving') : t('players.tagsSave')}
        </button>
      </div>
      {invalid && (
        <p className="field-error" id={`${inputId}-error`} role="alert">
          {invalid}
        </p>
      )}
      {result && 'saved' in result && <Notice>{t('players.tagsSaved')}</Notice>}
      {result && 'error' in result && <ErrorNote error={result.error} />}
    </form>
  )
}
