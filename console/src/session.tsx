import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { api, setAccessToken, unwrap, type TokenPair } from './api.js'

export type Role = 'USER' | 'OPERATOR' | 'AUDITOR' | 'ADMIN' | 'SERVICE' | 'DELIVERY'
const STAFF: readonly Role[] = ['OPERATOR', 'AUDITOR', 'ADMIN']
const DECIDERS: readonly Role[] = ['OPERATOR', 'ADMIN']

/** Refresh this long before the access token expires (or halfway, for very short tokens). */
const REFRESH_AHEAD_MS = 60_000

export interface Session {
  email: string
  userId: string
  roles: Role[]
  /** OPERATOR, AUDITOR or ADMIN: may use the console at all. */
  isStaff: boolean
  /** OPERATOR or ADMIN: decides on claims. An AUDITOR alone is read-only: no edit control is rendered. */
  canDecide: boolean
  /** ADMIN: pauses and resumes delivery. */
  isAdmin: boolean
}

interface SessionContextValue {
  session: Session | null
  /** Why the last session ended on its own (refresh refused), to say on the sign-in screen. */
  endedReason: string | null
  signIn(email: string, password: string): Promise<void>
  signOut(): Promise<void>
  /** The server said the token is no good (401): the session is over. */
  expire(): void
}

const SessionContext = createContext<SessionContextValue | null>(null)

interface AccessClaims {
  sub: string
  roles: Role[]
  exp: number
}

/** The access token's claims (read for display and navigation; the server verifies it). */
function claimsOf(token: string): AccessClaims {
  const payload = token.split('.')[1] ?? ''
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as AccessClaims
}

function sessionOf(email: string, claims: AccessClaims): Session {
  const roles = Array.isArray(claims.roles) ? claims.roles : []
  const has = (wanted: readonly Role[]) => roles.some((role) => wanted.includes(role))
  return { email, userId: claims.sub, roles, isStaff: has(STAFF), canDecide: has(DECIDERS), isAdmin: roles.includes('ADMIN') }
}

/**
 * Sign-in, refresh and sign-out. Both tokens are held in memory only (this closure and the API
 * module), never in localStorage or a cookie: a reload or a closed tab ends the session here.
 * The pair is rotated through POST /auth/refresh a minute before the access token expires.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null)
  const [endedReason, setEndedReason] = useState<string | null>(null)
  const refreshToken = useRef<string | null>(null)
  const timer = useRef<number | undefined>(undefined)

  const clear = useCallback(() => {
    window.clearTimeout(timer.current)
    refreshToken.current = null
    setAccessToken(undefined)
    setSession(null)
  }, [])

  const adopt = useCallback(
    (email: string, pair: TokenPair) => {
      const claims = claimsOf(pair.accessToken)
      setAccessToken(pair.accessToken)
      refreshToken.current = pair.refreshToken
      setSession(sessionOf(email, claims))
      const lifetimeMs = pair.expiresIn * 1000
      const delay = Math.max(1_000, lifetimeMs > 2 * REFRESH_AHEAD_MS ? lifetimeMs - REFRESH_AHEAD_MS : lifetimeMs / 2)
      window.clearTimeout(timer.current)
      timer.current = window.setTimeout(() => {
        const current = refreshToken.current
        if (!current) return
        unwrap(api.POST('/auth/refresh', { body: { refreshToken: current } }))
          .then((next) => adopt(email, next))
          .catch(() => {
            clear()
            setEndedReason('session.ended')
          })
      }, delay)
    },
    [clear]
  )

  useEffect(() => () => window.clearTimeout(timer.current), [])

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      endedReason,
      async signIn(email, password) {
        const pair = await unwrap(api.POST('/auth/login', { body: { email, password } }), '/auth/login')
        setEndedReason(null)
        adopt(email, pair)
      },
      async signOut() {
        const current = refreshToken.current
        clear()
        // Ends the session server-side too; the console forgets the tokens whatever the answer.
        if (current) await api.POST('/auth/logout', { body: { refreshToken: current } }).catch(() => undefined)
      },
      expire() {
        clear()
        setEndedReason('session.ended')
      }
    }),
    [session, endedReason, adopt, clear]
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext)
  if (!value) throw new Error('useSession outside SessionProvider')
  return value
}

/** The signed-in staff session (screens behind the sign-in only). */
export function useStaff(): Session {
  const { session } = useSession()
  if (!session) throw new Error('useStaff without a session')
  return session
}
