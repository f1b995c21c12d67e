/**
 * The editor's form and its state: the event draft, the bundles (each with what was last saved),
 * the refusals of the last save kept beside what they refuse, and the save itself.
 */
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react'
import { refreshCatalog } from '../catalog.js'
import { ErrorNote, Notice } from '../components.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { BundleEditor } from './BundleEditor.js'
import { ConditionEditor } from './ConditionEditor.js'
import { EventFields } from './EventFields.js'
import { FieldErrorScope } from './field-errors.js'
import { bundleDraftOf, eventDraftOf, newBundleDraft, newEventDraft, type ApiEvent, type ApiReward, type EventDraft } from './model.js'
import { PreviewPanel } from './PreviewPanel.js'
import { bundleLabel } from './preview.js'
import { dropHandoff, handOff, peekHandoff, saveAll, type BundleState, type Refusal } from './save.js'

interface EditorFormProps {
  /** Absent: a new event. */
  event?: ApiEvent
  rewards?: ApiReward[]
  /** Reloads the event and its bundles from the API and starts the form again from them. */
  onReload(): Promise<void>
}

const FIELD_NAME_KEYS = {
  exclusiveRewards: 'editor.exclusiveRewards',
  timezone: 'editor.timezone',
  recurrence: 'editor.recurrence',
  contents: 'editor.section.conditions',
  randomContents: 'editor.random.legend',
  conditions: 'editor.bundle.conditions'
} as const

export function EditorForm({ event, rewards = [], onReload }: EditorFormProps) {
  const i18n = useI18n()
  const { t } = i18n
  const queryClient = useQueryClient()
  const [handoff] = useState(() => (event ? peekHandoff(event.id) : undefined))
  useEffect(() => {
    if (event) dropHandoff(event.id)
  }, [event])
  const [draft, setDraft] = useState<EventDraft>(() => (event ? eventDraftOf(event) : newEventDraft()))
  const [saved, setSaved] = useState<ApiEvent | undefined>(event)
  const [bundles, setBundles] = useState<BundleState[]>(() => [
    ...rewards.map((reward) => ({ draft: bundleDraftOf(reward), saved: reward })),
    ...(handoff?.unsaved.map(({ draft: bundle }) => ({ draft: bundle })) ?? []),
    ...(event ? [] : [{ draft: newBundleDraft() }])
  ])
  const [eventRefusal, setEventRefusal] = useState<Refusal | undefined>()
  const [bundleRefusals, setBundleRefusals] = useState<Record<string, Refusal>>(() =>
    Object.fromEntries(handoff?.unsaved.map(({ draft: bundle, refusal }) => [bundle.key, refusal]) ?? [])
  )
  const [notice, setNotice] = useState<string | null>(() =>
    handoff ? (handoff.unsaved.length > 0 ? t('editor.saved.partly', { saved: handoff.saved, failed: handoff.unsaved.length }) : t('editor.saved.created', { n: handoff.saved })) : null
  )
  const [busy, setBusy] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)
  const [focusInvalid, setFocusInvalid] = useState(0)
  useEffect(() => {
    if (focusInvalid === 0 && !handoff) return
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')
    invalid?.focus()
    // Only after a save (or on arriving with refused bundles).
  }, [focusInvalid, handoff])

  const conflict = eventRefusal?.conflict || Object.values(bundleRefusals).some((refusal) => refusal.conflict)

  async function submit(formEvent: FormEvent) {
    formEvent.preventDefault()
    if (busy) return
    setBusy(true)
    setNotice(null)
    const outcome = await saveAll(t, draft, saved, bundles)
    setBusy(false)
    setEventRefusal(outcome.eventRefusal)
    const refusals: Record<string, Refusal> = {}
    for (const [key, result] of Object.entries(outcome.bundles)) if ('refusal' in result) refusals[key] = result.refusal
    setBundleRefusals(refusals)
    if (outcome.event) void refreshCatalog(queryClient, outcome.event)
    const savedBundles = Object.values(outcome.bundles).filter((result) => 'saved' in result).length
    if (outcome.created && outcome.event) {
      // The created event has its own address: the editor moves there, keeping what was refused.
      handOff(outcome.event.id, {
        saved: savedBundles,
        unsaved: bundles.filter((bundle) => refusals[bundle.draft.key]).map((bundle) => ({ draft: bundle.draft, refusal: refusals[bundle.draft.key]! }))
      })
      window.location.hash = hrefOf({ screen: 'event', id: outcome.event.id })
      return
    }
    if (outcome.event) {
      setSaved(outcome.event)
      if (!outcome.eventRefusal) setDraft((current) => (outcome.event!.version !== saved?.version ? eventDraftOf(outcome.event!) : current))
    }
    setBundles((current) =>
      current.map((bundle) => {
        const result = outcome.bundles[bundle.draft.key]
        return result && 'saved' in result ? { draft: { ...bundleDraftOf(result.saved), key: bundle.draft.key }, saved: result.saved } : bundle
      })
    )
    if (!outcome.eventRefusal && Object.keys(refusals).length === 0) setNotice(t('editor.saved.edit'))
    setFocusInvalid((n) => n + 1)
  }

  return (
    <div className="editor-layout">
      <form ref={formRef} className="editor-form" data-list onSubmit={(formEvent) => void submit(formEvent)} aria-describedby="editor-intro">
        <p id="editor-intro" className="hint">
          {t(saved ? 'editor.introEdit' : 'editor.introNew')}
          {saved && <> {t('editor.version', { version: saved.version, at: i18n.dateTime(saved.updatedAt) })}</>}
        </p>
        {notice && <Notice>{notice}</Notice>}
        {conflict && <ConflictOffer onReload={onReload} />}
        <FieldErrorScope errors={eventRefusal?.fields ?? []}>
          <div data-scope="event">
          {eventRefusal && !eventRefusal.conflict && <RefusalNote refusal={eventRefusal} what={t('editor.section.event')} />}
          <EventFields draft={draft} onChange={(patch) => setDraft((current) => ({ ...current, ...patch }))} />
          <div className="panel">
            <ConditionEditor
              legend={t('editor.section.conditions')}
              hint={t('editor.conditionsHint')}
              basePath="body.contents"
              minimum={1}
              conditions={draft.contents}
              onChange={(contents) => setDraft((current) => ({ ...current, contents }))}
            />
          </div>
          </div>
        </FieldErrorScope>
        <h2>{t('editor.section.bundles')}</h2>
        {bundles.map((bundle, index) => {
          const refusal = bundleRefusals[bundle.draft.key]
          const label = bundleLabel(i18n, bundle.draft, index)
          return (
            <FieldErrorScope key={bundle.draft.key} errors={refusal?.fields ?? []}>
              <fieldset className="panel bundle" data-bundle-index={index} data-bundle-id={bundle.saved?.id ?? ''}>
                <legend>
                  {label}
                  {!bundle.saved && <span className="badge badge-new">{t('editor.bundle.unsaved')}</span>}
                </legend>
                {refusal && !refusal.conflict && <RefusalNote refusal={refusal} what={label} />}
                <BundleEditor
                  draft={bundle.draft}
                  saved={bundle.saved}
                  index={index}
                  onChange={(next) => setBundles((current) => current.map((old) => (old.draft.key === bundle.draft.key ? { ...old, draft: next } : old)))}
                  onRemove={bundle.saved ? undefined : () => setBundles((current) => current.filter((old) => old.draft.key !== bundle.draft.key))}
                />
              </fieldset>
            </FieldErrorScope>
          )
        })}
        <div className="row-buttons">
          <button type="button" className="secondary" data-action="add-bundle" data-list-add onClick={() => setBundles((current) => [...current, { draft: newBundleDraft() }])}>
            {t('editor.bundle.add')}
          </button>
        </div>
        <div className="save-bar">
          <button type="submit" disabled={busy || conflict}>
            {busy ? t('editor.saving') : t(saved ? 'editor.save' : 'editor.create')}
          </button>
          {saved && (
            <a href={hrefOf({ screen: 'stats', id: saved.id })} className="stats-link">
              {t('events.stats')}
            </a>
          )}
        </div>
      </form>
      <PreviewPanel draft={draft} saved={saved} bundles={bundles} showRequests />
    </div>
  )
}

/** A refusal that is not a version conflict: the fields it names, or the locked ones, or the API's sentence. */
function RefusalNote({ refusal, what }: { refusal: Refusal; what: string }) {
  const { t } = useI18n()
  if (refusal.locked.length > 0) {
    const fields = refusal.locked.map((field) => t(FIELD_NAME_KEYS[field as keyof typeof FIELD_NAME_KEYS] ?? 'editor.section.event'))
    return (
      <p className="note note-error" role="alert">
        {t(refusal.error && isBundleLock(refusal) ? 'editor.locked.bundle' : 'editor.locked.event', { what, fields: fields.join(', ') })}
      </p>
    )
  }
  if (refusal.fields.length > 0) return <FieldsRefused refusal={refusal} what={what} />
  return <ErrorNote error={refusal.error} />
}

/**
 * "The server refused n fields", and any of them no input of this part of the form shows (a path
 * the editor does not know): said here, so no refusal goes unseen.
 */
function FieldsRefused({ refusal, what }: { refusal: Refusal; what: string }) {
  const { t } = useI18n()
  const ref = useRef<HTMLDivElement>(null)
  const [unshown, setUnshown] = useState<Refusal['fields']>([])
  useLayoutEffect(() => {
    const scope = ref.current?.closest('[data-scope], fieldset.bundle')
    const shown = new Set([...(scope?.querySelectorAll('.field-error[data-field]') ?? [])].flatMap((element) => (element.getAttribute('data-field') ?? '').split(' ')))
    setUnshown(refusal.fields.filter((field) => !shown.has(field.field)))
  }, [refusal])
  return (
    <div ref={ref} className="note note-error" role="alert">
      <p>{t('editor.refused.fields', { what, n: refusal.fields.length })}</p>
      {unshown.length > 0 && (
        <ul>
          {unshown.map((field) => (
            <li key={field.field}>
              <code>{field.field}</code>: {field.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

const isBundleLock = (refusal: Refusal) => (refusal.error as { code?: string }).code === 'REWARD_HAS_CLAIMS'

function ConflictOffer({ onReload }: { onReload(): Promise<void> }) {
  const { t } = useI18n()
  const [reloading, setReloading] = useState(false)
  const button = useRef<HTMLButtonElement>(null)
  // The save button (at the end of a long form) is disabled now: the way on is this one.
  useEffect(() => button.current?.focus(), [])
  return (
    <div className="note note-warn conflict" role="alert">
      <p>{t('editor.conflict')}</p>
      <button
        ref={button}
        type="button"
        disabled={reloading}
        onClick={() => {
          setReloading(true)
          void onReload().finally(() => setReloading(false))
        }}
      >
        {t('editor.conflict.reload')}
      </button>
    </div>
  )
}
