import fp from 'fastify-plugin'
import httpProxy from '@fastify/http-proxy'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem, REQUEST_ID_HEADER, serviceUnavailable } from '@app/platform'
import { forwardedRoutes, type UpstreamMount } from '../access.js'
import type { UpstreamName } from '../config.js'
import { isBreakerRefusal, type UpstreamInstance, type UpstreamPool } from './breakers.js'

export interface ProxyOptions {
  /** Each upstream's instances (origins); the breakers plugin holds one breaker per instance. */
  upstreams: Readonly<Record<UpstreamName, readonly string[]>>
  timeoutMs: number
}

/** Retried at most this often, and only for idempotent methods (see `retryDelay`). */
const MAX_RETRIES = 2
const RETRY_BASE_DELAY_MS = 50
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD'])
/**
 * A connection that died before any response (say, a keep-alive socket the upstream closed as we
 * sent): the request can be sent again. Not a refused connection: nothing listens there, a retry
 * moments later meets the same closed port, and waiting for it only delays the 503 — with the
 * upstream down under load it doubled the error latency until the breaker opened.
 */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET'])
/** The upstream could not be reached at all (as opposed to failing mid-exchange). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT'
])

/**
 * What feeds an upstream's breaker: 5xx answers — except a 503 with Retry-After, which is the
 * service shedding load on purpose (a full password-hash queue, a database it knows is down) and
 * saying when to come back. Counting those would let one overloaded route (a sign-up flood) open
 * the breaker and take down every other route of that service (logins) with it.
 */
export function countsAsFailure(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  if (status < 500) return false
  return !(status === 503 && headers['retry-after'] !== undefined)
}

interface RouteGroup {
  mount: UpstreamMount
  method: string
  paths: string[]
}

/** One http-proxy registration per upstream and method: its routes × methods are exactly the table's. */
function groupRoutes(): RouteGroup[] {
  const groups = new Map<string, RouteGroup>()
  for (const { mount, method, path } of forwardedRoutes()) {
    const key = `${mount.upstream} ${method}`
    const group = groups.get(key) ?? { mount, method, paths: [] }
    group.paths.push(path)
    groups.set(key, group)
  }
  return [...groups.values()]
}

const RATE_LIMIT_HEADER = /^(x-)?ratelimit-/i

/** Drops them from the upstream's headers in place (a copy per reply would be work for nothing). */
export function withoutUpstreamRateLimitHeaders<T extends Record<string, unknown>>(headers: T): T {
  for (const name of Object.keys(headers)) if (RATE_LIMIT_HEADER.test(name)) delete headers[name]
  return headers
}

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : ''
}

/** Jittered exponential backoff, so retrying clients do not hit a recovering upstream in step. */
export function retryDelayFor(method: string) {
  return ({ err, attempt }: { err?: Error; attempt: number }): number | null => {
    if (!err || !IDEMPOTENT_METHODS.has(method) || attempt >= MAX_RETRIES) return null
    if (!RETRYABLE_CODES.has(codeOf(err))) return null
    return Math.max(1, Math.round(RETRY_BASE_DELAY_MS * 2 ** attempt * (0.5 + Math.random())))
  }
}

/**
 * Forwards the table's routes through @fastify/http-proxy, each exchange run through its
 * upstream's breaker. The table's access rules have run already (onRequest), so nothing here
 * reaches an upstream for a caller the gateway refuses.
 */
export const proxyPlugin = fp<ProxyOptions>(
  async (app, { timeoutMs }) => {
    // Bodies are read whole as bytes (which is what enforces BODY_LIMIT → 413; a streamed body
    // would bypass it) and forwarded unchanged, whatever their type.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

    for (const { mount, method, paths } of groupRoutes()) {
      const pool = app.upstreamPools[mount.upstream]
      await app.register(httpProxy, {
        // No fixed upstream: each exchange names its instance (`getUpstream`), so one undici
        // agent keeps a connection pool per instance origin.
        upstream: '',
        // (http-proxy accepts no upstream only with a getUpstream; each attempt sets its own.)
        replyOptions: { getUpstream: (_request, base) => base },
        prefix: mount.gatewayPrefix,
        rewritePrefix: mount.upstreamPrefix,
        routes: paths,
        httpMethods: [method],
        proxyPayloads: false,
        disableRequestLogging: true,
        destroyAgent: true,
        // reply-from turns certificate checks off by default; an https upstream must prove itself.
        undici: { connect: { timeout: timeoutMs, rejectUnauthorized: true } },
        handler: (request, reply, dest, options) => forward({ request, reply, dest, options, pool, timeoutMs })
      })
    }
  },
  { name: 'proxy', dependencies: ['breakers', 'authenticate', 'error-handler'], encapsulate: true, fastify: '5.x' }
)

interface Exchange {
  request: FastifyRequest
  reply: FastifyReply
  dest: string
  options: NonNullable<Parameters<FastifyReply['from']>[1]>
  pool: UpstreamPool
  timeoutMs: number
}

/**
 * May this failure go to another instance? Only if the request certainly did not take effect
 * there. A connection that was never established (refused, connect timeout, no route) carried
 * no request at all, so any method may go elsewhere — a claim POST included. A connection that
 * died after the request was written (reset, socket closed) may have reached the handler: only
 * idempotent methods are sent again; a POST gets its 502 and the client's retry meets the
 * service's own duplicate checks (409 ALREADY_CLAIMED naming the claim, Idempotency-Key).
 */
export function mayFailOver(method: string, error: unknown): boolean {
  const code = codeOf((error as { cause?: unknown } | null)?.cause ?? error)
  if (UNREACHABLE_CODES.has(code)) return true
  return FAILOVER_METHODS.has(method) && RETRYABLE_CODES.has(code)
}

/** Methods whose repetition has no further effect (RFC 9110 §9.2.2). */
const FAILOVER_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/** The attempt failed in a way another instance may take over: nothing was sent to the client. */
class FailOver extends Error {
  constructor(readonly failure: Error) {
    super(failure.message)
  }
}

/**
 * Sends the exchange to the pool's best instance through its breaker; a failure another instance
 * may take over (see `mayFailOver`) goes to the next instance not tried yet. Every instance
 * refusing (open breakers) → 503 UPSTREAM_CIRCUIT_OPEN with the soonest trial as Retry-After.
 */
async function forward({ request, reply, dest, options, pool, timeoutMs }: Exchange): Promise<FastifyReply> {
  const tried = new Set<UpstreamInstance>()
  let lastFailure: Error | undefined
  for (let instance = pool.pick(); instance; instance = pool.pick(tried)) {
    tried.add(instance)
    const canFailOver = () => pool.pick(tried) !== undefined
    try {
      await attempt({ request, reply, dest, options, instance, upstream: pool.name, timeoutMs, canFailOver })
      return reply
    } catch (error) {
      if (error instanceof FailOver) {
        lastFailure = error.failure
        continue
      }
      if (isBreakerRefusal(error)) continue
      throw error
    }
  }
  if (lastFailure) throw upstreamProblem(lastFailure, pool.name, pool.retryAfterSeconds(), timeoutMs)
  pool.refused()
  throw serviceUnavailable(`The ${pool.name} service is failing; requests to it are paused`, pool.retryAfterSeconds(), 'UPSTREAM_CIRCUIT_OPEN')
}

interface Attempt extends Omit<Exchange, 'pool'> {
  instance: UpstreamInstance
  upstream: UpstreamName
  /** Is there an instance left to take over from this one? */
  canFailOver: () => boolean
}

/** One exchange with one instance, run through its breaker; resolves once the reply is on its way. */
async function attempt({ request, reply, dest, options, instance, upstream, timeoutMs, canFailOver }: Attempt): Promise<void> {
  const body = Buffer.isBuffer(request.body)
    ? { body: request.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
    : {}
  let answered = false
  try {
    await instance.run(
      () =>
        new Promise<void>((resolve, reject) => {
          // A client that leaves first gets no reply, and reply-from then calls neither hook.
          reply.raw.once('close', () => resolve())
          reply.from(dest, {
            ...options,
            ...body,
            getUpstream: () => instance.url,
            timeout: timeoutMs,
            retryDelay: retryDelayFor(request.method),
            // The rate-limit headers a client sees are the gateway's: a service's own (auth's login
            // and sign-up limits) would overwrite them and tell the client a budget it does not have.
            rewriteHeaders: (headers, request) =>
              withoutUpstreamRateLimitHeaders(options.rewriteHeaders ? options.rewriteHeaders(headers, request) : headers),
            // reply-from hands over its own copy of the client's headers: set ours on it in place.
            rewriteRequestHeaders: (original, headers) => {
              headers[REQUEST_ID_HEADER] = String(original.id)
              // The client as the gateway sees it: the peer, or whom the proxies trusted by
              // TRUST_PROXY name. What an untrusted client claims is replaced, never passed on.
              headers['x-forwarded-for'] = original.ip
              headers['x-forwarded-proto'] = original.protocol
              headers['x-forwarded-host'] = original.host
              return headers
            },
            onResponse: (_request, upstreamReply, response) => {
              answered = true
              upstreamReply.send(response.stream)
              // reply-from hands over { statusCode, headers, stream }; its type names only the first and last.
              const { headers = {} } = response as unknown as { headers?: Record<string, string | string[] | undefined> }
              const retryAfter = headers['retry-after']
              instance.answered(response.statusCode === 503 && typeof retryAfter === 'string' ? Number(retryAfter) : undefined)
              if (countsAsFailure(response.statusCode, headers)) reject(new Error(`${upstream} answered ${response.statusCode}`))
              else resolve()
            },
            onError: (upstreamReply, { error }) => {
              // Nothing sent yet: another instance may still answer this client.
              if (mayFailOver(request.method, error) && canFailOver()) return reject(new FailOver(error))
              answered = true
              upstreamReply.send(upstreamProblem(error, upstream, instance.retryAfterSeconds(), timeoutMs))
              reject(error)
            }
          })
        })
    )
  } catch (error) {
    // The upstream's own 5xx and transport failures are answered already; anything else is ours.
    if (!answered) throw error
  }
}

/** A transport failure as problem details: never a 500, never the internal error text. */
function upstreamProblem(error: Error, upstream: UpstreamName, retryAfterSeconds: number, timeoutMs: number): HttpProblem {
  // reply-from wraps the transport error; its `cause` says what actually happened.
  if (UNREACHABLE_CODES.has(codeOf(error.cause ?? error))) {
    return serviceUnavailable(`The ${upstream} service is unreachable`, retryAfterSeconds, 'UPSTREAM_UNREACHABLE')
  }
  if ((error as { statusCode?: unknown }).statusCode === 504) {
    return new HttpProblem(504, `The ${upstream} service did not answer within ${timeoutMs} ms`, 'UPSTREAM_TIMEOUT')
  }
  return new HttpProblem(502, `The ${upstream} service broke off the exchange`, 'UPSTREAM_FAILED')
}
