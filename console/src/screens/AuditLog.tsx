import { useMemo, useState } from 'react'
import '../styles/insights.css'
import { isObjectId } from '../claims.js'
import { ErrorNote, ScreenTitle, shortId } from '../components.js'
import { useI18n } from '../i18n.js'
import {
  ENTITY_TYPES,
  NO_AUDIT_FILTERS,
  changedFields,
  jsonOf,
  useAuditPages,
  useStaffDirectory,
  type AuditEntry,
  type AuditFilters,
  type AuditSource
} from '../insights/audit-data.js'
import type { MessageKey } from '../messages.js'
import { hrefOf, type Route } from '../router.js'
import { useStaff } from '../session.js'

const ACTIONS = new Set([
  'event.create',
  'event.update',
  'reward.create',
  'reward.update',
  'delivery.pause',
  'delivery.resume',
  'claim.resolve',
  'grant.create',
  'user.roles',
  'user.tags',
  'user.status',
  'user.sessions'
])
const ENTITIES = new Set(['event', 'reward', 'delivery', 'claim', 'grant', 'user'])

/** `#/audit`: both audit logs (AUDITOR, ADMIN). Anyone else is told so, and nothing is asked of the API. */
export function AuditLogScreen() {
  const { t } = useI18n()
  const session = useStaff()
  if (!session.readsAudit) {
    return (
      <section className="panel" aria-labelledby="audit-title">
        <ScreenTitle id="audit-title">{t('audit.title')}</ScreenTitle>
        <p className="audit-not-for-you">{t('audit.notForYou')}</p>
      </section>
    )
  }
  return <AuditLog />
}

function AuditLog() {
  const { t, number } = useI18n()
  const [source, setSource] = useState<AuditSource>('event')
  const [filters, setFilters] = useState<AuditFilters>(NO_AUDIT_FILTERS)
  const pages = useAuditPages(source, filters)
  const entries = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data])
  return (
    <section aria-labelledby="audit-title" className="audit">
      <ScreenTitle id="audit-title">{t('audit.title')}</ScreenTitle>
      <p>{t('audit.intro')}</p>
      <AuditFiltersForm
        source={source}
        filters={filters}
        onSource={(next) => {
          setSource(next)
          setFilters(NO_AUDIT_FILTERS)
        }}
        onChange={setFilters}
      />
      {pages.isError && <ErrorNote error={pages.error} />}
      {pages.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : entries.length === 0 ? (
        !pages.isError && <p className="empty">{t('audit.empty')}</p>
      ) : (
        <AuditTable source={source} entries={entries} />
      )}
      {entries.length > 0 && (
        <div className="more">
          <p className="hint audit-count" role="status">
            {entries.length === 1 ? t('audit.shownOne') : t('audit.shown', { n: number(entries.length) })}
          </p>
          {pages.hasNextPage ? (
            <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
              {pages.isFetchingNextPage ? t('app.loading') : t('audit.more')}
            </button>
          ) : (
            <p className="hint">{t('audit.end')}</p>
          )}
        </div>
      )}
    </section>
  )
}

function AuditFiltersForm({ source, filters, onSource, onChange }: { source: AuditSource; filters: AuditFilters; onSource(next: AuditSource): void; onChange(next: AuditFilters): void }) {
  const { t } = useI18n()
  const directory = useStaffDirectory()
  const [entityId, setEntityId] = useState(filters.entityId)
  /** Said once the field is left, not at the first keystroke of an id being typed or pasted. */
  const [left, setLeft] = useState(false)
  const invalid = left && entityId !== '' && !isObjectId(entityId.trim())
  const set = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch })
  const staff = [...(directory.data ?? new Map<string, string>())].sort((a, b) => a[1].localeCompare(b[1]))
  return (
    <div className="panel">
      <fieldset className="audit-source">
        <legend>{t('audit.source')}</legend>
        {(['event', 'auth'] as const).map((value) => (
          <label key={value}>
            <input
              type="radio"
              name="audit-source"
              value={value}
              checked={source === value}
              onChange={() => {
                setEntityId('')
                onSource(value)
              }}
            />
            {t(`audit.source.${value}`)}
          </label>
        ))}
      </fieldset>
      <form className="filters" role="search" aria-label={t('audit.filters')} onSubmit={(event) => event.preventDefault()}>
        {source === 'event' && (
          <div className="field">
            <label htmlFor="audit-entity-type">{t('audit.entityType')}</label>
            <select id="audit-entity-type" value={filters.entityType} onChange={(event) => set({ entityType: event.target.value })}>
              <option value="">{t('audit.anyEntity')}</option>
              {ENTITY_TYPES[source].map((type) => (
                <option key={type} value={type}>
                  {t(`audit.entity.${type}` as MessageKey)}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="audit-entity-id">{source === 'auth' ? t('audit.accountId') : t('audit.entityId')}</label>
          <input
            id="audit-entity-id"
            value={entityId}
            spellCheck={false}
            autoComplete="off"
            placeholder={t('audit.idHint')}
            aria-invalid={invalid}
            aria-describedby={invalid ? 'audit-entity-id-error' : undefined}
            onBlur={() => setLeft(true)}
            onChange={(event) => {
              const value = event.target.value
              setEntityId(value)
              const id = value.trim()
              if (id === '' || isObjectId(id)) set({ entityId: id })
            }}
          />
          {invalid && (
            <span id="audit-entity-id-error" className="field-error">
              {t('audit.idInvalid')}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="audit-actor">{t('audit.actor')}</label>
          <select id="audit-actor" value={filters.actor} onChange={(event) => set({ actor: event.target.value })}>
            <option value="">{t('audit.anyActor')}</option>
            {staff.map(([id, email]) => (
              <option key={id} value={id}>
                {email}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setEntityId('')
            setLeft(false)
            onChange(NO_AUDIT_FILTERS)
          }}
        >
          {t('audit.clear')}
        </button>
      </form>
    </div>
  )
}

/** Where an entity is looked at in the console, if anywhere. */
function routeOfEntity(type: string, id: string): Route | null {
  if (type === 'event') return { screen: 'event', id }
  if (type === 'claim' || type === 'grant') return { screen: 'claim', id }
  if (type === 'user') return { screen: 'players', id }
  return null
}

function AuditTable({ source, entries }: { source: AuditSource; entries: AuditEntry[] }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  const directory = useStaffDirectory()
  return (
    <div className="table-wrap">
      <table className="audit-log">
        <caption>{t(`audit.caption.${source}`)}</caption>
        <thead>
          <tr>
            <th scope="col">{t('audit.when')}</th>
            <th scope="col">{t('audit.who')}</th>
            <th scope="col">{t('audit.what')}</th>
            <th scope="col">{t('audit.change')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const email = directory.data?.get(entry.actor)
            const route = entry.entity.id ? routeOfEntity(entry.entity.type, entry.entity.id) : null
            return (
              <tr key={entry.id} data-audit-id={entry.id} data-action={entry.action}>
                <td className="when">{dateTime(entry.at)}</td>
                <td className="audit-who">
                  {entry.actor === session.userId ? `${email ?? shortId(entry.actor)} (${t('audit.you')})` : (email ?? <code>{entry.actor}</code>)}
                  {email && <code className="who-id">{shortId(entry.actor)}</code>}
                </td>
                <td>
                  <span className="action">{ACTIONS.has(entry.action) ? t(`audit.action.${entry.action}` as MessageKey) : entry.action}</span>
                  <span className="entity">
                    {ENTITIES.has(entry.entity.type) ? t(`audit.entity.${entry.entity.type}` as MessageKey) : entry.entity.type}
                    {entry.entity.id && (
                      <>
                        {' '}
                        {route ? (
                          <a href={hrefOf(route)}>
                            <code>{shortId(entry.entity.id)}</code>
                          </a>
                        ) : (
                          <code>{shortId(entry.entity.id)}</code>
                        )}
                      </>
                    )}
                  </span>
                </td>
                <td>
                  <Diff entry={entry} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/**
 * Changed fields only: `field: old → new`. A creation has no "before": its name is shown, and
 * everything it was created with behind a disclosure (a whole event is a dozen fields).
 */
function Diff({ entry }: { entry: AuditEntry }) {
  const { t, number } = useI18n()
  const changes = changedFields(entry)
  if (changes.length === 0) return <span className="hint">{t('audit.noChange')}</span>
  if (entry.before === null) {
    const name = typeof entry.after?.name === 'string' ? entry.after.name : null
    return (
      <>
        {name && <span className="diff-name">{name}</span>}
        <details className="diff-created">
          <summary>{t('audit.createdWith', { n: number(changes.length) })}</summary>
          <ul className="diff">
            {changes.map((change) => (
              <li key={change.field} data-field={change.field}>
                <span className="diff-field">{change.field}</span>: <code>{jsonOf(change.after)}</code>
              </li>
            ))}
          </ul>
        </details>
      </>
    )
  }
  return (
    <ul className="diff">
      {changes.map((change) => (
        <li key={change.field} data-field={change.field}>
          <span className="diff-field">{change.field}</span>:{' '}
          <del>
            <span className="visually-hidden">{t('audit.was')} </span>
            <code>{change.before === undefined ? t('audit.unset') : jsonOf(change.before)}</code>
          </del>{' '}
          →{' '}
          <ins>
            <span className="visually-hidden">{t('audit.now')} </span>
            <code>{change.after === undefined ? t('audit.unset') : jsonOf(change.after)}</code>
          </ins>
        </li>
      ))}
    </ul>
  )
}
