import { isDeepStrictEqual } from 'node:util'
import { ProblemDetails } from '@app/contracts'
import type { AccessRule, AccessTable } from '@app/platform'
import type { UpstreamMount } from './access.js'

type JsonObject = Record<string, unknown>

export interface OpenApiDocument extends JsonObject {
  openapi: string
  info: { title: string; version: string; description?: string }
  paths: Record<string, JsonObject>
  components: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string } & JsonObject>
}

/** What one upstream contributed: its document, or why there is none. */
export type ServiceDocument = { mount: UpstreamMount } & ({ document: JsonObject } | { failure: string })

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const BEARER_AUTH = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }

/** The problem-details schema as plain JSON: TypeBox's `$id` means nothing inside an OpenAPI document. */
const { $id: _problemId, ...problemSchema } = JSON.parse(JSON.stringify(ProblemDetails)) as JsonObject
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } }
const gatewayProblem = (description: string, headers?: JsonObject): JsonObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: problemSchema } }
})
/**
 * What the gateway itself may answer on any route, whatever the service documents: a client
 * (and a contract checker) must find these statuses and their shape in each operation.
 */
const GATEWAY_RESPONSES: Record<string, JsonObject> = {
  '429': gatewayProblem('Rate limited (per client; stricter on /auth/login)', retryAfter),
  '502': gatewayProblem('The upstream service broke off the exchange'),
  '503': gatewayProblem('The upstream service is unreachable or its circuit breaker is open', retryAfter),
  '504': gatewayProblem('The upstream service did not answer in time')
}

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
      if (section === 'securitySchemes' || existing === undefined || isDeepStrictEqual(existing, definition)) continue
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
    openapi: '3.0.3',
    info: { title: 'Event & Reward Platform — public API', version: '1.0.0' },
    paths: {},
    components: { securitySchemes: { bearerAuth: BEARER_AUTH } }
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
