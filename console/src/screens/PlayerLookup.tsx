import { useState } from 'react'
import type { Claim } from '../api.js'
import { ErrorNote, ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'
import { AccountPanel } from '../players/Account.js'
import { useAccount, type AwaitedGrant } from '../players/data.js'
import { DryRunSection } from '../players/DryRun.js'
import { GrantSection } from '../players/Grant.js'
import { ClaimsSection, GrantedSection } from '../players/History.js'
import { ProgressSection } from '../players/Progress.js'
import { PlayerSearch } from '../players/Search.js'
import { hrefOf } from '../router.js'
import { useStaff } from '../session.js'
import '../styles/players.css'

/** How long granted rewards are looked at again for a grant just made. */
const FOLLOW_GRANT_MS = 60_000

/** `#/players`: search by email; `#/players/<id>`: everything support needs about one player. */
export function PlayerLookupScreen({ id }: { id?: string | undefined }) {
  return id ? <PlayerPage id={id} /> : <PlayerSearch />
}

function PlayerPage({ id }: { id: string }) {
  const { t } = useI18n()
  const session = useStaff()
  const account = useAccount(id)
  /** The grant just made, followed until granted rewards lists it. */
  const [lastGrant, setLastGrant] = useState<AwaitedGrant | null>(null)
  const email = account.data?.email
  return (
    <section aria-labelledby="player-title" className="player" data-user-id={id}>
      <p className="crumb">
        <a href={hrefOf({ screen: 'players' })}>← {t('players.back')}</a>
      </p>
      <ScreenTitle id="player-title">{email ? t('players.pageTitle', { email }) : t('players.title')}</ScreenTitle>
      {account.isError && <ErrorNote error={account.error} />}
      {account.isPending && <p role="status">{t('app.loading')}</p>}
      {account.isSuccess && account.data === null && <p className="empty">{t('players.notFound')}</p>}
      {account.data && (
        <>
          <div className="columns">
            <AccountPanel account={account.data} />
            <DryRunSection userId={id} />
          </div>
          <ProgressSection userId={id} />
          <div className="columns">
            <ClaimsSection userId={id} />
            <GrantedSection userId={id} awaiting={lastGrant} />
          </div>
          {session.canDecide && <GrantSection userId={id} ownAccount={id === session.userId} onGranted={(grant: Claim) => setLastGrant({ id: grant.id, until: Date.now() + FOLLOW_GRANT_MS })} />}
        </>
      )}
    </section>
  )
}
