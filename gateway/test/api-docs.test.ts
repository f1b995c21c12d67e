import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { closedPortUrl, eventOpenApi, startGateway, startStub, startStubAuth, startSystem } from './helpers.js'

interface Document {
  info: { description: string }
  paths: Record<string, Record<string, { description?: string; security?: unknown; requestBody?: unknown; responses?: unknown }>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  tags: Array<{ name: string; description?: string }>
}

const getDocument = async (gatewayUrl: string) => {
  const response = await fetch(`${gatewayUrl}/api-docs/json`)
  assert.equal(response.status, 200)
  return (await response.json()) as Document
}

describe('/api-docs', () => {
  it('merges both services\' documents under gateway paths, only what the table forwards', async () => {
    const system = await startSystem()
    try {
      const document = await getDocument(system.gateway.url)
      assert.deepEqual(Object.keys(document.paths).sort(), [
        '/auth/login',
        '/auth/logout',
        '/auth/refresh',
        '/auth/users',
        '/auth/users/me',
        '/auth/users/{id}/roles',
        '/event-gateway/event',
        '/event-gateway/event/{eventId}',
        '/event-gateway/user-reward-claims/{id}/approve'
      ])
      const detail = document.paths['/event-gateway/event/{eventId}'] ?? {}
      assert.deepEqual(Object.keys(detail).sort(), ['get', 'parameters', 'patch'], 'the DELETE is not forwarded')
      assert.match(detail.patch?.description ?? '', /Roles allowed by the gateway: OPERATOR, ADMIN/)
      assert.deepEqual(detail.patch?.security, [{ bearerAuth: [] }])
      assert.match(document.paths['/auth/login']?.post?.description ?? '', /Public/)
      // What the gateway itself answers on any route is documented on every operation.
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (method === 'parameters') continue
          const responses = operation.responses as Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>
          for (const status of ['429', '502', '503', '504']) {
            assert.ok(responses[status]?.content?.['application/problem+json'], `${method} ${path} documents ${status}`)
          }
          assert.ok(responses['429']?.headers?.['Retry-After'] && responses['503']?.headers?.['Retry-After'], `${method} ${path}: Retry-After`)
        }
      }
      assert.equal(document.paths['/auth/login']?.post?.security, undefined)

      // Same-named but different schemas are both kept, each service's refs pointing at its own.
      assert.deepEqual(document.components.schemas['def-0'], { type: 'object', properties: { email: { type: 'string' } } })
      assert.deepEqual(document.components.schemas['event_def-0'], { type: 'object', properties: { name: { type: 'string' } } })
      assert.deepEqual(document.paths['/auth/users']?.post?.requestBody, {
        content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } }
      })
      assert.deepEqual(document.paths['/event-gateway/event']?.post?.requestBody, {
        content: { 'application/json': { schema: { $ref: '#/components/schemas/event_def-0' } } }
      })
      assert.ok(document.components.schemas.ProblemDetails)
      assert.equal(document.components.schemas.event_ProblemDetails, undefined, 'identical schemas are merged')
      assert.deepEqual(document.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } })
      assert.deepEqual(document.tags.map((tag) => tag.name).sort(), ['claims', 'events', 'sessions', 'users'])
      assert.doesNotMatch(document.info.description, /Incomplete/)

      const yaml = await fetch(`${system.gateway.url}/api-docs/yaml`)
      assert.match(await yaml.text(), /\/event-gateway\/event:/)
    } finally {
      await system.stop()
    }
  })

  it('serves what is available when a service is down, and says which', async () => {
    const auth = await startStubAuth()
    const gateway = await startGateway({ auth: auth.url, event: await closedPortUrl() })
    try {
      const partial = await getDocument(gateway.url)
      assert.ok(partial.paths['/auth/login'])
      assert.equal(Object.keys(partial.paths).some((path) => path.startsWith('/event-gateway')), false)
      assert.match(partial.info.description, /Incomplete.*the event service \(ECONNREFUSED\)/)
    } finally {
      await gateway.stop()
    }
    const event = await startStub({ openApi: eventOpenApi() })
    const healed = await startGateway({ auth: (await closedPortUrl()), event: event.url })
    try {
      assert.match((await getDocument(healed.url)).info.description, /the auth service/)
      assert.ok((await getDocument(healed.url)).paths['/event-gateway/event'])
    } finally {
      await healed.stop()
      await Promise.all([auth.stop(), event.stop()])
    }
  })

  it('caches a complete document, and fetches again while one is missing', async () => {
    const system = await startSystem({ apiDocsCacheTtlMs: 60_000 })
    try {
      system.event.docsAvailable = false
      assert.match((await getDocument(system.gateway.url)).info.description, /the event service \(answered 503\)/)
      assert.match((await getDocument(system.gateway.url)).info.description, /Incomplete/)
      assert.equal(system.event.docFetches, 2, 'a failed fetch is not cached')

      system.event.docsAvailable = true
      assert.doesNotMatch((await getDocument(system.gateway.url)).info.description, /Incomplete/)
      await Promise.all([getDocument(system.gateway.url), getDocument(system.gateway.url)])
      assert.equal(system.event.docFetches, 3, 'a complete document is served from the cache')
      assert.equal(system.auth.docFetches, 3)
    } finally {
      await system.stop()
    }
  })

  it('serves Swagger UI under a CSP that lets it run', async () => {
    const system = await startSystem()
    try {
      const page = await fetch(`${system.gateway.url}/api-docs/`)
      assert.equal(page.status, 200)
      assert.match(page.headers.get('content-type') ?? '', /text\/html/)
      const html = await page.text()
      assert.match(html, /swagger-ui-bundle\.js/)
      assert.doesNotMatch(html, /<script>[^<]/, 'no inline script the CSP would block')
      const csp = page.headers.get('content-security-policy') ?? ''
      assert.match(csp, /script-src 'self'/)
      assert.match(csp, /img-src 'self' data:/)
      const bundle = await fetch(`${system.gateway.url}/api-docs/static/swagger-ui-bundle.js`)
      assert.equal(bundle.status, 200)
      await bundle.arrayBuffer()
      const initializer = await (await fetch(`${system.gateway.url}/api-docs/static/swagger-initializer.js`)).text()
      assert.match(initializer, /persistAuthorization/)
    } finally {
      await system.stop()
    }
  })
})
