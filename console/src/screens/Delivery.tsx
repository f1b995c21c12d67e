import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, unwrap } from '../api.js'
import { ErrorNote, Notice, ScreenTitle } from '../components.js'
import { useI18n } from '../i18n.js'
import { useStaff } from '../session.js'

const DELIVERY = '/event-gateway/delivery'

export function DeliveryScreen() {
  const { t, dateTime, duration, number } = useI18n()
  const session = useStaff()
  const queryClient = useQueryClient()
  const status = useQuery({
    queryKey: ['delivery'],
    queryFn: () => unwrap(api.GET(DELIVERY), DELIVERY),
    refetchInterval: 5_000
  })
  const toggle = useMutation({
    mutationFn: (paused: boolean) => unwrap(api.PATCH(DELIVERY, { body: { paused } }), DELIVERY),
    onSuccess: (next) => queryClient.setQueryData(['delivery'], next)
  })
  const data = status.data
  return (
    <section aria-labelledby="delivery-title">
      <ScreenTitle id="delivery-title">{t('delivery.title')}</ScreenTitle>
      <p>{t('delivery.intro')}</p>
      {status.isError && <ErrorNote error={status.error} />}
      {status.isPending && <p role="status">{t('app.loading')}</p>}
      {data && (
        <div className="panel">
          <dl className="facts">
            <dt>{t('delivery.state')}</dt>
            <dd>
              <span className={`badge ${data.paused ? 'badge-failed' : 'badge-completed'}`}>{data.paused ? t('delivery.paused') : t('delivery.running')}</span>
              {data.paused && data.pausedAt && (
                <div className="hint">{t('delivery.pausedSince', { at: dateTime(data.pausedAt), by: data.pausedBy === session.userId ? t('detail.you') : (data.pausedBy ?? '?') })}</div>
              )}
            </dd>
            <dt>{t('delivery.depth')}</dt>
            <dd>{t('delivery.depthValue', { n: number(data.outboxDepth) })}</dd>
            <dt>{t('delivery.oldest')}</dt>
            <dd>{data.oldestProcessingAgeSeconds === null ? t('delivery.oldestNone') : duration(data.oldestProcessingAgeSeconds)}</dd>
            <dt>{t('delivery.mode')}</dt>
            <dd>{t(`delivery.mode.${data.mode}`)}</dd>
            <dt>{t('delivery.circuit')}</dt>
            <dd>{t(`delivery.circuit.${data.circuit}`)}</dd>
          </dl>
        </div>
      )}
      {data && session.isAdmin && (
        <div className="panel">
          <p className="hint">{t('delivery.pauseHelp')}</p>
          <button type="button" className={data.paused ? undefined : 'danger'} disabled={toggle.isPending} onClick={() => toggle.mutate(!data.paused)}>
            {data.paused ? t('delivery.resume') : t('delivery.pause')}
          </button>
          {toggle.isSuccess && <Notice>{toggle.data.paused ? t('delivery.nowPaused') : t('delivery.nowRunning')}</Notice>}
          {toggle.isError && <ErrorNote error={toggle.error} />}
        </div>
      )}
      {data && !session.isAdmin && <p className="hint">{t('delivery.adminOnly')}</p>}
    </section>
  )
}
