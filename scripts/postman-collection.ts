/**
 * The Postman collection, built from the gateway's combined OpenAPI document and the run plan
 * (`postman-plan.ts`): one request per plan step, named and described from its operation, in the
 * plan's order, so that `newman run` works as shipped. Collection-level Bearer auth on
 * `{{accessToken}}` (no request overrides it); each step's pre-request script picks whose token
 * that is; its test script checks the status (and more) and stores the ids later steps use.
 * Deterministic: the same document gives the same file (a test compares it with the committed one).
 */
import { POSTMAN_PLAN, type PlanStep } from './postman-plan.js'

type Json = Record<string, unknown>
interface Operation {
  method: string
  path: string
  summary?: string
  description?: string
}

const COLLECTION_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch'])

/** Every operation of the document by operationId. */
function operationsOf(openapi: { paths?: Record<string, Record<string, Json>> }): Map<string, Operation> {
  const operations = new Map<string, Operation>()
  for (const [path, item] of Object.entries(openapi.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || typeof operation.operationId !== 'string') continue
      operations.set(operation.operationId, {
        method: method.toUpperCase(),
        path,
        ...(typeof operation.summary === 'string' ? { summary: operation.summary } : {}),
        ...(typeof operation.description === 'string' ? { description: operation.description } : {})
      })
    }
  }
  return operations
}

const script = (listen: 'prerequest' | 'test', exec: string[]) => ({ listen, script: { type: 'text/javascript', exec } })

/** Set once per run: unique emails (the collection re-runs against a database with data) and a window around now. */
const RUN_SETUP = [
  "if (!pm.collectionVariables.get('runId')) {",
  "  pm.collectionVariables.set('runId', Date.now().toString(36) + Math.random().toString(36).slice(2, 6));",
  "  pm.collectionVariables.set('startedAt', new Date(Date.now() - 24 * 3600 * 1000).toISOString());",
  "  pm.collectionVariables.set('endedAt', new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString());",
  '}'
]

function requestOf(step: PlanStep, operation: Operation): Json {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = step.params?.[name]
    if (value === undefined) throw new Error(`Postman plan: ${step.operationId} "${step.name}" needs params.${name}`)
    return value
  })
  const query = Object.entries(step.query ?? {}).map(([key, value]) => ({ key, value }))
  const raw = `{{baseUrl}}${path}${query.length > 0 ? `?${query.map(({ key, value }) => `${key}=${value}`).join('&')}` : ''}`
  const headers = [
    ...(step.body !== undefined ? [{ key: 'Content-Type', value: 'application/json' }] : []),
    ...Object.entries(step.headers ?? {}).map(([key, value]) => ({ key, value }))
  ]
  return {
    method: operation.method,
    header: headers,
    url: { raw, host: ['{{baseUrl}}'], path: path.split('/').filter(Boolean), ...(query.length > 0 ? { query } : {}) },
    ...(step.body !== undefined ? { body: { mode: 'raw', raw: JSON.stringify(step.body, null, 2), options: { raw: { language: 'json' } } } } : {}),
    description: [operation.summary, operation.description].filter(Boolean).join('\n\n')
  }
}

function testsOf(step: PlanStep): string[] {
  const label = `${step.operationId} → ${step.status}`
  return [
    `pm.test(${JSON.stringify(label)}, function () {`,
    `  pm.response.to.have.status(${step.status});`,
    ...(step.checks || step.capture ? ['  const json = pm.response.json();'] : []),
    ...(step.checks ?? []).map((check) => `  ${check};`),
    ...Object.entries(step.capture ?? {}).map(([name, expression]) => `  pm.collectionVariables.set(${JSON.stringify(name)}, ${expression});`),
    '});'
  ]
}

export interface BuildOptions {
  /** The collection variables' defaults (`newman --env-var` overrides them). */
  baseUrl?: string
}

export function buildPostmanCollection(openapi: object, { baseUrl = 'http://127.0.0.1:3001' }: BuildOptions = {}): Json {
  const operations = operationsOf(openapi as { paths?: Record<string, Record<string, Json>> })
  const planned = new Set(POSTMAN_PLAN.map((step) => step.operationId))
  const unplanned = [...operations.keys()].filter((id) => !planned.has(id))
  if (unplanned.length > 0) throw new Error(`Postman plan: no step for ${unplanned.join(', ')} (add one to scripts/postman-plan.ts)`)

  const items = POSTMAN_PLAN.map((step, index) => {
    const operation = operations.get(step.operationId)
    if (!operation) throw new Error(`Postman plan: ${step.operationId} is not in the OpenAPI document`)
    return {
      name: `${String(index + 1).padStart(2, '0')}. ${step.name}`,
      event: [
        script('prerequest', [`pm.collectionVariables.set('accessToken', pm.collectionVariables.get('${step.as}Token') || '');`]),
        script('test', testsOf(step))
      ],
      request: requestOf(step, operation)
    }
  })
  const variable = (key: string, value = '') => ({ key, value, type: 'string' })
  return {
    info: {
      name: 'Event & Reward Platform — public API',
      description:
        'Every public operation once, in a working order: run it with `npx newman run docs/postman_collection.json ' +
        '--env-var baseUrl=http://127.0.0.1:3001 --env-var adminEmail=… --env-var adminPassword=…`. Generated by ' +
        '`npm run generate` from the gateway\'s /api-docs/json and scripts/postman-plan.ts.',
      schema: COLLECTION_SCHEMA
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }] },
    event: [script('prerequest', RUN_SETUP)],
    variable: [
      variable('baseUrl', baseUrl),
      variable('adminEmail', 'admin@example.com'),
      variable('adminPassword', 'change-me-admin-password'),
      ...['accessToken', 'runId', 'startedAt', 'endedAt', 'adminToken', 'adminRefreshToken', 'adminId', 'playerToken', 'playerRefreshToken', 'playerId',
        'deliveryToken', 'deliveryId', 'eventId', 'rewardId', 'claimId'].map((key) => variable(key))
    ],
    item: items
  }
}
