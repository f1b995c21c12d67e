import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { Schemas } from '@app/client'
import { api, setAccessToken, unwrap, type TokenPair } from './api.js'

/** The roles as the API's document names them: a role added there is a role here. */
export type Role = Schemas['Role']
const STAFF: readonly Role[] = ['OPERATOR', 'AUDITOR', 'ADMIN']
const DECIDERS: readonly Role[] = ['OPERATOR', 'ADMIN']
const AUDIT_READERS: readonly Role[] = ['AUDITOR', 'ADMIN']

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
  /** AUDITOR or ADMIN: reads the audit logs (an OPERATOR's changes are audited, not theirs to read). */
  readsAudit: boolean
}

interface SessionContextValue {
  session: Session | null
  /** Why the last session ended on its own (refresh refused), to say on the sign-in screen. */
  endedReason: string | null
  signIn(email: string, password: string): Promise<void>
  signOut(): Promise<void>
  /** The server refused the access token (401): refresh once; false when the session is over. */
  recover(): Promise<boolean>
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
  return { email, userId: claims.sub, roles, isStaff: has(STAFF), canDecide: has(DECIDERS), isAdmin: roles.includes('ADMIN'), readsAudit: has(AUDIT_READERS) }
}

/**
 * Sign-in, refresh and sign-out. Both tokens are held in memory only (this closure and the API
 * module), never in localStorage or a cookie: a reload or a closed tab ends the session here.
 * The pair is rotated through POST /auth/refresh a minute before the access token expires.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null)
  const [endedReason, setEndedReason] = useState<string | null>(null)
  const tokens = useRef<{ email: string; refreshToken: string } | null>(null)
  const timer = useRef<number | undefined>(undefined)
  /** One refresh at a time: a scheduled one and the 401s of several queries share it. */
  const refreshing = useRef<Promise<boolean> | null>(null)

  const clear = useCallback(() => {
    window.clearTimeout(timer.current)
    tokens.current = null
    setAccessToken(undefined)
    setSession(null)
  }, [])

  const renew = useCallback((): Promise<boolean> => {
    refreshing.current ??= (async () => {
      const held = tokens.current
      if (!held) return false
      try {
        adopt(held.email, await unwrap(api.POST('/auth/refresh', { body: { refreshToken: held.refreshToken } }), '/auth/refresh'))
        return true
      } catch {
        clear()
        setEndedReason('session.ended')
        return false
      }
    })().finally(() => {
      refreshing.current = null
    })
    return refreshing.current
    // adopt (declared below) and renew call each other; both keep their identity for the session's life.
  }, [clear])

  const adopt = useCallback(
    (email: string, pair: TokenPair) => {
      setAccessToken(pair.accessToken)
      tokens.current = { email, refreshToken: pair.refreshToken }
      setSession(sessionOf(email, claimsOf(pair.accessToken)))
      const lifetimeMs = pair.expiresIn * 1000
      const delay = Math.max(1_000, lifetimeMs > 2 * REFRESH_AHEAD_MS ? lifetimeMs - REFRESH_AHEAD_MS : lifetimeMs / 2)
      window.clearTimeout(timer.current)
      timer.current = window.setTimeout(() => void renew(), delay)
    },
    [renew]
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
        const held = tokens.current
        clear()
        // Ends the session server-side too; the console forgets the tokens whatever the answer.
        if (held) await api.POST('/auth/logout', { body: { refreshToken: held.refreshToken } }).catch(() => undefined)
      },
      // A token the server refused (expired while the laptop slept, or revoked after a role change):
      // one refresh decides whether the session goes on (with the new roles) or is over.
      recover: renew
    }),
    [session, endedReason, adopt, clear, renew]
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
