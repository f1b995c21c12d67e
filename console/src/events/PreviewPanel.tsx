/**
 * Beside the form: what the event will do in plain words (the preview sentences), and the exact
 * requests saving will send. For an AUDITOR it is the whole screen, without the requests.
 */
import { useI18n } from '../i18n.js'
import { eventBodyOf, eventPatchOf, rewardBodyOf, rewardPatchOf, type ApiEvent, type EventDraft } from './model.js'
import { bundleSentences, eventSentences } from './preview.js'
import type { BundleState } from './save.js'

export function PreviewPanel({ draft, saved, bundles, showRequests }: { draft: EventDraft; saved: ApiEvent | undefined; bundles: BundleState[]; showRequests: boolean }) {
  const i18n = useI18n()
  const { t } = i18n
  return (
    <aside className="preview panel" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('preview.title')}</h2>
      <ul className="preview-event" data-preview="event">
        {eventSentences(i18n, draft).map((sentence) => (
          <li key={sentence}>{sentence}</li>
        ))}
      </ul>
      <h3>{t('preview.bundles')}</h3>
      {bundles.length === 0 ? (
        <p className="hint">{t('preview.noBundles')}</p>
      ) : (
        <ol className="preview-bundles">
          {bundles.map((bundle, index) => {
            const [first, ...rest] = bundleSentences(i18n, draft, bundle.draft, index, bundle.saved)
            return (
              <li key={bundle.draft.key} data-preview="bundle">
                <p className="preview-sentence">{first}</p>
                {rest.map((sentence) => (
                  <p key={sentence} className="hint">
                    {sentence}
                  </p>
                ))}
              </li>
            )
          })}
        </ol>
      )}
      {showRequests && <Requests draft={draft} saved={saved} bundles={bundles} />}
    </aside>
  )
}

/** The requests a save sends now, in order, with their exact bodies. */
function Requests({ draft, saved, bundles }: { draft: EventDraft; saved: ApiEvent | undefined; bundles: BundleState[] }) {
  const { t } = useI18n()
  const eventId = saved?.id ?? t('preview.json.newId')
  const requests: Array<{ label: string; body: unknown }> = []
  if (!saved) requests.push({ label: 'POST /event-gateway/event', body: eventBodyOf(draft) })
  else {
    const patch = eventPatchOf(saved, draft)
    if (patch) requests.push({ label: `PATCH /event-gateway/event/${saved.id}`, body: patch })
  }
  for (const bundle of bundles) {
    if (!bundle.saved) requests.push({ label: 'POST /event-gateway/rewards', body: rewardBodyOf(bundle.draft, eventId) })
    else {
      const patch = rewardPatchOf(bundle.saved, bundle.draft)
      if (patch) requests.push({ label: `PATCH /event-gateway/rewards/${bundle.saved.id}`, body: patch })
    }
  }
  return (
    <details className="requests" data-preview="requests">
      <summary>{t('preview.json.summary', { n: requests.length })}</summary>
      {requests.length === 0 ? (
        <p className="hint">{t('preview.json.nothing')}</p>
      ) : (
        requests.map((request, at) => (
          <div key={at} className="request">
            <p>
              <code>{request.label}</code>
            </p>
            <pre tabIndex={0} aria-label={request.label}>
              {JSON.stringify(request.body, null, 2)}
            </pre>
          </div>
        ))
      )}
    </details>
  )
}
