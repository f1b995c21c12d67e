import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorNote, ScreenTitle } from '../components.js'
import { EditorForm } from '../events/EditorForm.js'
import { bundleDraftOf, eventDraftOf, type ApiEvent, type ApiReward } from '../events/model.js'
import { PreviewPanel } from '../events/PreviewPanel.js'
import { fetchBundles, fetchEvent, useBundles, useEvent } from '../events/queries.js'
import { useI18n } from '../i18n.js'
import { hrefOf } from '../router.js'
import { useStaff } from '../session.js'
import '../styles/events.css'

/**
 * `#/events/new` and `#/events/<id>`: the event editor with its preview. An OPERATOR or ADMIN
 * edits; an AUDITOR reads the same preview with no edit control rendered.
 */
export function EventEditorScreen({ id }: { id: string }) {
  const { t } = useI18n()
  const session = useStaff()
  if (id === 'new') {
    return (
      <section aria-labelledby="editor-title" className="editor">
        <Crumb />
        <ScreenTitle id="editor-title">{t('editor.titleNew')}</ScreenTitle>
        {session.canDecide ? <EditorForm onReload={async () => {}} /> : <p className="note note-warn">{t('editor.readOnlyNew')}</p>}
      </section>
    )
  }
  return <ExistingEvent id={id} />
}

function Crumb() {
  const { t } = useI18n()
  return (
    <p className="crumb">
      <a href={hrefOf({ screen: 'events' })}>← {t('events.title')}</a>
    </p>
  )
}

function ExistingEvent({ id }: { id: string }) {
  const { t, dateTime } = useI18n()
  const session = useStaff()
  const queryClient = useQueryClient()
  const event = useEvent(id)
  const bundles = useBundles(id)
  /** What a reload read: the form starts again from it (a new key), in the same render as the key changes. */
  const [reloaded, setReloaded] = useState<{ generation: number; event: ApiEvent; rewards: ApiReward[] } | null>(null)

  async function reload() {
    const [fresh, freshBundles] = await Promise.all([fetchEvent(id), fetchBundles(id)])
    queryClient.setQueryData(['event', id], fresh)
    queryClient.setQueryData(['rewards', id], freshBundles)
    setReloaded((last) => ({ generation: (last?.generation ?? 0) + 1, event: fresh, rewards: freshBundles.items }))
  }

  const title = event.data ? (session.canDecide ? t('editor.titleEdit', { name: event.data.name }) : event.data.name) : t('editor.titleLoading')
  return (
    <section aria-labelledby="editor-title" className="editor">
      <Crumb />
      <ScreenTitle id="editor-title">{title}</ScreenTitle>
      {(event.isError || bundles.isError) && <ErrorNote error={event.error ?? bundles.error} />}
      {event.isPending || bundles.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : event.data && bundles.data ? (
        session.canDecide ? (
          <EditorForm
            key={reloaded?.generation ?? 0}
            event={reloaded?.event ?? event.data}
            rewards={reloaded?.rewards ?? bundles.data.items}
            onReload={reload}
          />
        ) : (
          <div className="editor-layout readonly-event">
            <p className="hint">
              {t('editor.readOnly')} {t('editor.version', { version: event.data.version, at: dateTime(event.data.updatedAt) })}{' '}
              <a href={hrefOf({ screen: 'stats', id })}>{t('events.stats')}</a>
            </p>
            <PreviewPanel
              draft={eventDraftOf(event.data)}
              saved={event.data}
              bundles={bundles.data.items.map((reward) => ({ draft: bundleDraftOf(reward), saved: reward }))}
              showRequests={false}
            />
          </div>
        )
      ) : null}
    </section>
  )
}
