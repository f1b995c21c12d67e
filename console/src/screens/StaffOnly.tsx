import { ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'
import { useSession, useStaff } from '../session.js'

/** A player's or a machine account's token: the console says who it is for, and offers nothing else. */
export function StaffOnly() {
  const { t } = useI18n()
  const { signOut } = useSession()
  const session = useStaff()
  return (
    <section className="panel">
      <ScreenTitle>{t('staffOnly.title')}</ScreenTitle>
      <p>{t('staffOnly.body', { roles: session.roles.map((role) => t(`role.${role}`)).join(', ') })}</p>
      <button type="button" onClick={() => void signOut()}>
        {t('session.signOut')}
      </button>
    </section>
  )
}
