import { ApiProblem } from './api.js'
import type { I18n } from './i18n.js'

/** Which service a path belongs to, to name it in "the … service is failing". */
const serviceOf = (path: string) => (path.startsWith('/auth') ? 'auth' : 'event') as 'auth' | 'event'

/**
 * An API error as a sentence for the operator: what happened and what to do. `currentStatus`
 * is the claim's state after a lost race (looked up by the caller), when known.
 */
export function sentenceOf(error: unknown, { t, timeIn }: Pick<I18n, 't' | 'timeIn'>, currentStatus?: string): string {
  if (!(error instanceof ApiProblem)) return t('error.unknown', { status: '?' })
  const { status, problem, retryAfterSeconds } = error
  const service = t(`service.${serviceOf(error.path)}`)
  if (status === 0) return t('error.network')
  if (status === 401) return t('error.401')
  if (status === 403) return problem.code === 'SELF_APPROVAL' ? t('error.403.self') : t('error.403')
  if (status === 404) return t('error.404')
  if (status === 409 && problem.code === 'INVALID_TRANSITION') {
    return currentStatus ? t('error.409.race', { status: currentStatus }) : t('error.409.raceUnknown')
  }
  if (status === 409) return t('error.409', { detail: problem.detail ?? '' })
  if (status === 400) {
    const field = problem.errors?.[0]
    return field ? t('error.400', { field: field.field, message: field.message }) : t('error.400.plain', { detail: problem.detail ?? '' })
  }
  if (status === 429) {
    return retryAfterSeconds === undefined ? t('error.429.plain') : t('error.429', { seconds: retryAfterSeconds, at: timeIn(retryAfterSeconds) })
  }
  if (status === 503) {
    if (retryAfterSeconds === undefined) return t('error.503.plain', { service })
    const at = timeIn(retryAfterSeconds)
    return problem.code === 'UPSTREAM_CIRCUIT_OPEN' ? t('error.503.breaker', { service, at }) : t('error.503', { service, at })
  }
  if (status === 504) return t('error.504', { service })
  if (status >= 500) return t('error.5xx', { id: problem.requestId ?? '?' })
  return t('error.unknown', { status })
}
