/**
 * The console's only way to the server: the typed client of the public API (`@app/client`,
 * generated from the gateway's combined OpenAPI). Same origin: the gateway serves the console
 * and the API (in `npm run dev`, Vite's proxy forwards the API to the gateway).
 */
import { createApiClient, type Schemas } from '@app/client'

export type Claim = Schemas['Claim']
export type ClaimDetail = Schemas['ClaimDetail']
export type ClaimStatus = Schemas['ClaimStatus']
export type ClaimTransition = Schemas['ClaimTransition']
export type RewardContent = Schemas['RewardContent']
export type DeliveryStatus = Schemas['DeliveryStatus']
export type EventSummary = Schemas['Event']
export type EventStatus = Schemas['EventStatus']
/** A reward bundle of an event. */
export type Reward = Schemas['Reward']
export type Condition = Schemas['Condition']
export type TokenPair = Schemas['TokenPair']
export type Problem = Schemas['Problem']

let accessToken: string | undefined

/** The access token lives here, in memory only (never localStorage): the session sets it. */
export function setAccessToken(token: string | undefined): void {
  accessToken = token
}

export const api = createApiClient(window.location.origin, { token: () => accessToken })

/** A refused or failed request, with what the console needs to say it as a sentence. */
export class ApiProblem extends Error {
  constructor(
    /** 0: no answer at all (network, gateway down). */
    readonly status: number,
    readonly problem: Partial<Problem>,
    /** Retry-After, in seconds, when the reply carried it (429, 503). */
    readonly retryAfterSeconds: number | undefined,
    /** The request's path, to name the service a breaker refers to. */
    readonly path: string
  ) {
    super(problem.detail ?? `HTTP ${status}`)
  }
  get code(): string | undefined {
    return this.problem.code
  }
}

interface Reply<T> {
  data?: T
  error?: unknown
  response: Response
}

function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - Date.now()) / 1000))
}

/** The reply's data, or an ApiProblem for anything but a 2xx (and for no reply at all). */
export async function unwrap<T>(request: Promise<Reply<T>>, path = ''): Promise<T> {
  let reply: Reply<T>
  try {
    reply = await request
  } catch {
    throw new ApiProblem(0, {}, undefined, path)
  }
  const { response } = reply
  if (response.ok) return reply.data as T
  const problem = typeof reply.error === 'object' && reply.error !== null ? (reply.error as Partial<Problem>) : {}
  throw new ApiProblem(response.status, problem, retryAfterOf(response), new URL(response.url || window.location.href).pathname || path)
}
