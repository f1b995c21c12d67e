import { problemResponse, type AccessRule, type AccessTable } from '@app/contracts'
import { hoistNamedSchemas, sameShape } from '@app/platform'
import type { UpstreamMount } from './access.js'

type JsonObject = Record<string, unknown>

export interface OpenApiDocument extends JsonObject {
  openapi: string
  info: { title: string; version: string; description?: string; license?: { name: string; identifier?: string } }
  servers?: Array<{ url: string; description?: string }>
  paths: Record<string, JsonObject>
  components: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string } & JsonObject>
}

/** What one upstream contributed: its document, or why there is none. */
export type ServiceDocument = { mount: UpstreamMount } & ({ document: JsonObject } | { failure: string })

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const BEARER_AUTH = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }

/**
 * What the gateway itself may answer on any route, whatever the service documents: a client
 * (and a contract checker) must find these statuses and their shape in each operation. As plain
 * JSON with the `Problem` schema as a named component, like the services' own documents.
 */
const { paths: gatewayPaths, components: gatewayComponents } = hoistNamedSchemas(
  JSON.parse(
    JSON.stringify({ paths: { responses: Object.fromEntries([429, 502, 503, 504].map((status) => [status, asOpenApiResponse(problemResponse(status))])) } })
  ) as { paths: { responses: Record<string, JsonObject> }; components: Record<string, Record<string, unknown>> }
)

/** A route-schema response as OpenAPI has it: each header a `{description, schema}` (what @fastify/swagger does for the services). */
function asOpenApiResponse({ headers, ...response }: ReturnType<typeof problemResponse>): JsonObject {
  if (!headers) return response
  return {
    ...response,
    headers: Object.fromEntries(Object.entries(headers).map(([name, { description, ...schema }]) => [name, { description, schema }]))
  }
}
const GATEWAY_RESPONSES = gatewayPaths.responses

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `/event/:id` and `/event/{claimId}` name the same route: parameter names do not matter. */
const routeShape = (path: string) => path.replace(/\/(?::[^/]+|\{[^/}]+\})/g, '/{}')

function describeAccess(rule: AccessRule): string {
  return 'public' in rule ? 'Public: no token needed at the gateway.' : `Roles allowed by the gateway: ${rule.roles.join(', ')}.`
}

/** Replaces every `$ref` the renames name, anywhere in a JSON value. */
function rewriteRefs(value: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames))
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === '$ref' && typeof item === 'string' ? (renames.get(item) ?? item) : rewriteRefs(item, renames)
    ])
  )
}

const componentRef = (section: string, name: string) => `#/components/${section}/${name}`

/**
 * Adds a service's components to the merged set. A name two services use for different things
 * is kept by the first and prefixed for the second (`event_def-0`), whose `$ref`s are rewritten
 * (returned, for its paths too). Security schemes are referenced by name, not by `$ref`: those
 * keep their names, the gateway's `bearerAuth` first.
 */
function mergeComponents(merged: OpenApiDocument['components'], upstream: string, components: JsonObject): Map<string, string> {
  const sections = Object.entries(components).filter((entry): entry is [string, JsonObject] => isObject(entry[1]))
  // All renames first: any definition may refer to any other.
  const renames = new Map<string, string>()
  for (const [section, entries] of sections) {
    for (const [name, definition] of Object.entries(entries)) {
      const existing = merged[section]?.[name]
      if (section === 'securitySchemes' || existing === undefined || sameShape(existing, definition)) continue
      renames.set(componentRef(section, name), componentRef(section, `${upstream}_${name}`))
    }
  }
  for (const [section, entries] of sections) {
    const target = (merged[section] ??= {})
    for (const [name, definition] of Object.entries(entries)) {
      const finalName = renames.has(componentRef(section, name)) ? `${upstream}_${name}` : name
      target[finalName] ??= rewriteRefs(definition, renames)
    }
  }
  return renames
}

/** Drops the schemas no forwarded operation reaches (a service's internal routes' shapes, say its JWKS). */
function pruneUnusedSchemas(document: OpenApiDocument): void {
  const schemas = document.components.schemas ?? {}
  const prefix = componentRef('schemas', '')
  const used = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isObject(value)) return
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith(prefix)) {
        const name = inner.slice(prefix.length)
        if (!used.has(name)) {
          used.add(name)
          visit(schemas[name])
        }
      } else visit(inner)
    }
  }
  visit(document.paths)
  document.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
}

/**
 * The public API as the gateway serves it: each service's paths mapped to gateway paths, only
 * the operations the route table forwards (annotated with who may call them), components
 * merged. A service whose document is missing is named in the description.
 */
export function combineDocuments(services: ServiceDocument[], table: AccessTable): OpenApiDocument {
  const rules = new Map(
    Object.entries(table).map(([key, rule]) => {
      const [method = '', path = ''] = key.split(' ')
      return [`${method.toLowerCase()} ${routeShape(path)}`, rule] as const
    })
  )
  const combined: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: 'Event & Reward Platform — public API', version: '1.0.0', license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } },
    servers: [{ url: '/', description: 'The gateway serving this document' }],
    paths: {},
    components: { securitySchemes: { bearerAuth: BEARER_AUTH }, schemas: { ...gatewayComponents.schemas } }
  }
  const tags = new Map<string, { name: string } & JsonObject>()
  const usedTags = new Set<string>()
  const missing: string[] = []

  for (const service of services) {
    const { mount } = service
    if ('failure' in service) {
      missing.push(`the ${mount.upstream} service (${service.failure})`)
      continue
    }
    const renames = isObject(service.document.components)
      ? mergeComponents(combined.components, mount.upstream, service.document.components)
      : new Map<string, string>()
    const paths = isObject(service.document.paths) ? service.document.paths : {}

    for (const [upstreamPath, item] of Object.entries(paths)) {
      if (!isObject(item) || !upstreamPath.startsWith(mount.upstreamPrefix)) continue
      const gatewayPath = mount.gatewayPrefix + upstreamPath.slice(mount.upstreamPrefix.length)
      const kept: JsonObject = {}
      for (const [key, value] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(key)) {
          kept[key] = value // path-level parameters, summary…
          continue
        }
        const rule = rules.get(`${key} ${routeShape(gatewayPath)}`)
        if (!rule || !isObject(value)) continue
        const operation: JsonObject = { ...value }
        operation.description = [operation.description, describeAccess(rule)].filter(Boolean).join('\n\n')
        if ('roles' in rule && operation.security === undefined) operation.security = [{ bearerAuth: [] }]
        operation.responses = { ...GATEWAY_RESPONSES, ...(isObject(operation.responses) ? operation.responses : {}) }
        for (const tag of Array.isArray(operation.tags) ? operation.tags : []) {
          if (typeof tag === 'string') usedTags.add(tag)
        }
        kept[key] = operation
      }
      if (Object.keys(kept).some((key) => HTTP_METHODS.includes(key))) {
        combined.paths[gatewayPath] = rewriteRefs(kept, renames) as JsonObject
      }
    }
    for (const tag of Array.isArray(service.document.tags) ? service.document.tags : []) {
      if (isObject(tag) && typeof tag.name === 'string' && !tags.has(tag.name)) tags.set(tag.name, { ...tag, name: tag.name })
    }
  }

  combined.tags = [...usedTags].map((name) => tags.get(name) ?? { name })
  pruneUnusedSchemas(combined)
  const layout = services
    .map(({ mount }) =>
      mount.gatewayPrefix === mount.upstreamPrefix
        ? `${mount.upstream} service paths as they are`
        : `${mount.upstream} service paths under \`${mount.gatewayPrefix}\``
    )
    .join(', ')
  combined.info.description = [
    `The public API of the platform, served by the gateway (${layout}). Any route may also answer ` +
      '429 (rate limit, with Retry-After), 503 (upstream unavailable, with Retry-After) and 504 (upstream timeout).',
    ...(missing.length > 0
      ? [`**Incomplete:** not described right now, because their documents could not be fetched: ${missing.join('; ')}. Their routes are still forwarded.`]
      : [])
  ].join('\n\n')
  return combined
}
