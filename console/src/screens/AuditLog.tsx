import { ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'

/** Placeholder while issue 21 builds this screen (replaced in the same round). */
export function AuditLogScreen() {
  const { t } = useI18n()
  return (
    <section className="panel">
      <ScreenTitle>{t('audit.title')}</ScreenTitle>

    </section>
  )
}
