import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorNote, ScreenTitle } from '../components.js'
import { EditorForm } from '../events/EditorForm.js'
import { bundleDraftOf, eventDraftOf, type ApiEvent, type ApiReward } from '../events/model.js'
import { PreviewPanel } from '../events/PreviewPanel.js'
import { bundlesKey, eventKey, fetchBundles, fetchEvent, useBundles, useEvent } from '../catalog.js'
import { oldestFirst } from '../events/queries.js'
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
  // Other screens fill these caches (names, counts, figures) and may have read them a while ago;
  // the form copies what it starts from once, so it must start from the server's copy, read
  // now: else the first save could be refused as a version conflict for nothing.
  const event = useEvent(id, { refetchOnMount: 'always' })
  const bundles = useBundles(id, { refetchOnMount: 'always' })
  const fresh = event.isFetchedAfterMount && bundles.isFetchedAfterMount
  /** What a reload read: the form starts again from it (a new key), in the same render as the key changes. */
  const [reloaded, setReloaded] = useState<{ generation: number; event: ApiEvent; rewards: ApiReward[] } | null>(null)

  async function reload() {
    const [read, readBundles] = await Promise.all([fetchEvent(id), fetchBundles(id)])
    queryClient.setQueryData(eventKey(id), read)
    queryClient.setQueryData(bundlesKey(id), readBundles)
    setReloaded((last) => ({ generation: (last?.generation ?? 0) + 1, event: read, rewards: oldestFirst(readBundles) }))
  }

  const title = event.data ? (session.canDecide ? t('editor.titleEdit', { name: event.data.name }) : event.data.name) : t('editor.titleLoading')
  return (
    <section aria-labelledby="editor-title" className="editor">
      <Crumb />
      <ScreenTitle id="editor-title">{title}</ScreenTitle>
      {(event.isError || bundles.isError) && <ErrorNote error={event.error ?? bundles.error} />}
      {!fresh && !event.isError && !bundles.isError ? (
        <p role="status">{t('app.loading')}</p>
      ) : fresh && event.data && bundles.data ? (
        session.canDecide ? (
          <EditorForm
            key={reloaded?.generation ?? 0}
            event={reloaded?.event ?? event.data}
            rewards={reloaded?.rewards ?? oldestFirst(bundles.data)}
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
              bundles={oldestFirst(bundles.data).map((reward) => ({ draft: bundleDraftOf(reward), saved: reward }))}
              showRequests={false}
            />
          </div>
        )
      ) : null}
    </section>
  )
}
