/** The event's own fields: name, description, window, time zone, recurrence, switches and audience. */
import { useId, useMemo, type ReactNode } from 'react'
import { useI18n } from '../i18n.js'
import { useFieldError } from './field-errors.js'
import type { EventDraft, Recurrence } from './model.js'

/** Every IANA zone the browser knows (and the draft's own, should it not be among them). */
function useTimezones(current: string): string[] {
  return useMemo(() => {
    const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
    const zones = new Set(['UTC', ...known])
    if (current) zones.add(current)
    return [...zones].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)))
  }, [current])
}

/** What a field's control gets: its id, the body path it edits, and the error wiring. */
interface ControlProps {
  id: string
  'data-path': string
  'aria-invalid'?: true
  'aria-describedby'?: string
}

function TextField({ label, path, hint, children }: { label: string; path: string; hint?: string; children(props: ControlProps): ReactNode }) {
  const id = useId()
  const error = useFieldError(path)
  const describedBy = [error.inputProps['aria-describedby'], hint ? `${id}-hint` : undefined].filter(Boolean).join(' ')
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'data-path': path, ...error.inputProps, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error.message}
    </div>
  )
}

function Switch({ label, hint, checked, path, onChange }: { label: string; hint: string; checked: boolean; path: string; onChange(checked: boolean): void }) {
  const id = useId()
  const error = useFieldError(path)
  return (
    <div className="field checkbox">
      <input
        id={id}
        type="checkbox"
        data-path={path}
        checked={checked}
        {...(error.inputProps['aria-invalid'] ? { 'aria-invalid': true } : {})}
        aria-describedby={[`${id}-hint`, error.inputProps['aria-describedby']].filter(Boolean).join(' ')}
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      <span id={`${id}-hint`} className="hint">
        {hint}
      </span>
      {error.message}
    </div>
  )
}

export function EventFields({ draft, onChange }: { draft: EventDraft; onChange(patch: Partial<EventDraft>): void }) {
  const { t, timeZone } = useI18n()
  const zones = useTimezones(draft.timezone)
  return (
    <>
      <fieldset className="panel">
        <legend>{t('editor.section.event')}</legend>
        <TextField label={t('editor.name')} path="body.name">
          {(props) => <input {...props} className="wide" required maxLength={200} value={draft.name} onChange={(event) => onChange({ name: event.target.value })} />}
        </TextField>
        <TextField label={t('editor.description')} path="body.description">
          {(props) => <textarea {...props} className="wide" rows={2} maxLength={2000} value={draft.description} onChange={(event) => onChange({ description: event.target.value })} />}
        </TextField>
        <div className="field-row">
          <TextField label={t('editor.startedAt')} path="body.startedAt" hint={t('editor.windowHint', { zone: timeZone })}>
            {(props) => <input {...props} type="datetime-local" required value={draft.startedAt} onChange={(event) => onChange({ startedAt: event.target.value })} />}
          </TextField>
          <TextField label={t('editor.endedAt')} path="body.endedAt" hint={t('editor.endHint')}>
            {(props) => <input {...props} type="datetime-local" required value={draft.endedAt} onChange={(event) => onChange({ endedAt: event.target.value })} />}
          </TextField>
        </div>
        <div className="field-row">
          <TextField label={t('editor.timezone')} path="body.timezone" hint={t('editor.timezoneHint')}>
            {(props) => (
              <select {...props} value={draft.timezone} onChange={(event) => onChange({ timezone: event.target.value })}>
                {zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </select>
            )}
          </TextField>
          <TextField label={t('editor.recurrence')} path="body.recurrence" hint={t('editor.recurrenceHint')}>
            {(props) => (
              <select {...props} value={draft.recurrence} onChange={(event) => onChange({ recurrence: event.target.value as Recurrence })}>
                {(['', 'day', 'week', 'month'] as const).map((every) => (
                  <option key={every} value={every}>
                    {t(`editor.recurrence.${every || 'none'}`)}
                  </option>
                ))}
              </select>
            )}
          </TextField>
        </div>
        <div className="switches">
          <Switch label={t('editor.activate')} hint={t('editor.activateHint')} path="body.activate" checked={draft.activate} onChange={(activate) => onChange({ activate })} />
          <Switch
            label={t('editor.requireApproval')}
            hint={t('editor.requireApprovalHint')}
            path="body.requireApproval"
            checked={draft.requireApproval}
            onChange={(requireApproval) => onChange({ requireApproval })}
          />
          <Switch
            label={t('editor.exclusiveRewards')}
            hint={t('editor.exclusiveRewardsHint')}
            path="body.exclusiveRewards"
            checked={draft.exclusiveRewards}
            onChange={(exclusiveRewards) => onChange({ exclusiveRewards })}
          />
        </div>
      </fieldset>
      <fieldset className="panel">
        <legend>{t('editor.section.audience')}</legend>
        <p className="hint">{t('editor.audienceHint')}</p>
        <div className="field-row">
          {(['anyTags', 'allTags', 'noneTags'] as const).map((rule) => (
            <TextField key={rule} label={t(`editor.audience.${rule}`)} path={`body.audience.${rule}`}>
              {(props) => <input {...props} spellCheck={false} autoComplete="off" value={draft[rule]} onChange={(event) => onChange({ [rule]: event.target.value })} />}
            </TextField>
          ))}
        </div>
      </fieldset>
    </>
  )
}
