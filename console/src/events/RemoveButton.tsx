import { useI18n } from '../i18n.js'

/** "Remove", saying to a screen reader what it removes (`what`: "Condition 2", "Reward 1"). */
export function RemoveButton({ what, onRemove }: { what: string; onRemove(): void }) {
  const { t } = useI18n()
  return (
    <button type="button" className="secondary small remove" onClick={onRemove}>
      {t('editor.remove')}
      <span className="visually-hidden"> {what}</span>
    </button>
  )
}
