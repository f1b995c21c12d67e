import { useId, useState, type FormEvent } from 'react'
import { ErrorNote, ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { SEARCH_LIMIT, useAccountSearch } from './data.js'

/** The last search, so coming back from a player's page shows the same matches. */
let lastPrefix = ''

/** Find a player by the start of their email (the directory's prefix filter, any case). */
export function PlayerSearch() {
  const { t, dateTime } = useI18n()
  const inputId = useId()
  const [text, setText] = useState(lastPrefix)
  const [prefix, setPrefix] = useState(lastPrefix)
  const search = useAccountSearch(prefix)
  const matches = search.data?.items ?? []

  function submit(event: FormEvent) {
    event.preventDefault()
    lastPrefix = text.trim()
    setPrefix(lastPrefix)
  }

  return (
    <section aria-labelledby="players-title">
      <ScreenTitle id="players-title">{t('players.title')}</ScreenTitle>
      <form className="filters" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor={inputId}>{t('players.searchLabel')}</label>
          <input
            id={inputId}
            type="search"
            data-field="email-prefix"
            value={text}
            maxLength={254}
            autoComplete="off"
            aria-describedby={`${inputId}-hint`}
            onChange={(event) => setText(event.target.value)}
          />
        </div>
        <button type="submit" disabled={!text.trim()}>
          {t('players.search')}
        </button>
        <p className="hint search-hint" id={`${inputId}-hint`}>
          {t('players.searchHint')}
        </p>
      </form>
      {search.isError && <ErrorNote error={search.error} />}
      {prefix && search.isPending && <p role="status">{t('app.loading')}</p>}
      {prefix && search.isSuccess && (
        <div className="table-wrap" data-section="matches">
          <table>
            <caption>
              {matches.length === 0
                ? t('players.noMatch', { prefix })
                : matches.length >= SEARCH_LIMIT
                  ? t('players.manyMatches', { n: matches.length, prefix })
                  : t('players.matches', { n: matches.length, prefix })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('players.email')}</th>
                <th scope="col">{t('players.roles')}</th>
                <th scope="col">{t('players.tags')}</th>
                <th scope="col">{t('players.status')}</th>
                <th scope="col">{t('players.created')}</th>
              </tr>
            </thead>
            <tbody>
              {matches.map((account) => (
                <tr key={account.id} data-user-id={account.id}>
                  <td>
                    <a href={hrefOf({ screen: 'players', id: account.id })}>{account.email}</a>
                  </td>
                  <td>{account.roles.map((role) => t(`role.${role}`)).join(', ')}</td>
                  <td>{account.tags.join(', ') || t('detail.none')}</td>
                  <td>{account.disabled ? t('players.disabled') : t('players.enabled')}</td>
                  <td>{dateTime(account.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
