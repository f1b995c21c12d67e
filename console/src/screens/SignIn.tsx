import { useState, type FormEvent } from 'react'
import { ApiProblem } from '../api.js'
import { ErrorNote, ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'
import { useSession } from '../session.js'

export function SignIn() {
  const { t } = useI18n()
  const { signIn, endedReason } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(email.trim(), password)
    } catch (caught) {
      setError(caught)
      setBusy(false)
    }
  }

  const problem = error instanceof ApiProblem ? error : null
  return (
    <section className="signin" aria-labelledby="signin-title">
      <ScreenTitle id="signin-title">{t('signIn.title')}</ScreenTitle>
      <p>{t('signIn.intro')}</p>
      {endedReason === 'session.ended' && !error && (
        <p className="note note-warn" role="status">
          {t('session.ended')}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} noValidate={false}>
        <label htmlFor="email">{t('signIn.email')}</label>
        <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        <label htmlFor="password">{t('signIn.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {problem?.status === 401 ? (
          <p className="note note-error" role="alert">
            {t('signIn.bad')}
          </p>
        ) : problem?.status === 403 && problem.code === 'ACCOUNT_DISABLED' ? (
          <p className="note note-error" role="alert">
            {t('signIn.disabled')}
          </p>
        ) : error ? (
          <ErrorNote error={error} />
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
      </form>
      <p className="hint">{t('signIn.memoryNote')}</p>
    </section>
  )
}
