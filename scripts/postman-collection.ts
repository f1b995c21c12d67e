/**
 * Builds the Postman collection from the gateway's combined OpenAPI document with
 * openapi-to-postmanv2, then makes it usable and reproducible: every request targets
 * {{baseUrl}} with {{accessToken}} as Bearer, the login request stores the tokens it receives
 * in collection variables, and the converter's random ids are dropped so that regenerating an
 * unchanged API gives the same file (a test compares it with the committed one).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Converter from 'openapi-to-postmanv2'
import { REPO_ROOT } from '@app/platform'

export const COLLECTION_PATH = join(REPO_ROOT, 'docs', 'postman_collection.json')

const LOGIN_SCRIPT = [
  'if (pm.response.code === 200) {',
  '  const tokens = pm.response.json();',
  "  pm.collectionVariables.set('accessToken', tokens.accessToken);",
  "  pm.collectionVariables.set('refreshToken', tokens.refreshToken);",
  '}'
]

type Json = Record<string, unknown>

/** mulberry32: a tiny seeded PRNG. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The converter's bundled json-schema-faker (a CommonJS module shared with the converter). */
const schemaFaker = createRequire(import.meta.url)('openapi-to-postmanv2/assets/json-schema-faker.js') as {
  option(options: { random: () => number }): void
}

/**
 * The converter fakes example values at random where a schema has no example; a seeded
 * generator makes the same API give the same file.
 */
function convert(openapi: object): Promise<Json> {
  schemaFaker.option({ random: seededRandom(20250511) })
  return convertOnce(openapi)
}

function convertOnce(openapi: object): Promise<Json> {
  return new Promise((resolveCollection, reject) => {
    Converter.convert(
      { type: 'json', data: openapi as never },
      { folderStrategy: 'Tags', requestNameSource: 'Fallback', parametersResolution: 'Example', includeAuthInfoInExample: false },
      (error, result) => {
        if (error) return reject(error)
        const collection = result?.result ? result.output?.[0]?.data : undefined
        if (!collection) return reject(new Error(`conversion failed: ${result?.reason ?? 'no output'}`))
        resolveCollection(collection as Json)
      }
    )
  })
}

/** Drops the converter's random ids, recursively. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'id' && key !== '_postman_id')
        .map(([key, inner]) => [key, withoutIds(inner)])
    )
  }
  return value
}

function visitRequests(items: unknown[], visit: (item: Json) => void): void {
  for (const item of items as Json[]) {
    if (Array.isArray(item.item)) visitRequests(item.item, visit)
    else if (item.request) visit(item)
  }
}

export async function buildPostmanCollection(openapi: object): Promise<Json> {
  const collection = withoutIds(await convert(openapi)) as Json
  collection.variable = [
    { key: 'baseUrl', value: 'http://127.0.0.1:3001', type: 'string' },
    { key: 'accessToken', value: '', type: 'string' },
    { key: 'refreshToken', value: '', type: 'string' }
  ]
  collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }] }
  visitRequests(collection.item as unknown[], (item) => {
    const request = item.request as { method: string; url: { path?: string[] } }
    if (request.method === 'POST' && request.url.path?.join('/') === 'auth/login') {
      item.event = [{ listen: 'test', script: { type: 'text/javascript', exec: LOGIN_SCRIPT } }]
    }
  })
  return collection
}

export const committedCollection = (): Json => JSON.parse(readFileSync(COLLECTION_PATH, 'utf8')) as Json
