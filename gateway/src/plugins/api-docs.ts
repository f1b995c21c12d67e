import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyBaseLogger } from 'fastify'
import { ROUTE_TABLE, UPSTREAM_MOUNTS, type UpstreamMount } from '../access.js'
import { combineDocuments, type OpenApiDocument, type ServiceDocument } from '../combined-openapi.js'
import type { UpstreamName } from '../config.js'

export interface ApiDocsOptions {
  upstreams: Readonly<Record<UpstreamName, readonly string[]>>
  cacheTtlMs: number
}

const FETCH_TIMEOUT_MS = 2_000
const DOCUMENT_ROUTES = new Set(['/api-docs/json', '/api-docs/yaml'])

/** fetch() says only "fetch failed"; its cause names the reason (ECONNREFUSED…). */
function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : error.message
}

/**
 * The combined document, rebuilt from the services' documents after `ttlMs`, or on the next
 * request while one of them is missing. Concurrent requests share one rebuild.
 */
function combinedDocuments(upstreams: Readonly<Record<UpstreamName, readonly string[]>>, ttlMs: number, log: FastifyBaseLogger) {
  let document: OpenApiDocument = combineDocuments(
    UPSTREAM_MOUNTS.map((mount) => ({ mount, failure: 'not fetched yet' })),
    ROUTE_TABLE
  )
  let expiresAt = 0
  let rebuilding: Promise<void> | null = null

  /** From the first instance that serves it: every instance of a service serves the same document. */
  async function fetchDocument(mount: UpstreamMount): Promise<ServiceDocument> {
    let failure = 'no instance configured'
    for (const instance of upstreams[mount.upstream]) {
      const url = `${instance}/api-docs/json`
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
        if (!response.ok) throw new Error(`answered ${response.status}`)
        const body: unknown = await response.json()
        if (typeof body !== 'object' || body === null) throw new Error('not an OpenAPI document')
        return { mount, document: body as Record<string, unknown> }
      } catch (error) {
        failure = failureOf(error)
        log.warn({ upstream: mount.upstream, url, failure }, 'OpenAPI document unavailable')
      }
    }
    return { mount, failure }
  }

  async function rebuild(): Promise<void> {
    const services = await Promise.all(UPSTREAM_MOUNTS.map(fetchDocument))
    document = combineDocuments(services, ROUTE_TABLE)
    expiresAt = services.every((service) => 'document' in service) ? Date.now() + ttlMs : 0
  }

  return {
    current: () => document,
    async refreshIfStale(): Promise<void> {
      if (Date.now() < expiresAt) return
      rebuilding ??= rebuild().finally(() => {
        rebuilding = null
      })
      await rebuilding
    }
  }
}

/** The combined public API at `/api-docs/json`, with Swagger UI (and its Authorize button) at `/api-docs`. */
export const apiDocsPlugin = fp<ApiDocsOptions>(
  async (app, { upstreams, cacheTtlMs }) => {
    const docs = combinedDocuments(upstreams, cacheTtlMs, app.log)
    // Static mode: the gateway describes no routes of its own; every request gets the combined document.
    await app.register(swagger, { mode: 'static', specification: { document: docs.current() } })
    await app.register(swaggerUi, {
      routePrefix: '/api-docs',
      uiConfig: { persistAuthorization: true, displayRequestDuration: true },
      uiHooks: {
        onRequest: async (request) => {
          if (DOCUMENT_ROUTES.has(request.routeOptions.url ?? '')) await docs.refreshIfStale()
        }
      },
      transformSpecification: () => docs.current(),
      transformSpecificationClone: false
    })
  },
  { name: 'api-docs', fastify: '5.x' }
)
