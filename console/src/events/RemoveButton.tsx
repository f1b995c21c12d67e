import { useI18n } from '../i18n.js'
import { removingRow } from './list-focus.js'

/**
 * "Remove", saying to a screen reader what it removes (`what`: "Condition 2", "Reward 1");
 * focus then moves to the list's "Add…" button (`removingRow`).
 */
export function RemoveButton({ what, onRemove }: { what: string; onRemove(): void }) {
  const { t } = useI18n()
  return (
    <button type="button" className="secondary small remove" onClick={removingRow(onRemove)}>
      {t('editor.remove')}
      <span className="visually-hidden"> {what}</span>
    </button>
  )
}
